"""Statistik: overview per month, program funnel, follow-up outcomes and Fagerström at start.

Only aggregate SQL is run (counts grouped by the figures' dimensions; the median is read off the
number of moments per whole day) over web.services.core.stat_facts, so no single moment leaves the
database: one statement each for the overview (every scope), the funnel and the cohort (outcomes and
Fagerström). Every cell from fewer than MIN_CELL patients is suppressed ("< 5") before anything is
shown, written as CSV or printed. Figures are defined in docs/statistics.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select, union_all

from engine.forms import span_sv

from ...extensions import db
from ...models import CareUnit, Membership, Region, User
from ...content.programs import all_programs, get_program
from ..core.bulk import without_jit
from ..core.stat_facts import (BASE_COLUMNS, FAGERSTROM_FORMS, FOLLOW_UP_COLUMNS, FOLLOW_UPS, module_facts,
                               moment_facts)

#: cells computed from fewer patients than this are shown as SUPPRESSED
MIN_CELL = 5
SUPPRESSED = "< 5"
SCOPES = (("unit", "Vårdenheten"), ("region", "Regionen"), ("all", "Alla regioner"))


@dataclass(frozen=True)
class Filters:
    """Filtrera statistik: period (months, inclusive), Län, unit, program, clinician (own unit only)."""

    month_from: str
    month_to: str
    region_id: int | None = None
    unit_id: int | None = None
    program_id: str | None = None
    clinician_id: int | None = None


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


def default_filters(today: date, unit: CareUnit | None) -> Filters:
    """The last 12 months up to this month, for the member's unit and its region."""
    to = month_of_date(today)
    return Filters(month_from=shift_month(to, -11), month_to=to,
                   region_id=unit.region_id if unit else None, unit_id=unit.id if unit else None)


# --- suppression ------------------------------------------------------------------------------


def cell(n: int | None) -> int | str:
    """A count as shown: the number, or "< 5" when fewer than MIN_CELL patients are behind it."""
    n = int(n or 0)
    return SUPPRESSED if n < MIN_CELL else n


def rate(numerator: int, denominator: int) -> float | str:
    """A percentage (one decimal), suppressed when numerator or denominator is under MIN_CELL."""
    if numerator < MIN_CELL or denominator < MIN_CELL:
        return SUPPRESSED
    return round(100.0 * numerator / denominator, 1)


def nested(inner: int, outer: int) -> int | str:
    """A wider scope's count, also hidden when it differs from the narrower one by 1–4 (no subtraction)."""
    if 0 < outer - inner < MIN_CELL:
        return SUPPRESSED
    return cell(outer)


# --- queries ----------------------------------------------------------------------------------


def _program_where(facts, filters: Filters) -> list:
    return [facts.c.program_id == filters.program_id] if filters.program_id else []


def _in_scope(facts, filters: Filters, scope: str) -> list:
    """The conditions of one scope (none for all regions); the program filter is separate."""
    if scope == "unit":
        where = [facts.c.care_unit_id == filters.unit_id]
        return where + [facts.c.clinician_id == filters.clinician_id] if filters.clinician_id else where
    if scope == "region":
        return [facts.c.region_id == filters.region_id]
    return []


def _scope_where(facts, filters: Filters, scope: str) -> list:
    return _program_where(facts, filters) + _in_scope(facts, filters, scope)


def scopes_of(filters: Filters) -> list[tuple[str, str]]:
    """The scopes the filters allow: the unit (if chosen), the region (if chosen) and all regions."""
    return [(key, label) for key, label in SCOPES
            if key == "all" or (key == "unit" and filters.unit_id) or (key == "region" and filters.region_id)]


def _each(halves: list, aggregate) -> list:
    """The rows of `aggregate(facts)` for the live and the purged moments, in one statement (UNION ALL);
    the caller adds up rows with the same keys."""
    return list(db.session.execute(union_all(*(aggregate(facts) for facts in halves))))


def _month_counts(filters: Filters, scopes: list[tuple[str, str]]) -> dict[str, list]:
    """scope → [(started, ended, reason, maintained, n)], for every scope in one statement.

    Grouped by one 0/1 column per narrower scope (is the moment in it?); all regions take every row.
    """
    narrower = [key for key, _ in scopes if key != "all"]

    def aggregate(facts):
        flags = [case((and_(*_in_scope(facts, filters, key)), 1), else_=0) for key in narrower]
        keys = (facts.c.started_month, facts.c.ended_month, facts.c.end_reason, facts.c.maintained)
        return (select(*flags, *keys, func.count())
                .where(or_(facts.c.ended_month.is_(None), facts.c.ended_month >= filters.month_from),
                       *_program_where(facts, filters)).group_by(*flags, *keys))

    out: dict[str, list] = {key: [] for key, _ in scopes}
    for row in _each(moment_facts(*BASE_COLUMNS, started=(None, filters.month_to)), aggregate):
        started, ended, reason, maintained, n = row[len(narrower):]
        inside = dict(zip(narrower, row))
        for key in out:
            if key == "all" or inside[key]:
                out[key].append((started, ended, reason, bool(maintained), n))
    return out


def _raw_overview(counts: list, months: list[str]) -> dict[str, dict[str, Any]]:
    """month → {started, ongoing, ended, maintained, reasons: {reason: n}} (unsuppressed)."""
    out = {m: {"started": 0, "ongoing": 0, "ended": 0, "maintained": 0, "reasons": {}} for m in months}
    for started, ended, reason, maintained, n in counts:
        for m in months:
            row = out[m]
            row["started"] += n if started == m else 0
            if started <= m and (ended is None or ended > m):
                row["ongoing"] += n
            if ended == m:
                row["ended"] += n
                row["maintained"] += n if maintained else 0
                row["reasons"][reason or ""] = row["reasons"].get(reason or "", 0) + n
    return out


def overview(filters: Filters) -> dict[str, Any]:
    """Per month and per scope: Startade, Pågående (at month end), Avslutade by reason, Vidmakthåll."""
    months = months_between(filters.month_from, filters.month_to)
    scopes = scopes_of(filters)
    counts = _month_counts(filters, scopes)
    raw = {key: _raw_overview(counts[key], months) for key, _ in scopes}
    figures = ("started", "ongoing", "ended", "maintained")
    tables, inner = {}, None
    for key, _label in scopes:
        rows = []
        for m in months:
            values = raw[key][m]
            shown = {f: (cell(values[f]) if inner is None else nested(raw[inner][m][f], values[f]))
                     for f in figures}
            rows.append({"month": m, **shown})
        totals = {f: sum(raw[key][m][f] for m in months) for f in ("started", "ended", "maintained")}
        reasons: dict[str, int] = {}
        for m in months:
            for reason, n in raw[key][m]["reasons"].items():
                reasons[reason] = reasons.get(reason, 0) + n
        inner_totals = None if inner is None else {
            f: sum(raw[inner][m][f] for m in months) for f in ("started", "ended", "maintained")}
        inner_reasons: dict[str, int] = {}
        if inner is not None:
            for m in months:
                for reason, n in raw[inner][m]["reasons"].items():
                    inner_reasons[reason] = inner_reasons.get(reason, 0) + n
        tables[key] = {
            "rows": rows,
            "totals": {f: cell(n) if inner_totals is None else nested(inner_totals[f], n) for f, n in totals.items()},
            "reasons": {r: cell(n) if inner is None else nested(inner_reasons.get(r, 0), n)
                        for r, n in sorted(reasons.items())},
        }
        inner = key
    return {"months": months, "scopes": scopes, "tables": tables}


def _median(histogram: dict[int, int]) -> float:
    """The median of whole days as this page has always shown it: the value at 0-based position n // 2
    of the sorted values, i.e. the middle one, and for an even n the upper of the two middle ones."""
    position = sum(histogram.values()) // 2
    for days in sorted(histogram):
        if position < histogram[days]:
            return float(days)
        position -= histogram[days]
    raise ValueError("empty histogram")


def funnel(filters: Filters, scope: str) -> list[dict[str, Any]]:
    """Per module of the program (moments started in the period): reached, completed, active, median days.

    One statement: moments counted per module, reached/completed/active and whole days; the sums and
    the median are read off those counts.
    """
    program = get_program(filters.program_id or "tobakshjalpen")

    def aggregate(mf):
        keys = (mf.c.module_id, mf.c.reached, mf.c.completed, mf.c.active, mf.c.days)
        return select(*keys, func.count()).where(*_scope_where(mf, filters, scope)).group_by(*keys)

    counts: dict[str, list[int]] = {}
    days: dict[str, dict[int, int]] = {}
    for module_id, reached, completed, active, whole_days, n in _each(
            module_facts(started=(filters.month_from, filters.month_to)), aggregate):
        sums = counts.setdefault(module_id, [0, 0, 0])
        for i, flag in enumerate((reached, completed, active)):
            sums[i] += n if flag else 0
        if whole_days is not None:
            histogram = days.setdefault(module_id, {})
            histogram[whole_days] = histogram.get(whole_days, 0) + n
    rows = []
    for module in program.modules if program else ():
        reached, completed, active = counts.get(module.id, (0, 0, 0))
        histogram = days.get(module.id, {})
        rows.append({"module": module.id, "title": module.title, "reached": cell(reached),
                     "completed": cell(completed), "active": cell(active),
                     "median_days": SUPPRESSED if sum(histogram.values()) < MIN_CELL else round(_median(histogram), 1),
                     "default_days": module.default_days})
    return rows


def _cohort_counts(filters: Filters, scope: str, today: date | None) -> dict[int | None, dict[str, int]]:
    """Fagerström score at start → counts of the moments started in the period (one statement):
    `moments`, and (with `today`) per follow-up N `due{N}` (ITT), `answered{N}`, `point{N}`, `continuous{N}`.

    A follow-up counts as answered, point or continuous only when submitted, so each of those moments is
    also due.
    """
    current = month_of_date(today) if today else ""

    def aggregate(facts):
        sums = []
        for months in FOLLOW_UPS if today else ():
            answered = facts.c[f"fu{months}_answered"]
            due = or_(facts.c.started_month <= shift_month(current, -months), answered)
            sums += [func.sum(_int(due)).label(f"due{months}"), func.sum(_int(answered)).label(f"answered{months}"),
                     func.sum(_int(facts.c[f"fu{months}_point"])).label(f"point{months}"),
                     func.sum(_int(facts.c[f"fu{months}_continuous"])).label(f"continuous{months}")]
        return (select(facts.c.fagerstrom, func.count().label("moments"), *sums)
                .where(*_scope_where(facts, filters, scope)).group_by(facts.c.fagerstrom))

    halves = moment_facts("care_unit_id", "region_id", "program_id", "clinician_id", "started_month", "fagerstrom",
                          *(FOLLOW_UP_COLUMNS if today else ()), started=(filters.month_from, filters.month_to),
                          within=lambda facts: _scope_where(facts, filters, scope))
    out: dict[int | None, dict[str, int]] = {}
    for row in _each(halves, aggregate):
        sums = out.setdefault(row.fagerstrom, {})
        for name, value in row._mapping.items():
            if name != "fagerstrom":
                sums[name] = sums.get(name, 0) + int(value or 0)
    return out


def _int(expr):
    return case((expr, 1), else_=0)


def outcomes(filters: Filters, scope: str, today: date, counts: dict | None = None) -> list[dict[str, Any]]:
    """Per follow-up: due (ITT), answered, response rate, 7-day point and continuous abstinence, both ways."""
    counts = _cohort_counts(filters, scope, today) if counts is None else counts
    rows = []
    for months in FOLLOW_UPS:
        n_due, n_answered, n_point, n_cont = (sum(c[f"{name}{months}"] for c in counts.values())
                                              for name in ("due", "answered", "point", "continuous"))
        rows.append({"months": months, "due": cell(n_due), "answered": cell(n_answered),
                     "response_rate": rate(n_answered, n_due),
                     "point": cell(n_point), "point_respondents": rate(n_point, n_answered),
                     "point_itt": rate(n_point, n_due),
                     "continuous": cell(n_cont), "continuous_respondents": rate(n_cont, n_answered),
                     "continuous_itt": rate(n_cont, n_due)})
    return rows


def fagerstrom(filters: Filters, scope: str, counts: dict | None = None) -> list[dict[str, Any]]:
    """Fagerström score at start, grouped by the program's FTND bands (moments started in the period)."""
    program = get_program(filters.program_id or "tobakshjalpen")
    form = next((program.form(f) for f in FAGERSTROM_FORMS if program and program.form(f)), None)
    bands = list(form.scoring.bands) if form and form.scoring else []
    if not bands:
        return []
    counts = _cohort_counts(filters, scope, None) if counts is None else counts
    per_band = [0] * len(bands)
    for score, c in counts.items():
        band = next((i for i, b in enumerate(bands) if score is not None and b.contains(score)), None)
        if band is not None:
            per_band[band] += c["moments"]
    return [{"band": f"{b.label} ({span_sv(b)})" if b.min != b.max else f"{b.label} ({b.min:g})",
             "count": cell(per_band[i])} for i, b in enumerate(bands)]


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


@dataclass
class Report:
    """Everything the page, the CSV and the CLI show, already suppressed."""

    filters: Filters
    overview: dict[str, Any]
    funnel: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    fagerstrom: list[dict[str, Any]]
    focus: str = "all"
    extra: dict[str, Any] = field(default_factory=dict)


def report(filters: Filters, today: date) -> Report:
    """The whole statistics report; funnel, outcomes and Fagerström for the narrowest scope chosen."""
    focus = scopes_of(filters)[0][0]
    without_jit()
    counts = _cohort_counts(filters, focus, today)
    return Report(filters, overview(filters), funnel(filters, focus), outcomes(filters, focus, today, counts),
                  fagerstrom(filters, focus, counts), focus)


def _int_arg(args, name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


def _month_arg(args, name: str) -> str | None:
    raw = (args.get(name) or "").strip()[:10]
    if len(raw) >= 7 and raw[:4].isdigit() and raw[4] == "-" and raw[5:7].isdigit() and 1 <= int(raw[5:7]) <= 12:
        return raw[:7]
    return None


def parse_filters(args, own_unit: CareUnit | None, today: date) -> Filters:
    """Filters from request or CLI arguments (fran, till, lan, enhet, program, behandlare).

    The clinician filter is only honoured for the member's own unit; an unknown program is ignored.
    """
    base = default_filters(today, own_unit)
    month_from = _month_arg(args, "fran") or base.month_from
    month_to = _month_arg(args, "till") or base.month_to
    if month_to < month_from:
        month_from, month_to = month_to, month_from
    region_id = _int_arg(args, "lan") or base.region_id
    unit_id = _int_arg(args, "enhet")
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
    return Filters(month_from, month_to, region_id, unit_id, program_id, clinician_id)


def scope_names(filters: Filters) -> dict[str, str]:
    """Scope key → the name shown: the unit's and the region's names, and "Alla regioner"."""
    unit = db.session.get(CareUnit, filters.unit_id) if filters.unit_id else None
    region = db.session.get(Region, filters.region_id) if filters.region_id else None
    return {"unit": unit.display_name if unit else "Vårdenheten", "region": region.name if region else "Regionen",
            "all": "Alla regioner"}
