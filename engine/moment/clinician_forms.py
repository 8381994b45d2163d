"""Forms the clinician fills in for the patient (`filled_by: clinician`, e.g. the personal sleep window):
the clinician sets the values for the moment on Hantera and may change them at any time; the patient sees
the newest values read-only. Setting them is a `form_submitted` event with the clinician as actor, so the
newest values (`latest_values`) and the timeline read them like any submission."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any, Mapping

from .. import forms
from ..errors import AnswerError, TransitionError
from ..model import Program
from .patient import answers_to_json
from .rules import check_time, make_event, require_active, require_clinician
from .state import Actor, MomentState, Transition

__all__ = ["fill_for_patient"]


def fill_for_patient(program: Program, state: MomentState, form_id: str, values: Mapping[str, Any], *,
                     now: datetime, actor: Actor, today: date | None = None,
                     others: Mapping[str, Mapping[str, Any]] | None = None) -> Transition:
    """The clinician sets the values of a clinician-filled form for this moment (validated: AnswerError)."""
    check_time(state, now)
    require_clinician(actor, "fylla i formulär åt invånaren")
    require_active(state, now)
    form = program.form(form_id)
    if form is None:
        raise TransitionError(f"Okänt formulär: {form_id!r}.")
    if form.filled_by != "clinician":
        raise TransitionError(f"Formulär {form.title} fylls i av invånaren.")
    errors = forms.validate(form, values, today=today)
    if errors:
        raise AnswerError(dict(errors))
    cleaned = forms.clean(form, values, today=today)
    data: dict[str, Any] = {"answers": answers_to_json(cleaned)}
    if form.computed:
        data["computed"] = answers_to_json(forms.computed_values(form, cleaned, today=today, others=others))
    event = make_event("form_submitted", now, actor, f"Formulär {form.title} fylldes i av behandlaren",
                       form=form.id, **data)
    return Transition(replace(state, submitted_forms=state.submitted_forms | {form.id}), (event,))
