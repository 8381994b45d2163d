"""Statistik: overview per month, program funnel, follow-up outcomes and Fagerström at start.

Only aggregate SQL is run (counts grouped by the figures' dimensions; the median is read off the
number of moments per whole day) over web.services.core.stat_facts, so no single moment leaves the
database: one statement each for the overview (every scope), the funnel and the cohort (outcomes and
Fagerström). Every count is published as its range of MIN_CELL ("< 5", "5–9" …, `cell`) before anything is
shown, written as CSV or printed, so sums and differences cannot pin a small count. Figures and the method
are in docs/statistics.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true, union_all

from engine.forms import span_sv

from ...extensions import db
from ...content.programs import get_program
from ..core.bulk import without_jit
from ..core.stat_facts import (BASE_COLUMNS, FAGERSTROM_FORMS, FOLLOW_UP_COLUMNS, FOLLOW_UPS, module_facts,
                               moment_facts)
from ..core.stat_outcomes import due
from .stat_filters import Filters, months_between

#: cells computed from fewer patients than this are shown as SUPPRESSED
MIN_CELL = 5
SUPPRESSED = "< 5"
SCOPES = (("unit", "Vårdenheten"), ("region", "Regionen"), ("all", "Alla regioner"))


# --- disclosure control (docs/statistics.md, "Privacy") ------------------------------------------


def cell(n: int | None) -> int | str:
    """A count as published: its range of MIN_CELL ("< 5" for 0–4, "5–9", "10–14" …), never the number.

    Every range starts at a multiple of MIN_CELL and is MIN_CELL wide, so sums and differences of
    published figures cannot pin a count (the proof is in docs/statistics.md). With MIN_CELL 1 (the
    figure tests) a count is shown as it is.
    """
    n = int(n or 0)
    low = n - n % MIN_CELL
    if low == 0:
        return SUPPRESSED
    return n if MIN_CELL == 1 else f"{low}–{low + MIN_CELL - 1}"


def _middle(shown: int | str) -> float | None:
    """The middle of a published range (None for "< 5"): what a rate is computed from."""
    if shown == SUPPRESSED:
        return None
    if isinstance(shown, int):
        return float(shown)
    low = int(shown.split("–")[0])
    return low + (MIN_CELL - 1) / 2


def rate(numerator: int, denominator: int) -> float | str:
    """A percentage (one decimal) of the published ranges' middles, so it tells nothing the ranges do not;
    "< 5" when the numerator or the denominator is."""
    top, bottom = _middle(cell(numerator)), _middle(cell(denominator))
    if top is None or bottom is None:
        return SUPPRESSED
    return round(100.0 * top / bottom, 1)


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
    tables = {}
    for key, _label in scopes:
        rows = [{"month": m, **{f: cell(raw[key][m][f]) for f in figures}} for m in months]
        totals = {f: sum(raw[key][m][f] for m in months) for f in ("started", "ended", "maintained")}
        reasons: dict[str, int] = {}
        for m in months:
            for reason, n in raw[key][m]["reasons"].items():
                reasons[reason] = reasons.get(reason, 0) + n
        tables[key] = {"rows": rows, "totals": {f: cell(n) for f, n in totals.items()},
                       "reasons": {r: cell(n) for r, n in sorted(reasons.items())}}
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
    `moments`, and (with `today`) per follow-up N `due{N}` (the ITT denominator), and of those `answered{N}`,
    `point{N}`, `continuous{N}` (a moment not yet in the denominator counts in none of them).
    """

    def aggregate(facts):
        sums = []
        for months in FOLLOW_UPS if today else ():
            counted = due(facts, months, today)
            sums += [func.sum(_int(counted)).label(f"due{months}")]
            sums += [func.sum(_int(and_(counted, facts.c[f"fu{months}_{kind}"] == true()))).label(f"{kind}{months}")
                     for kind in ("answered", "point", "continuous")]
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
    """Per follow-up (Russell Standard): due (ITT), answered, response rate, 7-day point and continuous
    abstinence, of the respondents and ITT."""
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
