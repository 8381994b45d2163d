"""Load-time checks of a form's computed values (`computed:`), its alerts' use of them, band bounds
(`min`/`from`, `max`/`below`) and the entry functions (mean_last() and the like, only with `entries: true`)."""
from __future__ import annotations

from typing import Any, Mapping

from .. import expr as expressions
from ..errors import Location
from ..model import Computed, Form
from .build import band_bound_problems
from .checks import expression_location
from .yamlpos import Path, YamlDocument

_KIND_WORDS = {"time": "a time", "date": "a date", "text": "text", "bool": "yes/no", "list": "a list"}
_NO_ENTRIES = "needs a form with entries: true (a form filled again and again)"


def computed_shape_problems(raw: dict[str, Any], form: Form, path: Path) -> list[tuple[Path, str]]:
    """Band bounds of the scoring and every computed value; computed ids unique among questions and values."""
    found: list[tuple[Path, str]] = []
    lists = [(path + ("scoring", "bands"), (raw.get("scoring") or {}).get("bands", []))]
    lists += [(path + ("computed", k, "bands"), c.get("bands", [])) for k, c in enumerate(raw.get("computed", []))]
    for where, bands in lists:
        found += [(where + (i,), message) for i, band in enumerate(bands) for message in band_bound_problems(band)]
    seen = {q.id for q in form.questions}
    for k, computed in enumerate(form.computed):
        if computed.id in seen:
            what = "question" if form.question(computed.id) else "computed value"
            found.append((path + ("computed", k, "id"),
                          f"computed value '{computed.id}': the form already has a {what} with this id"))
        seen.add(computed.id)
    return found


def value_kinds(built: Mapping[str, Form]) -> dict[str, dict[str, str]]:
    """Each form's questions and computed values with their kinds, for form_id.value_id in other forms."""
    kinds: dict[str, dict[str, str]] = {}
    for form in built.values():
        own = {q.id: expressions.kind_of(q) for q in form.questions}
        for computed in form.computed:
            own[computed.id] = expressions.result_kind(computed.expr, form.questions, own)
        kinds[form.id] = own
    return kinds


def computed_expression_problems(doc: YamlDocument, form: Form, path: Path,
                                 others: Mapping[str, Mapping[str, str]]) -> list[tuple[Path, str, Location | None]]:
    """Type-check computed values (each sees the values before it) and alerts (they see every value);
    both may use another form's newest values as form_id.value_id."""
    others = {form_id: kinds for form_id, kinds in others.items() if form_id != form.id}
    found: list[tuple[Path, str, Location | None]] = []
    aggregates = None if form.entries else _NO_ENTRIES
    kinds: dict[str, str] = {}
    checks: list[tuple[str, str, Path]] = [("expr", c.expr, path + ("computed", k, "expr"))
                                           for k, c in enumerate(form.computed)]
    checks += [("when", a.when, path + ("alerts", k, "when")) for k, a in enumerate(form.alerts)]
    for n, (what, source, where) in enumerate(checks):
        for error in expressions.check(source, form.questions, values=kinds, aggregates=aggregates, others=others):
            found.append((where, f"{what}: {error.message}", expression_location(doc, where, error.offset)))
        if n < len(form.computed):
            computed = form.computed[n]
            kinds[computed.id] = expressions.result_kind(source, form.questions, kinds, others)
            found += [(p, m, None) for p, m in _kind_problems(computed, kinds[computed.id], path + ("computed", n))]
    return found


def _kind_problems(computed: Computed, kind: str, path: Path) -> list[tuple[Path, str]]:
    """round and bands need a number."""
    if kind in ("number", "any", "null"):
        return []
    return [(path + (key,), f"computed value '{computed.id}': {key} needs a number, but the value is "
                            f"{_KIND_WORDS.get(kind, kind)}")
            for key, given in (("round", computed.round is not None), ("bands", bool(computed.bands))) if given]


def clinician_form_problems(data: Mapping[str, Any], built: Mapping[str, Form]) -> list[tuple[Path, str]]:
    """A step may show a form the clinician fills in, but the patient cannot finish it: it must not be
    among the forms that make the step done (required_forms, by default every form the step shows)."""
    found: list[tuple[Path, str]] = []
    modules = data.get("modules")
    for m, module in enumerate(modules if isinstance(modules, list) else []):
        steps = module.get("steps") if isinstance(module, dict) else None
        for s, step in enumerate(steps if isinstance(steps, list) else []):  # a wrong shape: the schema says so
            if not isinstance(step, dict):
                continue
            required = step.get("required_forms", step.get("forms")) or []
            for form_id in required if isinstance(required, list) else []:
                form = built.get(form_id) if isinstance(form_id, str) else None
                if form is not None and form.filled_by == "clinician":
                    found.append((("modules", m, "steps", s, "required_forms" if "required_forms" in step else "forms"),
                                  f"step '{step.get('id')}' would wait for '{form_id}', which the clinician fills in; "
                                  "list the patient's forms in required_forms (required_forms: [] for none)"))
    return found
