"""`stegvis diff` for forms: questions, options, scoring and bands (see engine.authoring.diff)."""
from __future__ import annotations

from typing import Any, Iterable

from .. import expr as expressions
from .. import forms
from ..errors import ExpressionError
from ..model import Band, Form, Option, Program, Question, Scoring
from .changes import Collector, IdMap


def _q(text: str) -> str:
    return f"”{text}”"


def question_targets(old: Program, ids: IdMap) -> set[str]:
    """The new "form/question" paths that some old question lands on."""
    targets = set()
    for form in old.forms.values():
        status, new_form = ids.form(form.id)
        for q in form.questions:
            default = f"{new_form}/{q.id}" if new_form else None
            state, target = ids.resolve("questions", f"{form.id}/{q.id}", default)
            if target and state in ("same", "mapped"):
                targets.add(target)
    return targets


def compare_form(c: Collector, ids: IdMap, old: Form, new: Form, new_program: Program,
                 targets: set[str]) -> None:
    """Every change between an old form and its counterpart in the new version."""
    label = f"form {old.id}" if old.id == new.id else f"form {old.id} (now {new.id})"
    changed = [name for name in ("title", "intro", "feedback") if getattr(old, name) != getattr(new, name)]
    if changed:
        c.safe("form.text", new.id, f"{label} text changed ({', '.join(changed)})")
    if old.resubmit != new.resubmit:
        c.safe("form.setting", new.id, f"{label} resubmit changed from {_yaml(old.resubmit)} to {_yaml(new.resubmit)}")
    if old.tests != new.tests:
        c.safe("form.tests", new.id, f"{label} golden tests changed")
    renamed: dict[str, str] = {}  # old question id → its id in `new` (same form only)
    order = []
    for q in old.questions:
        default = f"{new.id}/{q.id}"
        path = f"{old.id}/{q.id}"
        status, target = ids.resolve("questions", path, default)
        q_label = f"{label} question {q.id}"
        what = f"Frågan {_q(q.text)} i formuläret {_q(old.title)}"
        if not c.follow(status, target if status == "mapped" else None, "question", path, q_label, what):
            continue
        assert target is not None
        form_id, question_id = target.split("/", 1)
        counterpart = new_program.form(form_id)
        new_q = counterpart.question(question_id) if counterpart else None
        if new_q is None:
            continue
        if form_id == new.id:
            renamed[q.id] = new_q.id
            order.append(new_q.id)
        compare_question(c, ids, old, q, new_q, target, q_label, new)
    if order != [q.id for q in new.questions if q.id in order]:
        c.safe("question.order", new.id, f"questions of {label} reordered")
    for q in new.questions:
        if f"{new.id}/{q.id}" in targets:
            continue
        if q.required:
            c.breaking("question.added", f"{new.id}/{q.id}", f"{label} question {q.id} added (required)",
                       f"Formuläret {_q(new.title)} har en ny obligatorisk fråga {_q(q.text)}; "
                       "den saknar svar där formuläret redan skickats in")
        else:
            c.safe("question.added", f"{new.id}/{q.id}", f"{label} question {q.id} added (optional)")
    compare_scoring(c, old, new, renamed, label)


def compare_question(c: Collector, ids: IdMap, old_form: Form, old: Question, new: Question, path: str,
                     label: str, new_form: Form) -> None:
    what = f"Frågan {_q(old.text)} i formuläret {_q(old_form.title)}"
    if old.type != new.type:
        c.breaking("question.type", path, f"{label} type changed from {old.type} to {new.type}",
                   f"{what} har ändrad frågetyp ({old.type} → {new.type})")
        return  # options, ranges … of another type are not comparable
    texts = [name for name in ("text", "help", "min_label", "max_label") if getattr(old, name) != getattr(new, name)]
    if texts:
        c.safe("question.text", path, f"{label} text changed ({', '.join(texts)})")
    if old.required != new.required:
        if new.required:
            c.breaking("question.required", path, f"{label} is now required",
                       f"{what} är nu obligatorisk; den kan sakna svar där formuläret redan skickats in")
        else:
            c.safe("question.required", path, f"{label} is no longer required")
    if (old.min, old.max) != (new.min, new.max):
        span = f"{_yaml(old.min)}–{_yaml(old.max)} → {_yaml(new.min)}–{_yaml(new.max)}"
        if old.type == "scale":
            c.breaking("question.range", path, f"{label} scale changed ({span})",
                       f"{what} har ändrad skala ({span}); givna svar betyder något annat")
        else:
            c.safe("question.range", path, f"{label} accepted range changed ({span})")
    if old.show_if != new.show_if:
        c.safe("question.show_if", path, f"{label} show_if changed")
    if old.validations != new.validations:
        c.safe("question.validate", path, f"{label} validation rules changed")
    compare_options(c, ids, old_form, old, new, path, label, new_form)


def compare_options(c: Collector, ids: IdMap, old_form: Form, old: Question, new: Question, path: str,
                    label: str, new_form: Form) -> None:
    scored = new_form.scoring is not None
    landed: list[str] = []
    for option in old.options:
        key = f"{old_form.id}/{old.id}/{option.id}"
        status, target = ids.resolve("options", key, f"{path}/{option.id}")
        o_label = f"{label} option {option.id}"
        what = f"Svarsalternativet {_q(option.label)} i frågan {_q(old.text)}"
        if not c.follow(status, target if status == "mapped" else None, "option", key, o_label, what):
            continue
        assert target is not None
        new_option = new.option(target.rsplit("/", 1)[1]) if target.startswith(path + "/") else None
        if new_option is None:
            continue  # moved to another question: nothing to compare here
        landed.append(new_option.id)
        compare_option(c, old_form, option, new_option, f"{path}/{new_option.id}", o_label, scored)
    if landed != [o.id for o in new.options if o.id in landed]:
        c.safe("option.order", path, f"options of {label} reordered")
    for option in new.options:
        if option.id not in landed:
            c.safe("option.added", f"{path}/{option.id}", f"{label} option {option.id} added")


def compare_option(c: Collector, form: Form, old: Option, new: Option, path: str, label: str,
                   scored: bool) -> None:
    if old.label != new.label:
        c.safe("option.text", path, f"{label} label changed")
    if old.score != new.score:
        message = f"{label} score changed from {_yaml(old.score)} to {_yaml(new.score)}"
        if scored:
            c.breaking("option.score", path, message, f"Formuläret {_q(form.title)} har ändrad poängsättning "
                                                      f"(svarsalternativet {_q(old.label)} ger "
                                                      f"{_yaml(new.score)} poäng i stället för {_yaml(old.score)})")
        else:
            c.safe("option.score", path, message + " (the form is not scored)")


def compare_scoring(c: Collector, old: Form, new: Form, renamed: dict[str, str], label: str) -> None:
    """Method, scored items, reverse items, missing rule, subscales, expression, then bands."""
    a, b = old.scoring, new.scoring
    if a is None and b is None:
        return
    if a is None or b is None:
        what = "added" if a is None else "removed"
        c.breaking("form.scoring", new.id, f"{label} scoring {what}",
                   f"Formuläret {_q(old.title)} har ändrad poängsättning (poängsättningen är {'ny' if a is None else 'borttagen'})")
        return

    def ids(values: Iterable[str]) -> set[str]:
        return {renamed.get(v, v) for v in values}

    differences = []
    if a.method != b.method:
        differences.append(("method", f"method {a.method} → {b.method}", f"metod {a.method} → {b.method}"))
    if ids(q.id for q in forms.scored_items(old)) != {q.id for q in forms.scored_items(new)}:
        differences.append(("items", "scored questions changed", "andra frågor ger poäng"))
    if ids(a.reverse) != set(b.reverse):
        differences.append(("reverse", "reverse items changed", "andra frågor har omvänd poäng"))
    if a.missing != b.missing:
        differences.append(("missing", f"missing {a.missing} → {b.missing}", "obesvarade frågor räknas på annat sätt"))
    if _subscales(a, renamed) != _subscales(b, {}):
        differences.append(("subscales", "subscales changed", "delskalorna är ändrade"))
    if not _same_expression(a.expression, b.expression, renamed):
        differences.append(("expression", "score expression changed", "poänguttrycket är ändrat"))
    for kind, message, sv in differences:
        c.breaking(f"scoring.{kind}", new.id, f"{label} scoring: {message}",
                   f"Formuläret {_q(old.title)} har ändrad poängsättning ({sv})")
    if [(x.min, x.max, x.max_excluded) for x in a.bands] != [(x.min, x.max, x.max_excluded) for x in b.bands]:
        spans = f"{_spans(a)} → {_spans(b)}"
        c.breaking("scoring.bands", new.id, f"{label} bands changed ({spans})",
                   f"Formuläret {_q(old.title)} har ändrade tolkningsintervall ({spans})")
        return
    for x, y in zip(a.bands, b.bands):
        if x.label != y.label:
            c.safe("band.label", new.id, f"{label} band {_span(x)} label changed ({x.label} → {y.label})")
        if x.feedback != y.feedback:
            c.safe("band.text", new.id, f"{label} band {_span(x)} feedback changed")
    if {s.id: s.title for s in a.subscales} != {s.id: s.title for s in b.subscales}:
        c.safe("subscale.text", new.id, f"{label} subscale titles changed")


def _subscales(scoring: Scoring, renamed: dict[str, str]) -> dict[str, tuple[str, frozenset[str]]]:
    return {s.id: (s.method, frozenset(renamed.get(i, i) for i in s.items)) for s in scoring.subscales}


def _same_expression(old: str | None, new: str | None, renamed: dict[str, str]) -> bool:
    if old is None or new is None:
        return old == new
    try:
        return _rename(expressions.parse(old), renamed) == expressions.parse(new)
    except ExpressionError:
        return old == new


def _rename(node: expressions.Expr, renamed: dict[str, str]) -> expressions.Expr:
    """The syntax tree with question names renamed (offsets do not take part in equality)."""
    if isinstance(node, expressions.Name):
        return expressions.Name(renamed.get(node.id, node.id))
    if isinstance(node, expressions.Unary):
        return expressions.Unary(node.op, _rename(node.operand, renamed))
    if isinstance(node, expressions.Binary):
        return expressions.Binary(node.op, _rename(node.left, renamed), _rename(node.right, renamed))
    if isinstance(node, expressions.Call):
        return expressions.Call(node.func, tuple(_rename(a, renamed) for a in node.args))
    if isinstance(node, expressions.ListLit):
        return expressions.ListLit(tuple(_rename(a, renamed) for a in node.items))
    return node


def _span(band: Band) -> str:
    return forms.span(band) if band.exact else f"{_yaml(band.min)}–{_yaml(band.max)}"


def _spans(scoring: Scoring) -> str:
    return ", ".join(_span(b) for b in scoring.bands)


def _yaml(value: Any) -> str:
    """A value as the author wrote it: 2 not 2.0, true/false, none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "none" if value is None else str(value)
