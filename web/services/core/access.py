"""Who may see which moment, and the access log every read of a patient record writes."""
from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import insert

from ...extensions import db
from ...models import AccessLog, Enrollment, Membership, Patient
from ..errors import AccessDenied
from .rows import moment_header_loads, moment_loads
from .state_memo import commit_keeping_loaded


@cache
def _moment_for_staff_statement(state: bool) -> Any:
    """The statement of `moment_for_staff`, built once (building and keying it with its eager loads costs
    more CPU than the query; as web.services.patient.program.moment_of)."""
    return db.select(Enrollment).options(*(moment_loads() if state else moment_header_loads())).where(
        Enrollment.id == db.bindparam("enrollment_id"), Enrollment.care_unit_id == db.bindparam("unit_id"))


def moment_for_staff(enrollment_id: int, membership: Membership, *, state: bool = True) -> Enrollment:
    """The moment if it belongs to the unit the staff member works in; AccessDenied otherwise.

    `state`: with its modules and step progress (a page that builds the moment's state); without, the moment,
    its patient, clinician and unit only (Meddelanden, Tidslinje, Händelser: loading the modules and steps
    was a third of their CPU; Hantera reads them as plain rows, web.services.core.moment_rows)."""
    enrollment = db.session.execute(_moment_for_staff_statement(state), {
        "enrollment_id": enrollment_id, "unit_id": membership.care_unit_id}).unique().scalar_one_or_none()
    if enrollment is None:
        raise AccessDenied("Momentet finns inte eller hör till en annan vårdenhet.")
    return enrollment


def log_access(membership: Membership, patient: Patient, what: str, now: datetime,
               enrollment: Enrollment | None = None) -> None:
    """Write (and commit) one access-log row: who, in which unit, which patient, what, when."""
    _write_access_log(membership, patient.id, what, now, enrollment.id if enrollment else None)


def _write_access_log(membership: Membership, patient_id: int, what: str, now: datetime,
                      enrollment_id: int | None) -> None:
    """One INSERT built once, not an AccessLog object through the unit of work's flush (every staff page about
    a moment writes one), committed keeping what the page has loaded (only this row was written)."""
    db.session.execute(_insert_access_log(), {**_access_columns(membership, patient_id, what, now, enrollment_id),
                                              "hits": None})
    commit_keeping_loaded()


def add_access_log(membership: Membership, patient: Patient, what: str, now: datetime,
                   enrollment: Enrollment | None = None) -> AccessLog:
    """Add one access-log row to the caller's transaction (an action logged together with its change)."""
    row = AccessLog(**_access_columns(membership, patient.id, what, now, enrollment.id if enrollment else None))
    db.session.add(row)
    return row


def _access_columns(membership: Membership, patient_id: int, what: str, now: datetime,
                    enrollment_id: int | None) -> dict[str, Any]:
    """An access-log row's columns: who, in which unit, which patient (and moment), what, when."""
    return {"user_id": membership.user_id, "care_unit_id": membership.care_unit_id, "patient_id": patient_id,
            "enrollment_id": enrollment_id, "what": what[:255], "at": now}


@cache
def _insert_access_log() -> Any:
    """INSERT of one access-log row from its columns as parameters, built once (every record view writes one)."""
    return AccessLog.__table__.insert()


#: a run of digits that may be a personnummer or a birth date (separators allowed)
_DIGITS = re.compile(r"\d[\d\s-]{4,}\d")


def mask_search(text: str) -> str:
    """A search text for the log: in every run of six or more digits only the first four (the year) kept."""
    def mask(match: re.Match) -> str:
        seen = 0
        out = []
        for char in match.group(0):
            if char.isdigit():
                seen += 1
                out.append(char if seen <= 4 else "x")
            else:
                out.append(char)
        return "".join(out)

    return _DIGITS.sub(mask, text.strip())[:80]


def add_bulk_read(user_id: int, unit_id: int | None, what: str, hits: int, now: datetime,
                  patient_ids: list[int] | tuple[int, ...] = ()) -> None:
    """A read of many records (a search, an identified export): one row with the number of patients it
    returned, and one row per patient whose data was shown (so their own access log has it); caller commits."""
    row = {"user_id": user_id, "care_unit_id": unit_id, "what": what[:255], "at": now}
    rows = [{**row, "patient_id": None, "hits": hits}]
    rows += [{**row, "patient_id": patient_id, "hits": None} for patient_id in dict.fromkeys(patient_ids)]
    db.session.execute(insert(AccessLog), rows)  # one statement for the page, whatever its size


def log_lookup(membership: Membership, patient: Patient | None, what: str, searched: str, now: datetime) -> None:
    """A lookup by personnummer (Administration, Gallring): logged whether or not it found someone, since
    "no moments here" is itself an answer about the person; the searched number masked (commits)."""
    add_bulk_read(membership.user_id, membership.care_unit_id, f"{what}: sökning på {mask_search(searched)}",
                  1 if patient is not None else 0, now, [patient.id] if patient is not None else [])
    commit_keeping_loaded()


def bulk_reads_for_unit(unit_id: int, limit: int = 100) -> list[AccessLog]:
    """The newest searches and identified exports made in a unit (Administration)."""
    return list(db.session.execute(
        db.select(AccessLog).where(AccessLog.care_unit_id == unit_id, AccessLog.hits.is_not(None))
        .order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(limit)
    ).scalars())


def view_moment(enrollment_id: int, membership: Membership, what: str, now: datetime, *,
                state: bool = True) -> Enrollment:
    """Fetch a moment for a staff page and log the read (`state`: as moment_for_staff)."""
    enrollment = moment_for_staff(enrollment_id, membership, state=state)
    _write_access_log(membership, enrollment.patient_id, what, now, enrollment.id)
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
