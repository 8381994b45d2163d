"""The administrative tabs' reads: a member of the unit, a patient's moments in it, the anonymous export."""
from __future__ import annotations

from datetime import datetime

from engine.moment import lifecycle

from ... import clock
from ...extensions import db
from ...models import ROLES, Enrollment, Membership, Patient
from ..core.rows import build_state

__all__ = ["EXPORT_COLUMNS", "ROLES", "export_rows", "member_of_unit", "moments_in_unit"]

EXPORT_COLUMNS = ("moment", "program", "version", "status", "startdatum", "slutdatum", "avslutningsorsak",
                  "moduler_avklarade", "moduler_totalt", "dagar_i_momentet")


def member_of_unit(membership_id: int, unit_id: int) -> Membership | None:
    """A membership of the given unit (Användargrupper), or None for anyone else's."""
    member = db.session.get(Membership, membership_id)
    if member is None or member.care_unit_id != unit_id:
        return None
    return member


def moments_in_unit(patient: Patient, unit_id: int) -> list[Enrollment]:
    """The patient's moments in the unit, newest first (Administration)."""
    return list(db.session.execute(
        db.select(Enrollment).where(Enrollment.patient_id == patient.id, Enrollment.care_unit_id == unit_id)
        .order_by(Enrollment.started_at.desc())).scalars())


def export_rows(unit_id: int, now: datetime) -> list[list]:
    """One row per moment of the unit in EXPORT_COLUMNS order: no names, no personnummer."""
    out = []
    rows = db.session.execute(
        db.select(Enrollment).where(Enrollment.care_unit_id == unit_id).order_by(Enrollment.id)).scalars()
    for e in rows:
        state = build_state(e)
        done, total = lifecycle.modules_completed(state)
        out.append([e.id, e.program_id, e.program_version, lifecycle.moment_status(state, now),
                    clock.format_date(e.started_at), clock.format_date(e.ended_at), e.end_reason or "",
                    done, total, lifecycle.days_in_moment(state, now)])
    return out
