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

from ..extensions import db
from ..models import ActivityPlan, ActivityRegistration, Enrollment, Patient
from . import activity as activity_service
from .errors import ServiceError
from .flags import engine_events

#: element kinds the patient fills in (Tjänst and Inbjudan are information to read)
INPUT_KINDS = ("registration", "scale", "expectation")
MAX_TEXT = 2000


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
    for row in activity_service.plans_of(enrollment):
        if row.editor_step < activity_service.LAST_STEP or not row.active:
            continue
        try:
            found.append((row, activity_service.to_engine(row)))
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
    values, errors = parse_values(activity_service.to_engine(row), raw)
    comment = (raw.get("comment") or "").strip() or None
    if comment and len(comment) > MAX_TEXT:
        errors["comment"] = f"Skriv högst {MAX_TEXT} tecken."
    if errors:
        raise ServiceError("Aktiviteten kunde inte sparas. Rätta det som är markerat.", errors)
    return activity_service.register(row, patient, now=now, values=values, comment=comment,
                                     occurrence=_occasion(raw.get("tillfalle")))


def skip(enrollment: Enrollment, patient: Patient, plan_id: int, occasion: str | None, *,
         now: datetime) -> ActivityRegistration:
    """Hoppa över an open occasion (only where the plan allows it; the engine decides)."""
    row = _plan(enrollment, plan_id)
    return activity_service.skip(row, patient, now=now, occurrence=_occasion(occasion))
