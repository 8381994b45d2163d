"""Steps and forms: the patient reads steps, saves drafts, submits answers; the clinician opens them."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from engine.localtime import local_date
from engine.moment import lifecycle
from engine.model import Form

from ...extensions import db
from ...models import Enrollment, FormResponse, Patient
from ..core import state_memo
from ..core.state_memo import commit_keeping_loaded
from ..core.holds import holding_for
from ..core.entries import submission_context
from ..core.unit import apply, run_action, transaction
from ..core.rows import build_state, patient_actor, program_for, question_snapshot, write_step_view
from ..errors import ServiceError


def _own(enrollment: Enrollment, patient: Patient) -> None:
    if enrollment.patient_id != patient.id:
        raise ServiceError("Momentet hör inte till dig.")


def view_step(enrollment: Enrollment, patient: Patient, module_id: str, step_id: str, *, now: datetime) -> None:
    """The patient opened a step (progress turns yellow, or green when nothing is left)."""
    _own(enrollment, patient)
    program = program_for(enrollment)
    try:
        before = build_state(enrollment)
        transition = run_action(program, before, lifecycle.view_step, module_id, step_id, now=now,
                                actor=patient_actor(patient), held=holding_for(enrollment, program))
        (event,) = transition.events  # a step view is one event, never a flag's cause (else `apply`)
        write_step_view(enrollment, program, before, transition.state, event, now)
    except BaseException:
        db.session.rollback()
        raise
    # the page goes on with the new state in hand: keep the loaded rows, remember the state
    commit_keeping_loaded()
    state_memo.put(enrollment, transition.state)


def draft_for(enrollment: Enrollment, form_id: str) -> FormResponse | None:
    """The patient's unsent draft of a form, if any."""
    return db.session.execute(
        db.select(FormResponse).where(FormResponse.enrollment_id == enrollment.id, FormResponse.form_id == form_id,
                                      FormResponse.status == "draft")
    ).scalar_one_or_none()


def _response_row(enrollment: Enrollment, form: Form, module_id: str | None, step_id: str | None,
                  now: datetime) -> FormResponse:
    row = draft_for(enrollment, form.id)
    if row is None:
        row = FormResponse(enrollment_id=enrollment.id, form_id=form.id, status="draft", created_at=now)
        db.session.add(row)
    row.module_id, row.step_id, row.form_title = module_id, step_id, form.title
    row.questions, row.updated_at = question_snapshot(form), now
    return row


def _form(enrollment: Enrollment, form_id: str) -> Form:
    form = program_for(enrollment).form(form_id)
    if form is None:
        raise ServiceError(f"Formuläret {form_id} finns inte.")
    return form


def save_form(enrollment: Enrollment, patient: Patient, form_id: str, values: Mapping[str, Any], *, now: datetime,
              module_id: str | None = None, step_id: str | None = None) -> FormResponse:
    """Spara: keep a draft (typed values as engine.forms.coerce makes them); not sent to the clinician."""
    _own(enrollment, patient)
    form = _form(enrollment, form_id)
    with transaction():
        row = _response_row(enrollment, form, module_id, step_id, now)
        db.session.flush()
        event = apply(enrollment, lifecycle.save_form, form_id, values, now=now, actor=patient_actor(patient),
                      module_id=module_id, form_response=row,
                      held=holding_for(enrollment, program_for(enrollment))).events[0]
        row.module_id, row.answers = event.module, dict(event.data.get("answers") or {})
    return row


def submit_form(enrollment: Enrollment, patient: Patient, form_id: str, values: Mapping[str, Any], *,
                now: datetime, module_id: str | None = None, step_id: str | None = None,
                submit_token: str | None = None) -> FormResponse:
    """Skicka in: validate (ServiceError with per-question messages), score, store; unread for the clinician."""
    _own(enrollment, patient)
    form = _form(enrollment, form_id)
    with transaction():
        row = _response_row(enrollment, form, module_id, step_id, now)
        row.submit_token = submit_token  # unique: a second submit of the same page fails to commit
        db.session.flush()
        program = program_for(enrollment)
        context = submission_context(enrollment, program, form)
        # a held form is refused here, whatever the request says (engine.moment.holds)
        event = apply(enrollment, lifecycle.submit_form, form_id, values, now=now, actor=patient_actor(patient),
                      module_id=module_id, form_response=row, today=local_date(now),
                      held=holding_for(enrollment, program),
                      history=context.history, others=context.others).events[0]
        row.module_id, row.status, row.submitted_at = event.module, "submitted", now
        # the version and form id the answers were given under (the form id follows later versions)
        row.program_digest, row.given_form_id = enrollment.program_digest, form_id
        row.answers = dict(event.data.get("answers") or {})
        score = event.data.get("score")
        if isinstance(score, Mapping):
            row.score = score.get("total")
            band = score.get("band")
            row.band = band.get("label") if isinstance(band, Mapping) else band
            row.subscales = dict(score.get("subscales") or {}) or None
        elif isinstance(score, (int, float)):
            row.score = score
    return row


