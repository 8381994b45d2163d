"""Att göra: every unhandled event (open flag) of the clinician's moments in one list, most pressing first."""
from __future__ import annotations

import math
from functools import cache
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, cast, func, or_, select

from engine.moment.flags import LABELS
from engine.text import plural

from ...extensions import db
from ...models import Enrollment, Flag, Membership, Patient
from ..core.reads import read
from .overview import OverviewPage, page_links

#: the event types the list can be filtered to, in the order of "Välj flaggtyp"
EVENT_TYPES = LABELS


@dataclass(frozen=True)
class WorkItem:
    """One unhandled event: whose, what, since when."""

    flag_id: int
    enrollment_id: int
    patient_name: str
    flag_type: str
    text: str
    raised_at: datetime
    urgent: bool

    @property
    def label(self) -> str:
        return LABELS.get(self.flag_type, self.flag_type)


class WorkPage(OverviewPage):
    """A page of Att göra: `rows` are WorkItems, the keyset links carry the flag id."""

    key = "flag_id"


def worklist_sort_key() -> list[tuple[object, bool]]:
    """The one order of Att göra as (column, descending) pairs: urgent first, then oldest, then id (a total order).

    The keyset pagination below compares along exactly these columns, so extending the order is a
    change here only (the last column must stay unique)."""
    # urgent as a number: a keyset comparison (<, >) on a boolean column is refused
    return [(cast(Flag.urgent, Integer), True), (Flag.raised_at, False), (Flag.id, False)]


def _beyond(anchor: tuple, forward: bool):
    """Rows after (`forward`) or before `anchor` in the worklist's order: a lexicographic keyset comparison."""
    key = worklist_sort_key()
    condition = None
    for (column, descending), value in reversed(list(zip(key, anchor))):
        later = (column < value) if descending == forward else (column > value)
        condition = later if condition is None else or_(later, and_(column == value, condition))
    return condition


def _conditions(by_type: bool) -> list:
    """The member's unhandled events; the unit, the clinician and the type are the bind parameters of `_params`."""
    conditions = [Flag.handled_at.is_(None), Enrollment.care_unit_id == db.bindparam("unit"),
                  Enrollment.clinician_id == db.bindparam("clinician"), Enrollment.status == "active"]
    if by_type:
        conditions.append(Flag.type == db.bindparam("flag_type"))
    return conditions


def _params(membership: Membership, flag_type: str | None, **more) -> dict:
    return {"unit": membership.care_unit_id, "clinician": membership.user_id, "flag_type": flag_type, **more}


# The statements are built once per shape (cached; the values are bind parameters): building them was about a
# third of Att göra's Python calls, and the count runs on every overview tab.

@cache
def _count_statement(by_type: bool):
    # count(*), not count(flag.id): the partial index on open flags answers it without the table
    return (select(func.count()).select_from(Flag).join(Enrollment, Flag.enrollment_id == Enrollment.id)
            .where(*_conditions(by_type)))


def open_count(membership: Membership) -> int:
    """How many unhandled events the member's moments have (the count in the tab)."""
    return read(_count_statement(False), _params(membership, None)).scalar_one()


#: the anchor flag's sort key as bind parameters (`_beyond` compares with them)
ANCHOR = (db.bindparam("a_urgent"), db.bindparam("a_raised"), db.bindparam("a_id"))


@cache
def _anchor_statement(by_type: bool):
    return (select(*(column for column, _ in worklist_sort_key())).join(Enrollment, Flag.enrollment_id == Enrollment.id)
            .where(Flag.id == db.bindparam("anchor"), *_conditions(by_type)))


@cache
def _page_statement(by_type: bool, way: str):
    """A page of flags with their patients' names, and one more row; `way`: "offset", "after" or "before"."""
    key = worklist_sort_key()
    forward = way != "before"
    # ordered by the boolean itself (false before true, as its number): the index ix_flag_open_worklist
    # gives the rows in this order, so a page reads its rows and stops
    columns = [Flag.urgent] + [column for column, _ in key[1:]]
    order = [column.desc() if descending == forward else column for column, (_, descending) in zip(columns, key)]
    query = (select(Flag.id, Flag.enrollment_id, Patient.first_name, Patient.last_name, Flag.type, Flag.text,
                    Flag.raised_at, Flag.urgent)
             .join(Enrollment, Flag.enrollment_id == Enrollment.id)
             .join(Patient, Enrollment.patient_id == Patient.id)
             .where(*_conditions(by_type)).order_by(*order).limit(db.bindparam("limit")))
    if way == "offset":
        return query.offset(db.bindparam("offset"))
    return query.where(_beyond(ANCHOR, forward))


def worklist_page(membership: Membership, *, flag_type: str | None = None, page: int = 1, page_size: int = 25,
                  after: int | None = None, before: int | None = None) -> WorkPage:
    """A page of Att göra in a fixed number of queries: urgent first, then the oldest unhandled event.

    `after` / `before` name the flag on the row next to the page (keyset pagination, as the overview);
    without them `page` is reached by OFFSET."""
    typed = bool(flag_type)
    total = read(_count_statement(typed), _params(membership, flag_type)).scalar_one()
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    anchor = None
    if after is not None or before is not None:
        anchor = read(_anchor_statement(typed), _params(
            membership, flag_type, anchor=after if after is not None else before)).one_or_none()
    forward = anchor is None or after is not None
    values = _params(membership, flag_type, limit=page_size + 1)
    if anchor is None:
        way, values["offset"] = "offset", (page - 1) * page_size
    else:
        way = "after" if forward else "before"
        values.update(zip(("a_urgent", "a_raised", "a_id"), anchor))
    result = read(_page_statement(typed, way), values).all()
    more = len(result) > page_size
    result = result[:page_size]
    if not forward:
        result.reverse()
    page, has_previous, has_next = page_links(anchored=anchor is not None, forward=forward, more=more,
                                              page=page, pages=pages)
    items = [WorkItem(r[0], r[1], f"{r[3]}, {r[2]}", r[4], r[5], r[6], bool(r[7])) for r in result]
    return WorkPage(items, total, page, pages, has_previous, has_next)


def age_text(since: datetime, now: datetime) -> str:
    """How long an event has waited, in the largest whole unit ("3 dagar", "5 timmar", "under en timme")."""
    seconds = max(0, (now - since).total_seconds())
    days, hours = int(seconds // 86400), int(seconds // 3600)
    if days >= 1:
        return plural(days, "dag", "dagar")
    if hours >= 1:
        return plural(hours, "timme", "timmar")
    return "under en timme"
