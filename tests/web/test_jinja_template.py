"""web/ui/jinja.py: imports of macro templates give the modules Jinja's own Template gives, and `{{ … }}`
escapes as markupsafe does."""
from __future__ import annotations

import jinja2
import markupsafe
import pytest
from hypothesis import given, strategies as st
from markupsafe import Markup

from web.ui import jinja
from web.ui.jinja import Template

TEMPLATES = {
    "macros.html": "{% macro who() %}{{ name | default('ingen') }}/{{ shared }}{% endmacro %}",
    "page.html": '{% from "macros.html" import who %}{{ who() }}|'
                 '{% from "macros.html" import who as who2 with context %}{{ who2() }}',
}


def _env(template_class: type, late_global: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))
    env.template_class = template_class
    env.globals["shared"] = "delad"
    if late_global:
        # a global only the importing template has: the imported one must get a module that sees it
        return env, {"name": "sidans"}
    return env, {}


@pytest.mark.parametrize("late_global", [False, True])
def test_same_output_as_jinjas_template(late_global):
    outputs = []
    for template_class in (jinja2.Template, Template):
        env, extra = _env(template_class, late_global)
        page = env.get_template("page.html", globals=extra)
        outputs.append([page.render(), page.render(name="kontext")])
    assert outputs[0] == outputs[1]
    # the global the page has and the imported template lacks reaches the import without context
    assert outputs[1][0].startswith("sidans/delad|" if late_global else "ingen/delad|")


def test_an_import_without_new_globals_reuses_the_cached_module():
    env, _ = _env(Template, False)
    page = env.get_template("page.html")
    page.render()
    cached = env.get_template("macros.html")._module
    assert cached is not None
    page.render()
    assert env.get_template("macros.html")._module is cached


def test_the_app_loads_templates_with_it(app):
    assert app.jinja_env.template_class is Template
    with app.app_context():
        assert isinstance(app.jinja_env.get_template("macros.html"), Template)


class _Html:
    def __html__(self):
        return "<i>redan säker</i>"


class _Text(str):
    """A str subclass (not `type(value) is str`): markupsafe's own path."""


@given(st.one_of(st.text(), st.text(alphabet="<>&'\"aå ").map(_Text), st.integers(), st.floats(allow_nan=False),
                 st.none(), st.booleans(), st.text(alphabet="<>&'\"aå ").map(Markup), st.just(_Html())))
def test_escape_gives_what_markupsafe_gives(value):
    ours, theirs = jinja.escape(value), markupsafe.escape(value)
    assert ours == theirs and type(ours) is type(theirs) is Markup


def test_compiled_templates_escape_with_it_and_render_the_same(app):
    source = "{{ a }}|{{ b }}|{{ c }}|{{ d }}|{% for x in e %}{{ x }},{% endfor %}"
    values = {"a": "<b>&'\"", "b": 7, "c": Markup("<i>x</i>"), "d": None, "e": ["å<", 2.5, _Html()]}
    stock = jinja2.Environment(autoescape=True).from_string(source)
    ours = app.jinja_env.from_string(source)
    assert ours.root_render_func.__globals__["escape"] is jinja.escape
    assert ours.render(values) == stock.render(values)
    with app.app_context():
        assert app.jinja_env.get_template("base.html").root_render_func.__globals__["escape"] is jinja.escape
