"""Holds: what an alert keeps from the patient until a clinician has handled its flag (engine.moment.holds).

A hold is active while its answer_alert flag is open and was not released by hand (Släpp spärren).
Programs without any alert that holds never ask the database.
"""
from __future__ import annotations

from engine.model import Program
from engine.moment.holds import NO_HOLDS, Holding, alerts_holding, holding

from ...extensions import db
from ...models import CareUnit, Enrollment, Flag


def holding_for(enrollment: Enrollment, program: Program) -> Holding:
    """The moment's active holds, in `program`'s words (the patient's language when translated).

    Reads `Enrollment.holding_flags`: the patient's pages load them with the moment (`patient_moment_loads`),
    elsewhere they are read when first asked for."""
    if not alerts_holding(program):
        return NO_HOLDS
    return holding(program, [f.cause_key for f in enrollment.holding_flags])


def patient_moment_loads() -> tuple:
    """Loader options for a moment the patient opens: its clinician, unit and region and the flags that hold, in
    one query. Not what else `rows.moment_loads` loads: the patient's pages read the modules and the step progress
    as plain rows for the state (web.services.patient.program.moment_of), and the session loaded the patient."""
    return (db.joinedload(Enrollment.clinician), db.joinedload(Enrollment.care_unit).joinedload(CareUnit.region),
            db.joinedload(Enrollment.holding_flags))


def holding_of_flags(program: Program, open_flags: list[Flag]) -> Holding:
    """The holds of already loaded open flags (Hantera), without asking the database again."""
    return holding(program, [f.cause_key for f in open_flags if f.hold_released_at is None])
