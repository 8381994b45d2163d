"""What the patient does in a moment — read steps, save and submit forms, send messages — plus the
clinician opening a submitted form. Re-exported by engine.lifecycle.

Step progress (the manual's green/yellow/no colour):
- a step is *done* when the patient has opened it and every form it requires has been submitted
  (`required_forms`, default: every form it shows)
  (a step without forms is done as soon as it is opened);
- it is *started* when opened, or when one of its forms is saved or submitted, but not done;
- otherwise *not started*.
Every patient action sets "senast aktiv" (last_active).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any, Mapping, Sequence

from .. import forms
from ..errors import AnswerError, TransitionError
from ..expr import Entry
from .anchors import with_submission
from .holds import NO_HOLDS, Holding
from .rules import (
    check_time,
    make_event,
    module_of,
    moment_status,
    patient_can_see,
    patient_can_write,
    require_active,
    require_clinician,
    require_patient,
)
from ..model import Form, Module, Program, Step, frozen_map
from .state import Actor, MomentState, StepProgress, Transition

__all__ = ["view_step", "save_form", "submit_form", "open_form", "send_message", "answers_to_json"]

_ORDER: Mapping[StepProgress, int] = {"not_started": 0, "started": 1, "done": 2}


def view_step(program: Program, state: MomentState, module_id: str, step_id: str, *,
              now: datetime, actor: Actor, held: Holding = NO_HOLDS) -> Transition:
    """The patient opens a step: progress becomes started (done when it has no forms left to submit).

    A step an alert holds (`held`, engine.moment.holds) is refused until the clinician has looked."""
    check_time(state, now)
    require_patient(actor, "läsa avsnitt")
    module, _ = module_of(program, state, module_id)
    step = module.step(step_id)
    if step is None:
        raise TransitionError(f"Modul {module.title} har inget avsnitt {step_id!r}.")
    _require_visible(state, module, now)
    held.check_step(module.id, step.id)
    done = all(f in state.submitted_forms for f in step.forms_to_finish)
    progress = _raise_progress(state.steps, module.id, step, "done" if done else "started")
    new = replace(state, steps=progress, last_active=now)
    event = make_event("step_viewed", now, actor, f"Avsnitt {step.number} {step.title} lästes",
                       module=module.id, step=step.id,
                       progress=progress.get(f"{module.id}/{step.id}"))
    return Transition(new, (event,))


def save_form(program: Program, state: MomentState, form_id: str, values: Mapping[str, Any], *,
              now: datetime, actor: Actor, module_id: str | None = None, held: Holding = NO_HOLDS) -> Transition:
    """The patient saves a draft of a form (not validated, not sent to the clinician)."""
    form, module, battery = _writable_form(program, state, form_id, module_id, now, actor, "spara", held)
    progress = state.steps
    for module_id, step in _steps_showing(module, form.id):
        progress = _raise_progress(progress, module_id, step, "started")
    new = replace(state, steps=progress, last_active=now)
    event = make_event("form_saved", now, actor, f"Formulär {form.title} sparades",
                       module=module.id if module else None, form=form.id,
                       answers=answers_to_json(values), battery=battery)
    return Transition(new, (event,))


def submit_form(program: Program, state: MomentState, form_id: str, values: Mapping[str, Any], *,
                now: datetime, actor: Actor, module_id: str | None = None,
                today: date | None = None, held: Holding = NO_HOLDS, history: Sequence[Entry] = (),
                others: Mapping[str, Mapping[str, Any]] | None = None) -> Transition:
    """The patient submits a form: answers are validated (AnswerError), then sent to the clinician.

    `today` is the patient's local date (what today() means in the form's rules; without it rules
    using today() are skipped). The ids of the alerts the answers trigger are recorded in the event's
    data as `alerts` (only when some trigger); engine.moment.flags raises an answer_alert flag for each.
    A form an alert holds (`held`) is refused, whatever the request says.
    The form's computed values are recorded as `computed`; for a form with entries `history` holds
    its earlier entries (engine.moment.entries.entries_of), which mean_last() and the like see;
    `others` the other forms' newest values (engine.moment.entries.latest_values) for form_id.value_id.
    """
    form, module, battery = _writable_form(program, state, form_id, module_id, now, actor,
                                           "skicka in", held)
    errors = forms.validate(form, values, today=today)
    if errors:
        raise AnswerError(dict(errors))
    cleaned = forms.clean(form, values, today=today)
    data: dict[str, Any] = {"answers": answers_to_json(cleaned), "battery": battery}
    if form.scoring is not None:
        data["score"] = _json_score(forms.score(form, cleaned, today=today))
    if form.computed:
        data["computed"] = answers_to_json(forms.computed_values(form, cleaned, today=today, history=history,
                                                                 others=others))
    alerts = forms.alerts_for(form, cleaned, today=today, history=history, others=others)
    if alerts:
        data["alerts"] = [a.id for a in alerts]
    submitted = state.submitted_forms | {form.id}
    progress = state.steps
    for module_id, step in _steps_showing(module, form.id):
        done = all(f in submitted for f in step.forms_to_finish)
        progress = _raise_progress(progress, module_id, step, "done" if done else "started")
    new = replace(state, steps=progress, submitted_forms=submitted, last_active=now,
                  anchor_dates=with_submission(program, state.anchor_dates, form.id, cleaned))
    event = make_event("form_submitted", now, actor, f"Formulär {form.title} skickades in",
                       module=module.id if module else None, form=form.id, **data)
    return Transition(new, (event,))


def open_form(program: Program, state: MomentState, form_id: str, *, now: datetime,
              actor: Actor) -> Transition:
    """The clinician opens a submitted form: it leaves the unread list for the timeline history."""
    check_time(state, now)
    require_clinician(actor, "öppna inskickade formulär")
    form = program.form(form_id)
    if form is None:
        raise TransitionError(f"Okänt formulär: {form_id!r}.")
    if form_id not in state.submitted_forms:
        raise TransitionError(f"Formulär {form.title} har inte skickats in.")
    event = make_event("form_opened", now, actor, f"Formulär {form.title} öppnades", form=form_id)
    return Transition(state, (event,))


def send_message(program: Program, state: MomentState, *, now: datetime, actor: Actor,
                 conversation: str | None, notify: bool) -> Transition:
    """A message from the patient or the clinician; `conversation` None starts a new conversation."""
    check_time(state, now)
    if actor.kind == "patient":
        if moment_status(state, now) == "maintenance":
            raise TransitionError("Momentet vidmakthålls: invånaren kan läsa men inte skriva meddelanden.")
        require_active(state, now)
        if notify:
            raise TransitionError("Bara behandlaren kan avisera till inkorgen i e-tjänsterna.")
        sender = "invånaren"
    else:
        require_clinician(actor, "skicka meddelanden")
        require_active(state, now)
        sender = actor.name
    what = "Ny konversation" if conversation is None else "Meddelande"
    text = f"{what} från {sender}" + (" (aviserat till inkorgen)" if notify else "")
    event = make_event("message_sent", now, actor, text, conversation=conversation, notify=notify)
    new = replace(state, last_active=now) if actor.kind == "patient" else state
    return Transition(new, (event,))


# --- helpers ----------------------------------------------------------------------------------


def _require_visible(state: MomentState, module: Module, now: datetime) -> None:
    status = moment_status(state, now)
    if status == "ended":
        raise TransitionError("Momentet är avslutat: invånaren har inte längre tillgång till programmet.")
    if not patient_can_see(state, module.id, now):
        raise TransitionError(f"Modul {module.title} är dold för invånaren.")


def _writable_form(program: Program, state: MomentState, form_id: str, module_id: str | None,
                   now: datetime, actor: Actor, verb: str, held: Holding) -> tuple[Form, Module | None, str | None]:
    """Check the patient may write this form now (and it is not held); return it, the module it is
    answered in, its battery."""
    found = _open_form(program, state, form_id, module_id, now, actor, verb)
    held.check_form(form_id, found[1])
    return found


def _open_form(program: Program, state: MomentState, form_id: str, module_id: str | None,
               now: datetime, actor: Actor, verb: str) -> tuple[Form, Module | None, str | None]:
    check_time(state, now)
    require_patient(actor, f"{verb} formulär")
    form = program.form(form_id)
    if form is None:
        raise TransitionError(f"Okänt formulär: {form_id!r}.")
    status = moment_status(state, now)
    if status == "ended":
        raise TransitionError("Momentet är avslutat: invånaren har inte längre tillgång till programmet.")
    if status == "maintenance":
        raise TransitionError("Momentet vidmakthålls: invånaren kan läsa men inte skicka in formulär.")
    if form.filled_by == "clinician":
        raise TransitionError(f"Formulär {form.title} fylls i av behandlaren.")
    if form_id in state.submitted_forms and not (form.resubmit or form.entries):
        raise TransitionError(f"Formulär {form.title} är redan inskickat och kan inte skickas in igen.")
    battery = next((b.id for b in program.batteries
                    if b.id in state.batteries and form_id in b.forms), None)
    if module_id is not None:
        module, _ = module_of(program, state, module_id)
        if not _steps_showing(module, form_id) and battery is None:
            raise TransitionError(f"Formulär {form.title} finns inte i modul {module.title}.")
        if not patient_can_write(state, module.id, now) and battery is None:
            raise TransitionError(f"Invånaren kan inte skriva i modul {module.title}.")
        return form, module, battery
    # Without a module: the first module that shows the form and is open for writing
    # (current modules first), else the form's started battery.
    candidates = [m for m in program.modules_with_form(form_id)
                  if patient_can_write(state, m.id, now)]
    candidates.sort(key=lambda m: state.modules[m.id].state != "current")
    if candidates:
        return form, candidates[0], battery
    if battery is not None:
        return form, None, battery
    raise TransitionError(f"Formulär {form.title} är inte öppet för invånaren.")


def _steps_showing(module: Module | None, form_id: str) -> list[tuple[str, Step]]:
    """(module id, step) for the module's steps that show the form (none without a module)."""
    return [(module.id, s) for s in module.steps if form_id in s.forms] if module else []


def _raise_progress(steps: Mapping[str, StepProgress], module_id: str, step: Step,
                    target: StepProgress) -> Mapping[str, StepProgress]:
    """Step progress never goes backwards (done stays done when a resubmittable form is saved)."""
    key = f"{module_id}/{step.id}"
    if _ORDER[target] <= _ORDER[steps.get(key, "not_started")]:
        return steps
    return frozen_map({**steps, key: target})


def answers_to_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """Answer values as stored in JSON: dates as YYYY-MM-DD, times as HH:MM, lists as lists."""
    return {str(k): json_value(v) for k, v in values.items()}


def json_value(value: Any) -> Any:
    """A value as JSON-friendly data: datetimes and dates ISO, times HH:MM, collections as lists/dicts."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: json_value(v) for k, v in value.items()}
    return value


def _json_score(result: Any) -> Any:
    """A ScoreResult as JSON: total, band label, subscales and whether every item was answered."""
    if result is None:
        return None
    band = getattr(result, "band", None)
    return {
        "total": result.total,
        "band": band.label if band is not None else None,
        "subscales": dict(result.subscales),
        "complete": result.complete,
    }
