"""Jinja's Template with a cheaper import of macro templates and a cheaper `{{ … }}` (same output).

Every `{% from "macros.html" import … %}` asks the imported template for its module with the importing
render's context. Jinja 3.1 first works out which of the context's globals the imported template lacks,
as `frozenset - ChainMap.keys()`: a frozenset cannot subtract a keys view natively, so Python falls back
to `KeysView.__rsub__`, a generator over every global — about 140 Python calls per import with this app's
27 globals (three imports on a patient step: 420 of its calls). `frozenset.difference(mapping)` computes
the same set in C. tests/web/test_jinja_template.py holds the two to the same modules.

Every `{{ value }}` of an HTML template is `markupsafe.escape(value)`: for text, two Python calls (`escape`,
then `Markup.__new__`); an overview page of 25 rows makes about 600. `escape` below makes the same Markup in
one (`str.__new__(Markup, …)` is what `Markup.__new__` ends in for text); compiled templates of this class
use it (tests/web/test_jinja_template.py holds it to markupsafe's for any value).
"""
from __future__ import annotations

import typing as t

import jinja2
import markupsafe
from jinja2.runtime import Context
from markupsafe import Markup

_escape_text = getattr(markupsafe, "_escape_inner", None)  # markupsafe's C escaping of a str (3.x)
_new_str = str.__new__


def escape(value: t.Any, /) -> Markup:
    """`markupsafe.escape`, in one Python call for text."""
    if type(value) is str and _escape_text is not None:
        return _new_str(Markup, _escape_text(value))
    return markupsafe.escape(value)


class Template(jinja2.Template):
    """`jinja2.Template` whose `_get_default_module` computes the missing globals with `difference`, and whose
    compiled code escapes with `escape` above."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: t.MutableMapping[str, t.Any],
                        globals: t.MutableMapping[str, t.Any]) -> jinja2.Template:
        if namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = escape  # the compiled functions read it from their module's globals
        return super()._from_namespace(environment, namespace, globals)

    def _get_default_module(self, ctx: t.Optional[Context] = None) -> jinja2.environment.TemplateModule:
        if ctx is not None and not self.environment.is_async:
            keys = ctx.globals_keys.difference(self.globals)
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
            if self._module is None:
                self._module = self.make_module()
            return self._module
        return super()._get_default_module(ctx)
