"""Who may see which moment, and the access log every read of a patient record writes."""
from __future__ import annotations

from datetime import datetime

from ...extensions import db
from ...models import AccessLog, Enrollment, Membership, Patient
from ..errors import AccessDenied
from .rows import moment_loads
from .state_memo import commit_keeping_loaded


def moment_for_staff(enrollment_id: int, membership: Membership) -> Enrollment:
    """The moment if it belongs to the unit the staff member works in; AccessDenied otherwise."""
    enrollment = db.session.execute(
        db.select(Enrollment).options(*moment_loads()).where(
            Enrollment.id == enrollment_id, Enrollment.care_unit_id == membership.care_unit_id
        )
    ).unique().scalar_one_or_none()
    if enrollment is None:
        raise AccessDenied("Momentet finns inte eller hör till en annan vårdenhet.")
    return enrollment


def log_access(membership: Membership, patient: Patient, what: str, now: datetime,
               enrollment: Enrollment | None = None) -> AccessLog:
    """Write (and commit) one access-log row: who, in which unit, which patient, what, when."""
    row = add_access_log(membership, patient, what, now, enrollment)
    commit_keeping_loaded()  # only this row was written: the page goes on with what it has loaded
    return row


def add_access_log(membership: Membership, patient: Patient, what: str, now: datetime,
                   enrollment: Enrollment | None = None) -> AccessLog:
    """Add one access-log row to the caller's transaction (an action logged together with its change)."""
    row = AccessLog(user_id=membership.user_id, care_unit_id=membership.care_unit_id, patient_id=patient.id,
                    enrollment_id=enrollment.id if enrollment else None, what=what[:255], at=now)
    db.session.add(row)
    return row


def view_moment(enrollment_id: int, membership: Membership, what: str, now: datetime) -> Enrollment:
    """Fetch a moment for a staff page and log the read."""
    enrollment = moment_for_staff(enrollment_id, membership)
    log_access(membership, enrollment.patient, what, now, enrollment)
    return enrollment


def access_log_for(patient: Patient, limit: int = 500) -> list[AccessLog]:
    """The newest access-log rows about a patient (Administration)."""
    return list(db.session.execute(
        db.select(AccessLog).where(AccessLog.patient_id == patient.id)
        .order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(limit)
    ).scalars())


def known_only_elsewhere(patient: Patient, membership: Membership) -> bool:
    """True when the patient has moments in other units and none in the member's unit: then a lookup
    shows nothing about them (no name, no contact details)."""
    units = set(db.session.execute(
        db.select(Enrollment.care_unit_id).where(Enrollment.patient_id == patient.id)).scalars())
    return bool(units) and membership.care_unit_id not in units


def patient_in_unit(personnummer: str, membership: Membership) -> Patient | None:
    """The patient with this personnummer if they have (or had) a moment in the member's unit."""
    return db.session.execute(
        db.select(Patient).join(Enrollment, Enrollment.patient_id == Patient.id).where(
            Patient.personnummer == personnummer, Enrollment.care_unit_id == membership.care_unit_id
        ).limit(1)
    ).scalar_one_or_none()
