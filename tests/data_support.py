"""A hand-built data set for the statistics, export and gallring tests (the clock stands at 2026-03-02).

Unit A (Utbildningsenhet, Region Jönköpings län) has ten moments started 2025-06-10:
- moments 0–4 ended 2025-12-15 as "genomford" (moment 0 then in vidmakthåll); 5–9 still active;
- steg-1: reached by all ten; completed by 0–4 after 7, 8, 9, 12 and 30 days (median 9); current in 5–9;
- Fagerström (ftnd) at start: score 1 for moments 0–5, score 6 for 6–9;
- 3-month follow-up answered by 0–7: 0–4 abstinent 7 days and since the stop day (continuous),
  5 abstinent 7 days but never set a stop day (not continuous), 6–7 still smoking; 8–9 never answered.
Unit B (Vårdcentralen Norr, same region) has three moments started 2026-01-05.
Unit C (Vårdcentralen Ekhagen, Region Örebro län) has two moments started 2025-06-20.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

ABSTINENT = {"tobak_7_dagar": False, "stoppdag_satt": "ja", "anvant_sedan_stopp": False, "produkter_nu": ["ingen"]}
NO_STOP_DAY = {"tobak_7_dagar": False, "stoppdag_satt": "aldrig", "produkter_nu": ["ingen"]}
SMOKING = {"tobak_7_dagar": True, "hur_ofta_nu": "dagligen", "stoppdag_satt": "ja", "anvant_sedan_stopp": True,
           "mer_an_fem_ganger": True, "produkter_nu": ["cigaretter"], "kommentar": "Det gick inte alls bra"}


def pnr(date8: str, serial: int) -> str:
    """A valid 12-digit personnummer: date YYYYMMDD, serial 0–999, Luhn check digit."""
    from stdnum import luhn

    body = f"{date8}{serial:03d}"
    return body + luhn.calc_check_digit(body[2:])


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=UTC)


def add_moment(db, unit, clinician, pnr: str, started: datetime, *, first="Test", last="Person",
               ended: datetime | None = None, reason: str | None = None, maintained: bool = False):
    from web.models import Enrollment, EnrollmentModule, Patient
    from web.content.programs import get_program

    patient = db.session.execute(db.select(Patient).where(Patient.personnummer == pnr)).scalar_one_or_none()
    if patient is None:
        patient = Patient(personnummer=pnr, first_name=first, last_name=last, created_at=started)
        db.session.add(patient)
    e = Enrollment(patient=patient, program_id="tobakshjalpen", program_version=get_program("tobakshjalpen").version,
                   program_digest="x" * 64,
                   care_unit_id=unit.id, clinician_id=clinician.id, started_at=started, ended_at=ended,
                   end_reason=reason, status="maintenance" if maintained else ("ended" if ended else "active"),
                   maintain_until=date(2026, 12, 31) if maintained else None, linked=[], batteries=[])
    db.session.add(e)
    db.session.flush()
    return e


def add_module(db, e, module_id: str, position: int, *, activated: datetime | None, completed_days: int | None,
               current: bool = False):
    from web.models import EnrollmentModule

    db.session.add(EnrollmentModule(
        enrollment_id=e.id, module_id=module_id, position=position,
        state="completed" if completed_days is not None else ("current" if current else "upcoming"),
        status="read_only" if completed_days is not None else "read_write", days=7, activated_at=activated,
        completed_at=activated + timedelta(days=completed_days, hours=1) if completed_days is not None else None))


def add_answer(db, e, form_id: str, answers: dict, submitted: datetime, score: float | None = None,
               band: str | None = None, module_id: str = "steg-1", step_id: str = "x"):
    from web.models import FormResponse

    db.session.add(FormResponse(enrollment_id=e.id, form_id=form_id, module_id=module_id, step_id=step_id,
                                status="submitted", answers=answers, questions={}, form_title=form_id,
                                score=score, band=band, created_at=submitted, updated_at=submitted,
                                submitted_at=submitted))


def build(db, make_unit, make_staff):
    """Build the data set; returns dict(units=(a, b, c), clinicians=(…), moments_a=[…])."""
    a = make_unit()
    b = make_unit("Vårdcentralen Norr")
    c = make_unit("Vårdcentralen Ekhagen", "Region Örebro län")
    ca = make_staff("marita.andersson", name="Marita Andersson", unit=a)
    cb = make_staff("bo.b", unit=b)
    cc = make_staff("cecilia.c", unit=c)
    days = [7, 8, 9, 12, 30]
    moments = []
    for i in range(10):
        ended = at(2025, 12, 15) if i < 5 else None
        e = add_moment(db, a, ca, pnr("19700101", i), at(2025, 6, 10), first=f"Förnamn{i}", last=f"Efternamn{i}",
                       ended=ended, reason="genomford" if ended else None, maintained=(i == 0))
        add_module(db, e, "steg-1", 2, activated=at(2025, 6, 10), completed_days=days[i] if i < 5 else None,
                   current=i >= 5)
        add_answer(db, e, "ftnd", {"svart_avsta": False}, at(2025, 6, 11), score=1 if i <= 5 else 6)
        if i < 8:
            answers = ABSTINENT if i < 5 else NO_STOP_DAY if i == 5 else SMOKING
            add_answer(db, e, "uppfoljning-3m", answers, at(2025, 9, 15), module_id="steg-5", step_id="uppfoljning")
        moments.append(e)
    for i in range(3):
        add_moment(db, b, cb, pnr("19800101", i), at(2026, 1, 5))
    for i in range(2):
        add_moment(db, c, cc, pnr("19900101", i), at(2025, 6, 20))
    db.session.commit()
    return {"units": (a, b, c), "clinicians": (ca, cb, cc), "moments_a": moments}
