"""Holds: what an alert keeps from the patient until a clinician has handled its flag (engine.moment.holds).

A hold is active while its answer_alert flag is open and was not released by hand (Släpp spärren).
Programs without any alert that holds never ask the database.
"""
from __future__ import annotations

from engine.model import Program
from engine.moment.holds import NO_HOLDS, Holding, alerts_holding, holding
from engine.moment.mandatory_flags import ANSWER_ALERT

from ...extensions import db
from ...models import Enrollment, Flag


def holding_for(enrollment: Enrollment, program: Program) -> Holding:
    """The moment's active holds, in `program`'s words (the patient's language when translated)."""
    if not alerts_holding(program):
        return NO_HOLDS
    causes = db.session.execute(db.select(Flag.cause_key).where(
        Flag.enrollment_id == enrollment.id, Flag.type == ANSWER_ALERT, Flag.handled_at.is_(None),
        Flag.hold_released_at.is_(None)).order_by(Flag.raised_at, Flag.id)).scalars()
    return holding(program, causes)


def holding_of_flags(program: Program, open_flags: list[Flag]) -> Holding:
    """The holds of already loaded open flags (Hantera), without asking the database again."""
    return holding(program, [f.cause_key for f in open_flags if f.hold_released_at is None])
