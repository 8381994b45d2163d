"""Answer rules that alert (`alerts:` on a form): which rules the submitted answers trigger, the
feedback the patient sees after submitting, and the golden tests that list expected alerts.

An alert's `when` is evaluated like a validation rule: over the visible answers (a hidden
question is unanswered), with `today` as what today() means. The clinician's flag ("Svar kräver
uppmärksamhet") is raised by engine.moment from the alert ids that `submit_form` records. An urgent
alert's feedback comes first; what an alert holds is enforced by engine.moment.holds.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from ..expr import Entry, evaluate, truthy
from ..model import Alert, Form, FormTest
from .answers import _test_raw, coerce, score, validate
from .computed import Others, environment, test_history

__all__ = ["alerts_for", "alert_feedback", "submission_feedback", "held_by", "alert_tests"]


def alerts_for(form: Form, values: Mapping[str, Any], *, today: date | None = None,
               history: Sequence[Entry] = (), others: Others | None = None) -> tuple[Alert, ...]:
    """The form's alerts that these (typed) answers trigger, in the author's order; an alert sees the
    computed values too (and, in a form with entries, the earlier entries in `history`)."""
    if not form.alerts:
        return ()
    env, scores = environment(form, values, today=today, history=history, others=others)
    return tuple(a for a in form.alerts
                 if truthy(evaluate(a.when, env, scores=scores, today=today, history=history, others=others)))


def alert_feedback(form: Form, alert_ids: Any) -> tuple[str, ...]:
    """The patient feedback of the alerts with these ids (e.g. the ids stored with a submission),
    urgent alerts first."""
    found = [a for a in (form.alert(i) for i in alert_ids or () if isinstance(i, str)) if a is not None]
    return tuple(a.feedback for a in sorted(found, key=lambda a: not a.urgent) if a.feedback)


def submission_feedback(form: Form, values: Mapping[str, Any], *, today: date | None = None,
                        history: Sequence[Entry] = (), others: Others | None = None) -> tuple[str, ...]:
    """Every Markdown text the patient sees after submitting, in order: the triggered alerts'
    feedback first (urgent alerts before the others, whatever the score band says), then the score
    band's feedback, then the form's."""
    triggered = sorted(alerts_for(form, values, today=today, history=history, others=others), key=lambda a: not a.urgent)
    texts = [a.feedback for a in triggered if a.feedback]
    result = score(form, values, today=today)
    if result is not None and result.band is not None and result.band.feedback:
        texts.append(result.band.feedback)
    if form.feedback:
        texts.append(form.feedback)
    return tuple(texts)


def held_by(alerts: Iterable[Alert]) -> tuple[str, ...]:
    """Everything these alerts hold, each once: form ids, "module/step" and module ids."""
    return tuple(dict.fromkeys(n for a in alerts if a.holds is not None for n in a.holds.names))


def alert_tests(form: Form) -> list[tuple[FormTest, str]]:
    """Golden tests with `alerts:` or `holds:`: the listed alerts, exactly, must trigger, and they
    must hold exactly what is listed; one message per failure.

    Tests whose answers are rejected are left to `run_tests`, which reports them.
    """
    failures: list[tuple[FormTest, str]] = []
    known = [a.id for a in form.alerts]
    can_hold = held_by(form.alerts)
    for test in form.tests:
        if (test.alerts is None and test.holds is None) or not test.valid:
            continue
        unknown = [f"unknown alert '{i}' (alerts of this form: {', '.join(known) or 'none'})"
                   for i in test.alerts or () if i not in known]
        unknown += [f"'{n}' is held by no alert of this form (they hold: {', '.join(can_hold) or 'nothing'})"
                    for n in test.holds or () if n not in can_hold]
        if unknown:
            failures += [(test, f"test '{test.name}': {message}") for message in unknown]
            continue
        values, errors = coerce(form, {k: _test_raw(v) for k, v in test.answers.items()})
        history, problems = test_history(form, test)
        if errors or problems or validate(form, values, today=test.today):
            continue
        triggered = alerts_for(form, values, today=test.today, history=history, others=test.others)
        got = [a.id for a in triggered]
        if test.alerts is not None and sorted(got) != sorted(test.alerts):
            failures.append((test, f"test '{test.name}': expected alerts [{', '.join(test.alerts)}], "
                                   f"got [{', '.join(got)}]"))
        held = held_by(triggered)
        if test.holds is not None and sorted(held) != sorted(test.holds):
            failures.append((test, f"test '{test.name}': expected holds [{', '.join(test.holds)}], "
                                   f"got [{', '.join(held)}]"))
    return failures
