"""Computed values of a form (`computed:`): evaluated in order after the answers, rounded, shown with
their label and unit, banded, and checked by golden tests (`computed:` and `earlier:` in a test).

A computed value sees the visible answers and every earlier computed value; in a form with entries
(a diary) it also sees the earlier entries through mean_last() and the like. With `round` the value
itself is rounded (half up), so a band, an alert or a later value uses the number the patient reads.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any, Mapping, Sequence

from ..expr import Entry, evaluate, names
from ..model import Band, Computed, Form, FormTest
from .answers import _close, _test_raw, _walk, coerce, format_number, validate
from .bands import band_in, fmt, round_half_up

__all__ = ["computed_values", "computed_band", "computed_tests", "rounded", "show_value", "test_history",
           "uses_other_forms"]


def rounded(computed: Computed, value: Any) -> Any:
    """The value rounded half up to `round` decimals (an int for 0); other values unchanged."""
    if computed.round is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    exact = round_half_up(value, computed.round)
    return int(exact) if computed.round == 0 else exact


Others = Mapping[str, Mapping[str, Any]]


def computed_values(form: Form, values: Mapping[str, Any], *, today: date | None = None,
                    history: Sequence[Entry] = (), others: Others | None = None) -> dict[str, Any]:
    """Every computed value of the form for these (typed) answers, by id, in the author's order;
    `others` holds other forms' newest values by form id (for form_id.value_id)."""
    env, _ = environment(form, values, today=today, history=history, others=others)
    return {c.id: env[c.id] for c in form.computed}


def environment(form: Form, values: Mapping[str, Any], *, today: date | None = None,
                history: Sequence[Entry] = (), others: Others | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(visible answers followed by the computed values, item scores): what alerts and bands see."""
    _, env, scores = _walk(form, values, today)
    answers = dict(env)
    for computed in form.computed:
        value = rounded(computed, evaluate(computed.expr, env, scores=scores, today=today, history=history,
                                           others=others))
        env[computed.id] = answers[computed.id] = value
    return answers, scores


def uses_other_forms(form: Form) -> bool:
    """Whether a computed value or an alert of the form names another form's value (form_id.value_id)."""
    sources = [c.expr for c in form.computed] + [a.when for a in form.alerts]
    return any("." in name for source in sources for name in names(source))


def computed_band(computed: Computed, value: Any) -> Band | None:
    """The band of a computed value (bands of computed values are always read exactly)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return band_in(computed.bands, value, exact=True)


def show_value(computed: Computed, value: Any) -> str:
    """The value as the patient reads it, in Swedish: "86 %", "7 h", "–" when it cannot be computed."""
    if value is None or isinstance(value, bool):
        return "–"
    if isinstance(value, time):
        text = value.strftime("%H:%M")
    elif isinstance(value, (int, float)):
        text = format_number(rounded(computed, value))
    else:
        text = str(value)
    return f"{text} {computed.unit}" if computed.unit else text


def test_history(form: Form, test: FormTest) -> tuple[list[Entry], list[str]]:
    """A golden test's `earlier:` answers as entries (one a day before `today`, oldest first) and the
    problems of answers that do not pass validation."""
    entries: list[Entry] = []
    problems: list[str] = []
    ids = [q.id for q in form.questions]
    for n, answers in enumerate(test.earlier):
        unknown = [k for k in answers if k not in ids]
        if unknown:
            problems += [f"earlier entry {n + 1}: '{k}' is not a question of this form" for k in unknown]
            continue
        day = None if test.today is None else test.today - timedelta(days=len(test.earlier) - n)
        values, errors = coerce(form, {k: _test_raw(v) for k, v in answers.items()})
        errors.update(validate(form, values, today=day))
        if errors:
            listed = "; ".join(f"{k}: {v}" for k, v in errors.items())
            problems.append(f"earlier entry {n + 1} does not pass validation ({listed})")
            continue
        env, _ = environment(form, values, today=day, history=entries, others=test.others)
        entries.append(Entry(day, env))
    return entries, problems


def computed_tests(form: Form) -> list[tuple[FormTest, str]]:
    """Golden tests with `computed:` (and `earlier:`): each listed value must come out (to two decimals)."""
    failures: list[tuple[FormTest, str]] = []
    known = [c.id for c in form.computed]
    for test in form.tests:
        if not test.computed or not test.valid:
            continue
        history, problems = test_history(form, test)
        failures += [(test, f"test '{test.name}': {p}") for p in problems]
        values, errors = coerce(form, {k: _test_raw(v) for k, v in test.answers.items()})
        if problems or errors or validate(form, values, today=test.today):
            continue  # run_tests reports answers that do not pass
        got = computed_values(form, values, today=test.today, history=history, others=test.others)
        for value_id, expected in test.computed.items():
            if value_id not in known:
                failures.append((test, f"test '{test.name}': unknown computed value '{value_id}' "
                                       f"(computed values of this form: {', '.join(known) or 'none'})"))
            elif not _matches(got[value_id], expected):
                shown = "nothing" if got[value_id] is None else fmt(got[value_id]) if isinstance(
                    got[value_id], (int, float)) else str(got[value_id])
                failures.append((test, f"test '{test.name}': expected computed '{value_id}' "
                                       f"{'nothing' if expected is None else expected}, got {shown}"))
    return failures


def _matches(actual: Any, expected: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        return _close(actual, expected)
    if isinstance(actual, time) and isinstance(expected, str):
        return actual.strftime("%H:%M") == expected
    return bool(actual == expected)
