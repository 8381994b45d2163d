"""Hantera: the values the clinician sets for the patient (forms with `filled_by: clinician`, e.g. the
sleep window) and the patient's entries (forms with `entries: true`) as tables and trend charts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from engine import forms
from engine.errors import AnswerError
from engine.localtime import local_date
from engine.model import Form
from engine.moment.clinician_forms import fill_for_patient

from ...extensions import db
from ...models import Enrollment, FormResponse, Membership, User
from ..core.entries import EntryTable, entry_table, latest_shown, submission_context, trend_points
from ..core.rows import clinician_actor, program_for, question_snapshot
from ..core.trend import trend_svg
from ..core.unit import apply, transaction
from ..errors import ServiceError

__all__ = ["ClinicianFormView", "EntriesView", "for_hantera", "set_values", "SET_ERROR"]

SET_ERROR = "Värdena kunde inte sparas. Rätta det som är markerat."


@dataclass
class ClinicianFormView:
    """One form the clinician fills in: the values set now and the inputs to change them."""

    form: Form
    #: (label, shown value) of the newest values' computed values
    computed: list[tuple[str, str]]
    #: question id → the text each input shows (the newest values, or what was just posted)
    raw: dict[str, Any]
    set_at: datetime | None = None
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class EntriesView:
    """A form with entries: the table of every entry and the trend charts (title, SVG)."""

    table: EntryTable
    charts: list[tuple[str, str]]


def _latest(enrollment: Enrollment, form_id: str) -> FormResponse | None:
    return db.session.execute(
        db.select(FormResponse).where(FormResponse.enrollment_id == enrollment.id, FormResponse.form_id == form_id,
                                      FormResponse.status == "submitted")
        .order_by(FormResponse.submitted_at.desc(), FormResponse.id.desc()).limit(1)).scalar_one_or_none()


def for_hantera(enrollment: Enrollment, *, posted: Mapping[str, Any] | None = None, posted_form: str | None = None,
                errors: Mapping[str, str] | None = None) -> tuple[list[ClinicianFormView], list[EntriesView]]:
    """The clinician's forms (a rejected post re-shown as typed) and the entries forms with any entries."""
    program = program_for(enrollment)
    setters = []
    for form in (f for f in program.forms.values() if f.filled_by == "clinician"):
        last = _latest(enrollment, form.id)
        raw = forms.to_raw(form, forms.from_json(form, last.answers or {}) if last else {})
        view = ClinicianFormView(form, latest_shown(enrollment, form), raw, last.submitted_at if last else None)
        if posted is not None and posted_form == form.id:
            view.raw = {q.id: posted.get(q.id, "") for q in form.questions}
            view.errors = dict(errors or {})
        setters.append(view)
    entries = []
    for form in (f for f in program.forms.values() if f.entries):
        table = entry_table(enrollment, form)
        if table.rows:
            charts = [(c.label, trend_svg(trend_points(table, c.id), c.label)) for c in form.computed if c.trend]
            entries.append(EntriesView(table, charts))
    return setters, entries


def set_values(enrollment: Enrollment, form_id: str, raw: Mapping[str, Any], *, user: User,
               membership: Membership, now: datetime) -> FormResponse:
    """Set a clinician form's values for the moment (validated: ServiceError per question); the patient
    sees them, and other forms' computed values use them from now on."""
    program = program_for(enrollment)
    form = program.form(form_id)
    if form is None or form.filled_by != "clinician":
        raise ServiceError(f"Formuläret {form_id} fylls inte i av behandlaren.")
    try:
        values = forms.submit(form, raw, today=local_date(now))
    except AnswerError as exc:
        raise ServiceError(SET_ERROR, dict(exc.errors)) from exc
    with transaction():
        row = FormResponse(enrollment_id=enrollment.id, form_id=form.id, status="submitted", form_title=form.title,
                           questions=question_snapshot(form), created_at=now, updated_at=now, submitted_at=now,
                           opened_at=now, opened_by_id=user.id, program_digest=enrollment.program_digest,
                           given_form_id=form.id)
        db.session.add(row)
        db.session.flush()
        context = submission_context(enrollment, program, form)
        event = apply(enrollment, fill_for_patient, form.id, values, now=now, actor=clinician_actor(user, membership),
                      form_response=row, today=local_date(now), others=context.others).events[0]
        row.answers = dict(event.data.get("answers") or {})
    return row
