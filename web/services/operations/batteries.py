"""Mätbatterier that start themselves (`auto_start` in the YAML): found and started by the tick.

The engine decides which batteries are due (`engine.moment.batteries.due_batteries`, timed from the
start or from an answered date such as the stop day); this module only finds the moments worth asking
and applies `start_battery` as the system, so its event and the clinician's "Nytt mätbatteri startat"
flag are written in the same transaction as every other action.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from engine.moment.batteries import due_batteries, start_battery
from engine.moment.state import SYSTEM

from ...extensions import db
from ...models import Enrollment
from ...programs import all_programs
from ..core.rows import build_state, program_for
from ..core.unit import apply


def auto_battery_candidates(now: datetime) -> list[int]:
    """Active moments of programs with self-starting batteries that have not started them all yet.

    A prefilter: the engine decides. A moment needs at least the smallest delay of any auto-started
    battery (an answered date lies on or after the start), so younger moments are never read.
    """
    ids = []
    for program_id, program in all_programs().items():
        autos = {b.id: b.auto_start for b in program.batteries if b.auto_start is not None}
        if not autos:
            continue
        delays = [a.days_after_start if a.days_after_start is not None else (a.days_after_anchor or 0)
                  for a in autos.values()]
        rows = db.session.execute(
            db.select(Enrollment.id, Enrollment.batteries).where(
                Enrollment.program_id == program_id, Enrollment.ended_at.is_(None),
                Enrollment.started_at <= now - timedelta(days=min(delays)))
        ).all()
        ids += [row.id for row in rows if not set(autos) <= set(row.batteries or ())]
    return ids


def start_due_batteries(enrollment: Enrollment, now: datetime) -> int:
    """Start every battery of the moment that is due by now (caller's transaction); how many started."""
    program = program_for(enrollment)
    due = due_batteries(program, build_state(enrollment), now)
    for item in due:
        apply(enrollment, start_battery, item.battery.id, now=max(item.at, enrollment.started_at), actor=SYSTEM)
    return len(due)
