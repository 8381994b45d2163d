"""Aktiviteter for the patient: open occasions of the moment's activity plans, registering and skipping them.

Which occasions are open (due or late within the fill-in window) is the engine's decision
(engine.moment.schedule); registering goes through web.services.activity, which asks the engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from engine.moment import schedule
from engine.errors import EngineError

from ... import limits
from ...extensions import db
from ...models import ActivityPlan, ActivityRegistration, Enrollment, Patient
from ..core.rows import LAST_STEP, plans_of, to_engine
from ..errors import ServiceError
from ..core.rows import engine_events, patient_actor
from ..core.unit import apply, transaction

#: element kinds the patient fills in (Tjänst and Inbjudan are information to read)
INPUT_KINDS = ("registration", "scale", "expectation")
MAX_TEXT = limits.MAX_COMMENT


@dataclass(frozen=True)
class Occasion:
    """One scheduled occasion the patient may fill in now."""

    at: datetime
    #: due (today) or late (within the fill-in window)
    status: str

    @property
    def key(self) -> str:
        """The occasion as sent back by the page (ISO 8601 with offset)."""
        return self.at.isoformat()


@dataclass(frozen=True)
class PlanView:
    """An activated plan as the patient sees it."""

    row: ActivityPlan
    plan: schedule.ActivityPlan
    open: tuple[Occasion, ...]
    upcoming: datetime | None
    recent: tuple[ActivityRegistration, ...]


def _active_plans(enrollment: Enrollment) -> list[tuple[ActivityPlan, schedule.ActivityPlan]]:
    found = []
    for row in plans_of(enrollment):
        if row.editor_step < LAST_STEP or not row.active:
            continue
        try:
            found.append((row, to_engine(row)))
        except EngineError:
            continue  # an incomplete plan is the clinician's draft, not the patient's business
    return found


def plan_views(enrollment: Enrollment, now: datetime) -> list[PlanView]:
    """The moment's activated plans with their open occasions, next occasion and latest registrations."""
    events = engine_events(enrollment)
    views = []
    for row, plan in _active_plans(enrollment):
        open_ = tuple(Occasion(t, schedule.occurrence_status(plan, t, events, now))
                      for t in schedule.open_occurrences(plan, events, now))
        ahead = schedule.occurrences(plan, now, now + timedelta(weeks=plan.every_weeks + 1))
        recent = db.session.execute(
            db.select(ActivityRegistration).where(ActivityRegistration.plan_id == row.id)
            .order_by(ActivityRegistration.occasion_at.desc()).limit(5)
        ).scalars()
        views.append(PlanView(row, plan, open_, ahead[0] if ahead else None, tuple(recent)))
    return views


def _plan(enrollment: Enrollment, plan_id: int) -> ActivityPlan:
    row = next((r for r, _ in _active_plans(enrollment) if r.id == plan_id), None)
    if row is None:
        raise ServiceError("Aktiviteten finns inte.")
    return row


def _occasion(text: str | None) -> datetime:
    try:
        at = datetime.fromisoformat((text or "").strip())
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise ServiceError("Välj ett tillfälle att fylla i.")
    return at


def parse_values(plan: schedule.ActivityPlan, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Form fields `element-<n>` → values by element index, and Swedish messages per field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for index, element in enumerate(plan.elements):
        name = f"element-{index}"
        text = (raw.get(name) or "").strip()
        if element.kind not in INPUT_KINDS or not text:
            continue
        if element.kind == "scale":
            if not text.lstrip("-").isdigit() or not element.min <= int(text) <= element.max:
                errors[name] = f"Välj ett värde mellan {element.min} och {element.max}."
                continue
            values[str(index)] = int(text)
        elif len(text) > MAX_TEXT:
            errors[name] = f"Skriv högst {MAX_TEXT} tecken."
        else:
            values[str(index)] = text
    return values, errors


def register(enrollment: Enrollment, patient: Patient, plan_id: int, raw: Mapping[str, Any], *,
             now: datetime) -> ActivityRegistration:
    """Register an open occasion with the patient's values (and comment, where the plan allows comments)."""
    row = _plan(enrollment, plan_id)
    values, errors = parse_values(to_engine(row), raw)
    comment = (raw.get("comment") or "").strip() or None
    if comment and len(comment) > MAX_TEXT:
        errors["comment"] = f"Skriv högst {MAX_TEXT} tecken."
    if errors:
        raise ServiceError("Aktiviteten kunde inte sparas. Rätta det som är markerat.", errors)
    return register_occurrence(row, patient, now=now, values=values, comment=comment,
                                     occurrence=_occasion(raw.get("tillfalle")))


def skip(enrollment: Enrollment, patient: Patient, plan_id: int, occasion: str | None, *,
         now: datetime) -> ActivityRegistration:
    """Hoppa över an open occasion (only where the plan allows it; the engine decides)."""
    row = _plan(enrollment, plan_id)
    return skip_occurrence(row, patient, now=now, occurrence=_occasion(occasion))


# --- registrations (the engine records them on the moment) ------------------------------------


def register_occurrence(plan: ActivityPlan, patient: Patient, *, now: datetime, values: Mapping[str, Any] | None = None,
             comment: str | None = None, occurrence: datetime | None = None) -> ActivityRegistration:
    """The patient registers an occurrence (the oldest open one unless given)."""
    return _patient_registration(plan, patient, schedule.register_activity, "done", now=now, occurrence=occurrence,
                                 values=values, comment=comment)


def skip_occurrence(plan: ActivityPlan, patient: Patient, *, now: datetime, occurrence: datetime | None = None
         ) -> ActivityRegistration:
    """The patient skips an occurrence (when the plan allows it)."""
    return _patient_registration(plan, patient, schedule.skip_activity, "skipped", now=now, occurrence=occurrence)


def _patient_registration(plan: ActivityPlan, patient: Patient, action, status: str, *, now: datetime,
                          occurrence: datetime | None, **kwargs) -> ActivityRegistration:
    enrollment = plan.enrollment
    if enrollment.patient_id != patient.id:
        raise ServiceError("Aktivitetsplanen hör inte till dig.")
    with transaction():
        transition = apply(enrollment, action, to_engine(plan), engine_events(enrollment), now=now,
                           actor=patient_actor(patient), occurrence=occurrence, **kwargs)
        occ = datetime.fromisoformat(transition.events[0].data["occurrence"])
        row = ActivityRegistration(plan_id=plan.id, occasion_at=occ, status=status,
                                   values=dict(transition.events[0].data.get("values") or {}),
                                   comment=kwargs.get("comment"), registered_at=now)
        db.session.add(row)
    return row
