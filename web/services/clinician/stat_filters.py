"""Filtrera statistik: fixed calendar periods, Län, the member's own units, program and clinician.

A period is a calendar year, quarter or month, never a range of the user's choosing: two overlapping
ranges (January–May and January–June) would isolate a month by subtraction, while calendar periods only
nest (month in quarter in year). The disclosure control itself is in web.services.clinician.statistics;
docs/statistics.md explains both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ...content.programs import all_programs
from ...extensions import db
from ...models import CareUnit, Membership, Region, User
from ..errors import ServiceError

#: the years offered in the period list: this one and the ones before it
YEARS_OFFERED = 5
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
               "november", "december")
_PERIOD = re.compile(r"^(\d{4})(?:-K([1-4])|-(\d{2}))?$")


@dataclass(frozen=True)
class Filters:
    """Filtrera statistik: period (months, inclusive), Län, unit, program, clinician (own unit only)."""

    month_from: str
    month_to: str
    region_id: int | None = None
    unit_id: int | None = None
    program_id: str | None = None
    clinician_id: int | None = None
    #: the calendar period chosen ("2025", "2025-K2", "2025-06"); the months above are its months
    period: str | None = None


def month_of_date(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def shift_month(month: str, delta: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out, month = [], first
    while month <= last and len(out) < 240:
        out.append(month)
        month = shift_month(month, 1)
    return out


def period_months(period: str, today: date) -> tuple[str, str] | None:
    """(first, last month) of a calendar period "YYYY", "YYYY-Kn" or "YYYY-MM", up to this month;
    None for anything else or a period that has not begun."""
    found = _PERIOD.match((period or "").strip())
    if not found:
        return None
    year, quarter, month = int(found[1]), found[2], found[3]
    if month is not None and not 1 <= int(month) <= 12:
        return None
    first, last = (f"{year:04d}-01", f"{year:04d}-12")
    if quarter:
        first, last = f"{year:04d}-{3 * int(quarter) - 2:02d}", f"{year:04d}-{3 * int(quarter):02d}"
    elif month:
        first = last = f"{year:04d}-{month}"
    now = month_of_date(today)
    return None if first > now else (first, min(last, now))


def period_name(period: str) -> str:
    """The period as the list shows it: "2025", "2025 kvartal 2", "juni 2025"."""
    found = _PERIOD.match(period)
    if found and found[2]:
        return f"{found[1]} kvartal {found[2]}"
    if found and found[3]:
        return f"{MONTH_NAMES[int(found[3]) - 1]} {found[1]}"
    return period


def period_choices(today: date) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods offered, newest first: (group label, [(value, name)]) for År, Kvartal and Månad."""
    years = range(today.year, today.year - YEARS_OFFERED, -1)
    quarters = [f"{y}-K{q}" for y in years for q in (4, 3, 2, 1)]
    months = [f"{y}-{m:02d}" for y in years for m in range(12, 0, -1)]
    groups = (("År", [str(y) for y in years]), ("Kvartal", quarters), ("Månad", months))
    return [(label, [(p, period_name(p)) for p in periods if period_months(p, today)]) for label, periods in groups]


def default_filters(today: date, unit: CareUnit | None) -> Filters:
    """This calendar year up to this month, for the member's unit and its region."""
    period = str(today.year)
    first, last = period_months(period, today)
    return Filters(month_from=first, month_to=last, region_id=unit.region_id if unit else None,
                   unit_id=unit.id if unit else None, period=period)


# --- filter choices ---------------------------------------------------------------------------


def regions() -> list[Region]:
    return list(db.session.execute(db.select(Region).order_by(Region.name)).scalars())


def units(region_id: int | None) -> list[CareUnit]:
    query = db.select(CareUnit).order_by(CareUnit.name)
    if region_id:
        query = query.where(CareUnit.region_id == region_id)
    return list(db.session.execute(query).scalars())


def unit_clinicians(unit_id: int) -> list[User]:
    """Clinicians of the member's own unit (the only unit whose clinicians may be filtered on)."""
    return list(db.session.execute(
        db.select(User).join(Membership).where(Membership.care_unit_id == unit_id).order_by(User.name)).scalars())


def program_choices() -> list[tuple[str, str]]:
    return [(p.id, p.title) for p in all_programs().values()]


def _int_arg(args, name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


class NotOwnUnit(ServiceError):
    """A unit's own figures were asked for by staff who do not work there (the view answers 403)."""


def parse_filters(args, own_unit: CareUnit | None, today: date, own_unit_ids: frozenset[int] | None = None) -> Filters:
    """Filters from request or CLI arguments (period, lan, enhet, program, behandlare).

    With `own_unit_ids` (the web: the units the member works in) another unit is refused (NotOwnUnit);
    the region and the nation stay open to all. A period that is not a calendar year, quarter or month
    gives this year; the clinician filter is only honoured for the member's own unit; an unknown program
    is ignored.
    """
    requested = _int_arg(args, "enhet")
    if own_unit_ids is not None and requested and requested not in own_unit_ids:  # 0 is "Ingen"
        raise NotOwnUnit("Du kan bara se statistik för dina egna vårdenheter.")
    base = default_filters(today, own_unit)
    period = (args.get("period") or "").strip()
    months = period_months(period, today)
    if months is None:
        period, months = base.period, (base.month_from, base.month_to)
    region_id = _int_arg(args, "lan") or base.region_id
    unit_id = requested
    if unit_id is None and own_unit is not None and own_unit.region_id == region_id:
        unit_id = own_unit.id
    unit = db.session.get(CareUnit, unit_id) if unit_id else None
    if unit is None or unit.region_id != region_id:
        unit_id = None
    program_id = args.get("program") or None
    if program_id not in all_programs():
        program_id = None
    clinician_id = _int_arg(args, "behandlare")
    if own_unit is None or unit_id != own_unit.id or clinician_id not in {u.id for u in unit_clinicians(own_unit.id)}:
        clinician_id = None
    return Filters(*months, region_id, unit_id, program_id, clinician_id, period)


def scope_names(filters: Filters) -> dict[str, str]:
    """Scope key → the name shown: the unit's and the region's names, and "Alla regioner"."""
    unit = db.session.get(CareUnit, filters.unit_id) if filters.unit_id else None
    region = db.session.get(Region, filters.region_id) if filters.region_id else None
    return {"unit": unit.display_name if unit else "Vårdenheten", "region": region.name if region else "Regionen",
            "all": "Alla regioner"}
