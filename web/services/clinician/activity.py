"""Aktivitetsplaner: the clinician's three-step editor and the patient's registrations."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from engine.moment import schedule
from engine.moment.schedule import CONTENT_ELEMENTS, WEEKDAY_LABELS, WEEKDAYS  # noqa: F401  (for the editor)
from engine.errors import EngineError
from engine.localtime import local_date

from ...extensions import db
from ...models import ActivityPlan, Enrollment, Membership, User
from ..core.unit import apply, transaction
from ..core.rows import LAST_STEP, clinician_actor, plan_data, plans_of  # noqa: F401  (plans_of: for the editor)
from ..errors import ServiceError


def _check(data: Mapping[str, Any]) -> None:
    try:
        schedule.plan_from_dict(data)
    except EngineError as exc:
        raise ServiceError(str(exc)) from exc


def save_content(enrollment: Enrollment, plan: ActivityPlan | None, *, name: str,
                 elements: list[dict[str, Any]], user: User, now: datetime) -> ActivityPlan:
    """Step 1: name and content elements (Registrering, Skala, Förväntning, Tjänst, Inbjudan)."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("Ange ett namn på aktivitetsplanen.", {"name": "Ange ett namn."})
    if not elements:
        raise ServiceError("Lägg till minst ett innehållselement.")
    probe = {"id": "probe", "name": name, "elements": elements, "start": "2000-01-03",
             "times": [{"time": "12:00", "weekdays": ["mon"]}]}
    _check(probe)  # element rules only; the schedule comes in step 2
    with transaction():
        if plan is None:
            plan = ActivityPlan(enrollment_id=enrollment.id, created_by_id=user.id, created_at=now, editor_step=1)
            db.session.add(plan)
        plan.name, plan.elements, plan.updated_at = name, elements, now
        plan.editor_step = max(plan.editor_step or 1, 1)
    return plan


def save_schedule(plan: ActivityPlan, *, start: date | None, times: list[dict[str, Any]], until: date | None,
                  every_weeks: int, now: datetime) -> None:
    """Step 2: start date, weekdays × times (whole or half hours), repeat until a date or tills vidare."""
    if start is None:
        raise ServiceError("Ange ett startdatum.", {"start": "Ange ett startdatum."})
    data = {**plan_data(plan), "start": start.isoformat(), "times": times,
            "until": until.isoformat() if until else None, "every_weeks": every_weeks}
    _check(data)
    try:
        schedule.check_dates(start, until, local_date(plan.enrollment.started_at))
    except EngineError as exc:
        raise ServiceError(str(exc), {"start" if "Startdatum" in str(exc) else "until": str(exc)}) from exc
    with transaction():
        plan.start_date, plan.times, plan.repeat_until, plan.interval_weeks = start, times, until, every_weeks
        plan.editor_step, plan.updated_at = max(plan.editor_step, 2), now


def save_settings(plan: ActivityPlan, *, fill_days_after: int, flag_missed: bool, may_skip: bool,
                  allow_comments: bool, active: bool, user: User, membership: Membership, now: datetime) -> None:
    """Step 3: settings; the first time, the plan is created in the moment (an event on the timeline)."""
    if plan.start_date is None or not plan.times:
        raise ServiceError("Ange schemat (steg 2) först.")
    data = {**plan_data(plan), "fill_in_days": fill_days_after, "flag_missed": flag_missed,
            "may_skip": may_skip, "comments": allow_comments, "active": active}
    _check(data)
    first_time = plan.editor_step < LAST_STEP
    with transaction():
        plan.fill_days_after, plan.flag_missed, plan.may_skip = fill_days_after, flag_missed, may_skip
        plan.allow_comments, plan.active, plan.editor_step, plan.updated_at = allow_comments, active, LAST_STEP, now
        if first_time:
            apply(plan.enrollment, schedule.add_activity_plan, schedule.plan_from_dict(data), now=now,
                  actor=clinician_actor(user, membership))




def plan_of(enrollment: Enrollment, plan_id: int) -> ActivityPlan | None:
    """An activity plan of this moment, or None."""
    plan = db.session.get(ActivityPlan, plan_id)
    if plan is None or plan.enrollment_id != enrollment.id:
        return None
    return plan
