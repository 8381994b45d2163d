"""Behandlarvyn: the unit's moments as one page of rows, in a fixed number of queries."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import Conversation, Enrollment, Flag, FormResponse, Membership, Message, Patient
from ...personnummer import PersonnummerError, parse
from ..core.access import add_access_log

TABS = ("mina", "alla", "avslutade")


@dataclass(frozen=True)
class OverviewRow:
    """One line of the overview; the personnummer is already masked."""

    enrollment_id: int
    name: str
    masked_personnummer: str
    program_id: str
    started_at: datetime
    last_active: datetime | None
    open_flags: int
    unread_forms: int
    unread_messages: int

    @property
    def has_events(self) -> bool:
        return bool(self.open_flags or self.unread_forms or self.unread_messages)


@dataclass(frozen=True)
class OverviewPage:
    rows: list[OverviewRow]
    total: int
    page: int
    pages: int


def _counts(enrollment_id):
    """The three per-row counts, correlated to `enrollment_id` (a column of the page's rows)."""
    flags = (select(func.count(Flag.id))
             .where(Flag.enrollment_id == enrollment_id, Flag.handled_at.is_(None))
             .scalar_subquery())
    forms = (select(func.count(FormResponse.id))
             .where(FormResponse.enrollment_id == enrollment_id, FormResponse.status == "submitted",
                    FormResponse.opened_at.is_(None))
             .scalar_subquery())
    messages = (select(func.count(Message.id)).join(Conversation, Message.conversation_id == Conversation.id)
                .where(Conversation.enrollment_id == enrollment_id, Message.sender_kind == "patient",
                       Message.read_by_clinician_at.is_(None))
                .scalar_subquery())
    return flags, forms, messages


def _where(membership: Membership, tab: str, program_id: str | None, text: str | None) -> list:
    conditions = [Enrollment.care_unit_id == membership.care_unit_id]
    if tab == "mina":
        conditions += [Enrollment.clinician_id == membership.user_id, Enrollment.status == "active"]
    elif tab == "alla":
        conditions.append(Enrollment.status == "active")
    else:
        conditions.append(Enrollment.status.in_(("ended", "maintenance")))
    if program_id:
        conditions.append(Enrollment.program_id == program_id)
    text = (text or "").strip()
    if text:
        digits = text.replace("-", "").replace(" ", "")
        like = f"%{_escape_like(text.lower())}%"
        # one expression: text inside the first or the last name is also inside "first last"
        name_match = func.lower(Patient.first_name + " " + Patient.last_name).like(like, escape="\\")
        full = _full_number(digits)
        if full:
            conditions.append(Patient.personnummer == full)
        elif digits.isdigit():
            # the date part only: the last four digits are never guessed digit by digit
            conditions.append(or_(name_match, Patient.personnummer.like(f"{digits[:8]}%")))
        else:
            conditions.append(name_match)
    return conditions


def _escape_like(text: str) -> str:
    """`%` and `_` typed in the search box are letters, not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _full_number(digits: str) -> str | None:
    """12 digits when the search is a complete, valid personnummer (10 or 12 digits), else None."""
    if not digits.isdigit() or len(digits) not in (10, 12):
        return None
    try:
        return parse(digits)
    except PersonnummerError:
        return None


def overview_page(membership: Membership, *, tab: str = "alla", program_id: str | None = None,
                  text: str | None = None, page: int = 1, page_size: int = 25,
                  now: datetime | None = None) -> OverviewPage:
    """A page of the Mina/Alla/Avslutade tab: two queries, whatever the number of moments."""
    if tab not in TABS:
        raise ValueError(f"unknown tab {tab!r}")
    conditions = _where(membership, tab, program_id, text)
    counted = select(func.count()).select_from(Enrollment)  # count(*): the index on unit and status answers it
    if (text or "").strip():  # only a name filter needs the patients (the index on unit and status counts the rest)
        counted = counted.join(Patient, Enrollment.patient_id == Patient.id)
    total = db.session.execute(counted.where(*conditions)).scalar_one()
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    # the page's rows first, the counts for those 25 only (not for every row the offset skips)
    rows = (select(Enrollment.id, Patient.first_name, Patient.last_name, Patient.personnummer, Enrollment.program_id,
                   Enrollment.started_at, Enrollment.last_active)
            .join(Patient, Enrollment.patient_id == Patient.id).where(*conditions)
            .order_by(Patient.last_name, Patient.first_name, Enrollment.started_at.desc(), Enrollment.id)
            .limit(page_size).offset((page - 1) * page_size).subquery())
    result = db.session.execute(
        select(rows.c.id, rows.c.first_name, rows.c.last_name, rows.c.personnummer, rows.c.program_id,
               rows.c.started_at, rows.c.last_active, *_counts(rows.c.id))
        .order_by(rows.c.last_name, rows.c.first_name, rows.c.started_at.desc(), rows.c.id)
    )
    if now is not None and _full_number((text or "").replace("-", "").replace(" ", "")):
        # a search on a whole personnummer is a lookup of that person: it goes in the access log
        for patient in db.session.execute(select(Patient).join(Enrollment, Enrollment.patient_id == Patient.id)
                                          .where(*conditions).distinct()).scalars():
            add_access_log(membership, patient, "Översikt: sökning på personnummer", now)
        db.session.commit()
    rows = [
        OverviewRow(r[0], f"{r[2]}, {r[1]}", f"{r[3][:8]}-xxxx", r[4], r[5], r[6], r[7], r[8], r[9])
        for r in result
    ]
    return OverviewPage(rows, total, page, pages)
