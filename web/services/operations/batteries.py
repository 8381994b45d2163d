"""Mätbatterier that start themselves (`auto_start` in the YAML): found and started by the tick.

The engine decides which batteries are due (`engine.moment.batteries.due_batteries`, timed from the
start or from an answered date such as the stop day); this module only finds the moments worth asking
and applies `start_battery` as the system, so its event and the clinician's "Nytt mätbatteri startat"
flag are written in the same transaction as every other action.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_

from engine.moment.batteries import due_batteries, start_battery
from engine.moment.state import SYSTEM

from ...extensions import db
from ...models import Enrollment
from ...content.programs import all_programs
from ..core.rows import battery_schedule, build_state, program_for
from ..core.unit import apply


def auto_battery_candidates(now: datetime) -> list[int]:
    """Active moments of programs with self-starting batteries whose next one is due, or not worked out yet.

    `Enrollment.next_battery_at` is kept by every action (web.services.core.unit.apply) and by the tick,
    so a steady tick reads only the moments whose time has come (an index lookup), not every moment.
    """
    programs = [pid for pid, p in all_programs().items() if any(b.auto_start for b in p.batteries)]
    if not programs:
        return []
    return list(db.session.execute(
        db.select(Enrollment.id).where(
            Enrollment.program_id.in_(programs), Enrollment.ended_at.is_(None),
            or_(Enrollment.next_battery_at.is_(None), Enrollment.next_battery_at <= now))
    ).scalars())


def start_due_batteries(enrollment: Enrollment, now: datetime) -> int:
    """Start every battery of the moment that is due by now (caller's transaction); how many started."""
    program = program_for(enrollment)
    state = build_state(enrollment)
    due = due_batteries(program, state, now)
    for item in due:
        state = apply(enrollment, start_battery, item.battery.id, now=max(item.at, enrollment.started_at),
                      actor=SYSTEM).state
    enrollment.next_battery_at = battery_schedule(program, state)  # also when nothing started (NULL before)
    return len(due)
