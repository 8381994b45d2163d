"""Urgent flags left unhandled: the unit's Behörighetsadmin is told (a neutral notice), once per flag.

An urgent flag (an alert with `urgent: true`) reaches the responsible clinician at once
(web.services.core.unit.raise_due). If nobody has handled it after the unit's time — working days
from when it was raised (Inställningar, else URGENT_ESCALATION_WORKING_DAYS, default 1) — the tick
queues a neutral notice to every Behörighetsadmin of the moment's unit, marks the flag escalated and
writes the timeline event. Run by the tick (web.services.operations.tick) in its transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from engine.localtime import add_working_days, fmt
from engine.moment.rules import make_event
from engine.moment.state import SYSTEM

from ...extensions import db
from ...models import Enrollment, Flag, Membership, User
from ..core.notices import notify_admins_unhandled
from ..core.rows import record_events
from ..core.unit_settings import unit_settings

#: the shortest escalation time (one working day is at least a calendar day, 23 hours across DST)
_SHORTEST = timedelta(hours=23)


def escalation_days(unit_id: int, cache: dict[int, int]) -> int:
    """The unit's working days before an unhandled urgent flag is escalated."""
    if unit_id not in cache:
        days = unit_settings(unit_id).urgent_escalation_days
        cache[unit_id] = days if days else int(current_app.config.get("URGENT_ESCALATION_WORKING_DAYS") or 1)
    return cache[unit_id]


def escalate_unhandled_urgent(now: datetime) -> int:
    """Tell Behörighetsadmin about urgent flags unhandled past their unit's time; how many flags."""
    flags = db.session.execute(
        db.select(Flag, Enrollment).join(Enrollment, Flag.enrollment_id == Enrollment.id)
        .where(Flag.urgent.is_(True), Flag.handled_at.is_(None), Flag.escalated_at.is_(None),
               Flag.raised_at <= now - _SHORTEST)
        .order_by(Flag.raised_at, Flag.id)).all()
    days: dict[int, int] = {}
    escalated = 0
    for flag, enrollment in flags:
        if add_working_days(flag.raised_at, escalation_days(enrollment.care_unit_id, days)) > now:
            continue
        admins = [m.user for m in db.session.execute(
            db.select(Membership).join(User, Membership.user_id == User.id)
            .where(Membership.care_unit_id == enrollment.care_unit_id, User.active.is_(True))).scalars()
            if "behorighetsadmin" in m.role_set]
        notify_admins_unhandled(admins, enrollment, flag, now)
        flag.escalated_at = now
        record_events(enrollment, [make_event(
            "urgent_escalated", now, SYSTEM,
            f"Brådskande flagga ohanterad sedan {fmt(flag.raised_at)}: Behörighetsadmin aviserades",
            cause=flag.cause_key)])
        escalated += 1
    return escalated
