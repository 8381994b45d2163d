"""Behandlarvyn: the unit's moments as one page of rows, in a fixed number of queries."""
from __future__ import annotations

import math
from functools import cache
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from sqlalchemy import and_, distinct, exists, func, or_, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import Conversation, Enrollment, Flag, FormResponse, Membership, Message, Patient
from ...personnummer import PersonnummerError, parse
from ..core.access import add_bulk_read, mask_search
from ..core.reads import read
from ..core.state_memo import commit_keeping_loaded

TABS = ("mina", "alla", "avslutade")
#: the overview's orders: by name (the manual's) or by the oldest unhandled event first
SORTS = ("namn", "aldsta")
#: a name filter with at most this many matching moments is sorted, not found by walking the name index
SORT_MATCHES_UP_TO = 5000


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
    #: open urgent flags (Brådskande), counted among open_flags too
    urgent_flags: int = 0

    @property
    def has_events(self) -> bool:
        return bool(self.open_flags or self.unread_forms or self.unread_messages)


@dataclass(frozen=True)
class OverviewPage:
    rows: list
    total: int
    page: int
    pages: int
    #: whether Föregående / Nästa lead anywhere (their links carry the first / last row's key)
    has_previous: bool = False
    has_next: bool = False
    #: the tab's moments with open urgent flags, shown first whatever the page (most urgent flags first)
    urgent: list[OverviewRow] = field(default_factory=list)
    #: the row attribute the keyset links carry (the moment id here; Att göra's pages carry the flag id)
    key: ClassVar[str] = "enrollment_id"

    @property
    def first_id(self) -> int | None:
        return getattr(self.rows[0], self.key) if self.rows else None

    @property
    def last_id(self) -> int | None:
        return getattr(self.rows[-1], self.key) if self.rows else None


def page_links(*, anchored: bool, forward: bool, more: bool, page: int, pages: int) -> tuple[int, bool, bool]:
    """(page number shown, has Föregående, has Nästa) of a keyset page; `more`: a row beyond the page was read.

    Reached by a Nästa link the page is at least 2; by Föregående with nothing before it, page 1."""
    if not anchored:
        return page, page > 1, more
    if forward:
        return min(max(2, page), pages), True, more
    return (1 if not more else max(1, min(page, pages - 1))), more, True


#: at most this many moments are listed under Brådskande on the overview
URGENT_LISTED = 25


def _urgent_open(enrollment_id):
    """Open urgent flags of a moment, correlated to `enrollment_id`."""
    return (select(func.count(Flag.id))
            .where(Flag.enrollment_id == enrollment_id, Flag.handled_at.is_(None), Flag.urgent.is_(True))
            .scalar_subquery())


def _counts(enrollment_id):
    """The per-row counts (flags, forms, messages, urgent flags), correlated to `enrollment_id`."""
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
    return flags, forms, messages, _urgent_open(enrollment_id)


def _has_open_flag():
    """The moment has an unhandled event (an open flag)."""
    return exists(select(Flag.id).where(Flag.enrollment_id == Enrollment.id, Flag.handled_at.is_(None)))


def _where(tab: str, by_program: bool, text_kind: str | None, unhandled: bool = False) -> list:
    """The tab's conditions; the unit, the clinician, the program and the searched text are the bind parameters
    `_params` fills, so each shape of statement is built once (the cached `_…_statement` functions)."""
    conditions = [Enrollment.care_unit_id == db.bindparam("unit")]
    if unhandled:
        conditions.append(_has_open_flag())
    if tab == "mina":
        conditions += [Enrollment.clinician_id == db.bindparam("clinician"), Enrollment.status == "active"]
    elif tab == "alla":
        conditions.append(Enrollment.status == "active")
    else:
        conditions.append(Enrollment.status.in_(("ended", "maintenance")))
    if by_program:
        conditions.append(Enrollment.program_id == db.bindparam("program"))
    if text_kind:
        # one expression: text inside the first or the last name is also inside "first last"
        name_match = func.lower(Patient.first_name + " " + Patient.last_name).like(db.bindparam("like"), escape="\\")
        if text_kind == "pnr":
            conditions.append(Patient.personnummer == db.bindparam("pnr"))
        elif text_kind == "digits":
            # the date part only: the last four digits are never guessed digit by digit
            conditions.append(or_(name_match, Patient.personnummer.like(db.bindparam("pnr_prefix"))))
        else:
            conditions.append(name_match)
    return conditions


def _search(text: str | None) -> tuple[str | None, dict]:
    """What a searched text is matched as ("pnr": a whole valid personnummer; "digits": a name, or the date part
    of a personnummer; "name"; None without a text) and the values of its bind parameters."""
    text = (text or "").strip()
    if not text:
        return None, {}
    digits = text.replace("-", "").replace(" ", "")
    full = _full_number(digits)
    kind = "pnr" if full else "digits" if digits.isdigit() else "name"
    return kind, {"like": f"%{_escape_like(text.lower())}%", "pnr": full, "pnr_prefix": f"{digits[:8]}%"}


def _params(membership: Membership, program_id: str | None, searched: dict | None = None, **more) -> dict:
    """The values of `_where`'s bind parameters (`searched`: the text's, from `_search`) and `more`."""
    return {"unit": membership.care_unit_id, "clinician": membership.user_id, "program": program_id,
            **(searched or {}), **more}


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


def _sort_key():
    """The overview's order: name, newest moment first, then id (unique: a total order)."""
    return Patient.last_name, Patient.first_name, Enrollment.started_at, Enrollment.id


def _backward(name_key) -> list:
    """The overview's order the other way round (from the last row), `name_key` standing for the last name."""
    _, first, started, ident = _sort_key()
    return [name_key.desc(), first.desc(), started, ident.desc()]


def _beyond(anchor, forward: bool):
    """Rows after (`forward`) or before the anchor row in the overview's order (keyset pagination).

    The order is last name, first name ascending, start descending, id ascending, so the start
    compares the other way; the extra bound on the last name lets the name index start at the anchor."""
    last, first, started, ident = _sort_key()
    a_last, a_first, a_started, a_id = anchor
    if forward:
        after = or_(last > a_last, and_(last == a_last, or_(first > a_first, and_(first == a_first, or_(
            started < a_started, and_(started == a_started, ident > a_id))))))
        return and_(last >= a_last, after)
    before = or_(last < a_last, and_(last == a_last, or_(first < a_first, and_(first == a_first, or_(
        started > a_started, and_(started == a_started, ident < a_id))))))
    return and_(last <= a_last, before)


#: the anchor row's sort key as bind parameters (`_beyond` compares with them)
ANCHOR = (db.bindparam("a_last"), db.bindparam("a_first"), db.bindparam("a_started"), db.bindparam("a_id"))


def _anchor(membership: Membership, enrollment_id: int | None):
    """The sort key of a moment of the member's unit (None when there is no such moment)."""
    if enrollment_id is None:
        return None
    return read(_anchor_statement(), {"anchor": enrollment_id, "unit": membership.care_unit_id}).one_or_none()


@cache
def _anchor_statement():
    return (select(*_sort_key()).join(Patient, Enrollment.patient_id == Patient.id)
            .where(Enrollment.id == db.bindparam("anchor"), Enrollment.care_unit_id == db.bindparam("unit")))


# The statements are built once per shape (cached): building them took some 3 000 of the overview's 10 000 Python
# calls per request. The values are bind parameters (`_params`).

@cache
def _count_statement(tab: str, by_program: bool, text_kind: str | None, unhandled: bool):
    """The tab's total and how many of its moments have open urgent flags, in one statement."""
    counted = select(func.count()).select_from(Enrollment)  # count(*): the index on unit and status answers it
    if text_kind:  # only a name filter needs the patients (the index on unit and status counts the rest)
        counted = counted.join(Patient, Enrollment.patient_id == Patient.id)
    # with the total, how many of the tab's moments have open urgent flags (listed first only when some do)
    # (counted from the open urgent flags, which are few: their partial index, not a probe per moment)
    urgent_moments = (select(func.count(distinct(Flag.enrollment_id))).select_from(Flag)
                      .join(Enrollment, Flag.enrollment_id == Enrollment.id)
                      .where(Flag.handled_at.is_(None), Flag.urgent.is_(True), *_where(tab, by_program, None))
                      .correlate(None).scalar_subquery())
    return counted.add_columns(urgent_moments).where(*_where(tab, by_program, text_kind, unhandled))


@cache
def _page_statement(tab: str, by_program: bool, text_kind: str | None, unhandled: bool, way: str,
                    sorted_by_expression: bool):
    """A page of rows and their counts; `way`: "start" (OFFSET from the first row), "end" (OFFSET from the
    last row, read backwards), "after" / "before" (the anchor row's key). LIMIT and OFFSET are bind parameters."""
    last, first, started, ident = _sort_key()
    order = [last, first, started.desc(), ident]
    if sorted_by_expression:
        # Few matches: sort them (found through the trigram index, migration 0012n). Ordered by the name
        # column itself, PostgreSQL would instead walk the name index from "A", testing every patient
        # until the page is full — 180 ms for "Öberg" at 100 000 patients (docs/performance.md). The
        # expression sorts exactly like the column; it only hides the index from the planner.
        order[0] = last + ""
    # the page's rows (and one more, to know whether the list goes on) first, then the counts for
    # those rows only (not for every row an offset skips)
    window = (select(Enrollment.id, Patient.first_name, Patient.last_name, Patient.personnummer,
                     Enrollment.program_id, Enrollment.started_at, Enrollment.last_active, Enrollment.patient_id)
              .join(Patient, Enrollment.patient_id == Patient.id).where(*_where(tab, by_program, text_kind, unhandled))
              .limit(db.bindparam("limit")))
    if way == "end":
        # a page in the back half is read from the end (the name index walked backwards): page 1 400 of
        # 1 415 then skips 350 rows instead of sorting all 35 000 to skip 35 000
        window = window.order_by(*_backward(order[0])).offset(db.bindparam("offset"))
    elif way == "start":
        window = window.order_by(*order).offset(db.bindparam("offset"))
    elif way == "after":
        window = window.where(_beyond(ANCHOR, True)).order_by(*order)
    else:
        window = window.where(_beyond(ANCHOR, False)).order_by(*_backward(order[0]))
    picked = window.subquery()
    return (select(picked.c.id, picked.c.first_name, picked.c.last_name, picked.c.personnummer, picked.c.program_id,
                   picked.c.started_at, picked.c.last_active, *_counts(picked.c.id), picked.c.patient_id)
            .order_by(picked.c.last_name, picked.c.first_name, picked.c.started_at.desc(), picked.c.id))


def overview_page(membership: Membership, *, tab: str = "alla", program_id: str | None = None,
                  text: str | None = None, page: int = 1, page_size: int = 25,
                  after: int | None = None, before: int | None = None,
                  now: datetime | None = None, unhandled: bool = False, sort: str = "namn") -> OverviewPage:
    """A page of the Mina/Alla/Avslutade tab in a fixed number of queries, whatever the number of moments.

    `after` / `before` name the moment on the row next to the page (the previous page's last row,
    the next page's first): then the page starts right there in the name index (keyset pagination),
    so page 1 000 costs what page 1 does; `page` is then the number shown. Without them, `page` is
    reached by counting rows (OFFSET): what a typed or bookmarked page number needs.

    `unhandled` keeps the moments with an unhandled event; `sort="aldsta"` lists those moments only,
    the one whose oldest unhandled event waited longest first (pages by OFFSET)."""
    if tab not in TABS:
        raise ValueError(f"unknown tab {tab!r}")
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    if sort == "aldsta":
        return _oldest_first_page(membership, tab, program_id, text, page, page_size, now=now)
    kind, searched = _search(text)
    shape = (tab, bool(program_id), kind, unhandled)
    total, urgent_total = read(_count_statement(*shape), _params(membership, program_id, searched)).one()
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    anchor = _anchor(membership, after if after is not None else before)
    forward = anchor is None or after is not None
    start = (page - 1) * page_size
    values = _params(membership, program_id, searched, limit=page_size + 1)
    if anchor is None and 2 * start > total:
        end = min(total, start + page_size + 1)  # the rows the forward OFFSET would read, the extra one too
        way, values["offset"], values["limit"] = "end", total - end, end - start
    elif anchor is None:
        way, values["offset"] = "start", start
    else:
        way = "after" if forward else "before"
        values.update(zip(("a_last", "a_first", "a_started", "a_id"), anchor))
    by_expression = kind is not None and total <= SORT_MATCHES_UP_TO
    result = read(_page_statement(*shape, way, by_expression), values).all()
    more = len(result) > page_size
    if more:  # the extra row is beyond the page: last in the forward direction, first going back
        result = result[:page_size] if forward else result[1:]
    page, has_previous, has_next = page_links(anchored=anchor is not None, forward=forward, more=more,
                                              page=page, pages=pages)
    _log_search(membership, tab, text, total, now, result)
    rows = [_row(r) for r in result]
    urgent = _urgent_rows(membership, tab, program_id) if urgent_total else []
    return OverviewPage(rows, total, page, pages, has_previous, has_next, urgent)


def _log_search(membership: Membership, tab: str, text: str | None, total: int, now: datetime | None,
                result) -> None:
    """A search is a read of the patients it shows: a row with the (masked) text and the number of hits,
    and one row per patient on the page for their own access log (the rows' last column: the patient id)."""
    if now is None or not (text or "").strip() or not total:
        return
    add_bulk_read(membership.user_id, membership.care_unit_id,
                  f"Översikt ({tab.capitalize()}): sökning på \"{mask_search(text or '')}\", "
                  f"{total} {'träff' if total == 1 else 'träffar'}",
                  total, now, [r.patient_id for r in result])
    commit_keeping_loaded()  # only the access-log rows were written: the page goes on with what it loaded


def _row(r) -> OverviewRow:
    return OverviewRow(r[0], f"{r[2]}, {r[1]}", f"{r[3][:8]}-xxxx", r[4], r[5], r[6], r[7], r[8], r[9], r[10])


def _urgent_rows(membership: Membership, tab: str, program_id: str | None) -> list[OverviewRow]:
    """The tab's moments with open urgent flags, the most urgent flags first, then the oldest such flag."""
    found = read(_urgent_statement(tab, bool(program_id)), _params(membership, program_id)).all()
    return [_row(r) for r in found]


@cache
def _urgent_statement(tab: str, by_program: bool):
    urgent = _urgent_open(Enrollment.id).label("urgent")
    oldest = (select(func.min(Flag.raised_at)).where(Flag.enrollment_id == Enrollment.id,
                                                      Flag.handled_at.is_(None), Flag.urgent.is_(True))
              .scalar_subquery())
    return (select(Enrollment.id, Patient.first_name, Patient.last_name, Patient.personnummer,
                   Enrollment.program_id, Enrollment.started_at, Enrollment.last_active,
                   *_counts(Enrollment.id)[:3], urgent)
            .join(Patient, Enrollment.patient_id == Patient.id)
            .where(*_where(tab, by_program, None), urgent > 0)
            .order_by(urgent.desc(), oldest, Enrollment.id).limit(URGENT_LISTED))


def _first_open_flag():
    """A moment's oldest open flag (the earliest raised, the lowest id among equals): the flag with no older one."""
    older = aliased(Flag, name="older_flag")
    return ~exists(select(older.id).where(
        older.enrollment_id == Flag.enrollment_id, older.handled_at.is_(None),
        or_(older.raised_at < Flag.raised_at, and_(older.raised_at == Flag.raised_at, older.id < Flag.id))))


#: built once: the alias and the expression cost some 2 000 Python calls to make, per request otherwise
FIRST_OPEN_FLAG = _first_open_flag()


def _oldest_first_page(membership: Membership, tab: str, program_id: str | None, text: str | None, page: int,
                       page_size: int, *, now: datetime | None) -> OverviewPage:
    """Moments with an unhandled event, the oldest such event first.

    Each moment is its oldest open flag, so a page walks the open flags in the order of their index
    (ix_flag_open_raised) and stops when it is full, instead of grouping every open flag of the unit."""
    kind, searched = _search(text)
    shape = (tab, bool(program_id), kind)
    total = read(_oldest_count_statement(*shape), _params(membership, program_id, searched)).scalar_one()
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    result = read(_oldest_page_statement(*shape), _params(
        membership, program_id, searched, limit=page_size, offset=(page - 1) * page_size)).all()
    _log_search(membership, tab, text, total, now, result)
    return OverviewPage([_row(r) for r in result], total, page, pages, page > 1, page < pages)


@cache
def _oldest_count_statement(tab: str, by_program: bool, text_kind: str | None):
    counted = select(func.count()).select_from(Enrollment)
    if text_kind:  # only a name filter needs the patients (a join per moment otherwise)
        counted = counted.join(Patient, Enrollment.patient_id == Patient.id)
    return counted.where(*_where(tab, by_program, text_kind), _has_open_flag())


@cache
def _oldest_page_statement(tab: str, by_program: bool, text_kind: str | None):
    oldest = (select(Flag.enrollment_id, Flag.raised_at.label("oldest"))
              .join(Enrollment, Flag.enrollment_id == Enrollment.id))
    if text_kind:
        oldest = oldest.join(Patient, Enrollment.patient_id == Patient.id)
    oldest = (oldest.where(Flag.handled_at.is_(None), FIRST_OPEN_FLAG, *_where(tab, by_program, text_kind))
              .order_by(Flag.raised_at, Flag.enrollment_id)
              .limit(db.bindparam("limit")).offset(db.bindparam("offset"))).subquery()
    picked = (select(Enrollment.id, Patient.first_name, Patient.last_name, Patient.personnummer,
                     Enrollment.program_id, Enrollment.started_at, Enrollment.last_active, oldest.c.oldest,
                     Enrollment.patient_id)
              .select_from(oldest).join(Enrollment, oldest.c.enrollment_id == Enrollment.id)
              .join(Patient, Enrollment.patient_id == Patient.id)).subquery()
    return (select(picked.c.id, picked.c.first_name, picked.c.last_name, picked.c.personnummer,
                   picked.c.program_id, picked.c.started_at, picked.c.last_active, *_counts(picked.c.id),
                   picked.c.patient_id)
            .order_by(picked.c.oldest, picked.c.id))
