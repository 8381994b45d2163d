"""Per-moment statistics facts: one SQL row per moment, from live tables or from de-identified StatRecords.

`moment_facts()` and `module_facts()` are selectables with the same columns whether a moment is still
in the database or has been purged (gallring writes a StatRecord from exactly these live rows before
deleting, see `records_for`), so every figure on the statistics page is unchanged by a purge.
Only aggregates are read from them (web.services.clinician.statistics). Definitions: docs/statistics.md.

The form facts (Fagerström at start; the stop days and follow-ups, web.services.core.stat_outcomes) come
from derived tables that read the submitted forms once per statement and are outer-joined on the moment,
and only when a statement asks for those columns; a subquery per moment and column took 80 s at 100 000 moments (docs/performance.md).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Float, Integer, and_, case, cast, false, func, literal, null, or_, select, true

from ...extensions import db
from ...models import CareUnit, Enrollment, EnrollmentModule, FormResponse, StatModule, StatRecord
from .stat_outcomes import FOLLOW_UP_COLUMNS, FOLLOW_UPS, LIVE_ONLY, due_days, outcome_columns, purged_column

#: the Fagerström forms whose first submitted score is the score at start
FAGERSTROM_FORMS = ("ftnd", "ftnd-snus")
BASE_COLUMNS = ("care_unit_id", "region_id", "program_id", "clinician_id", "started_month", "ended_month",
                "status", "end_reason", "maintained")
FACT_COLUMNS = (*BASE_COLUMNS, "fagerstrom", *FOLLOW_UP_COLUMNS)


def month_of(column):
    """'YYYY-MM' of a UTC timestamp column, on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


#: (first, last) months 'YYYY-MM', inclusive; None = open
Months = tuple[str | None, str | None]


def _month_start(month: str) -> datetime:
    return datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=UTC)


def _started_in(started_at, months: Months) -> list:
    """month_of(started_at) within `months`, as a range of the timestamp itself: an index can serve it and
    the planner can estimate it, which it cannot for a month computed from each row."""
    first, last = months
    where = []
    if first and first > "0001-01":  # earlier: every timestamp's month is after it
        where.append(started_at >= _month_start(first))
    if last and last < "9999-12":  # later: every timestamp's month is before it
        year, month = int(last[:4]), int(last[5:7])
        where.append(started_at < _month_start(f"{year + month // 12:04d}-{month % 12 + 1:02d}"))
    return where


def _months_in(month_column, months: Months) -> list:
    first, last = months
    return ([month_column >= first] if first else []) + ([month_column <= last] if last else [])


def whole_days(start, end):
    """Whole 24-hour days from `start` to `end` (floor), on SQLite (truncated) and PostgreSQL.

    PostgreSQL: date_part (double precision) rather than extract (numeric, several times slower per row);
    the floor is the same, since microseconds are far above a double's rounding at these magnitudes.
    """
    if db.engine.dialect.name == "sqlite":
        return cast(func.julianday(end) - func.julianday(start), Integer)
    return cast(func.floor(func.date_part("epoch", end - start) / literal(86400.0, Float)), Integer)


def _first_fagerstrom(enrollment_ids=None):
    """Per moment: the score of its first submitted Fagerström form (by submission time, then id)."""
    ranked = (select(FormResponse.enrollment_id, cast(FormResponse.score, Integer).label("fagerstrom"),
                     func.row_number().over(partition_by=FormResponse.enrollment_id,
                                            order_by=(FormResponse.submitted_at, FormResponse.id)).label("rn"))
              .where(FormResponse.form_id.in_(FAGERSTROM_FORMS), FormResponse.status == "submitted",
                     FormResponse.score.is_not(None)))
    if enrollment_ids is not None:
        ranked = ranked.where(FormResponse.enrollment_id.in_(enrollment_ids))
    ranked = ranked.subquery("fagerstrom_ranked")
    return select(ranked.c.enrollment_id, ranked.c.fagerstrom).where(ranked.c.rn == 1).subquery("fagerstrom")


def live_moment_facts(enrollment_ids=None, columns=FACT_COLUMNS, started: Months = (None, None), forms_of=None):
    """The facts of moments still in the database (optionally only these ids, or started in these months):
    `columns`, plus `enrollment_id`.

    The forms are only read for the form columns asked for, and only those of `forms_of` (a select of
    moment ids; default `enrollment_ids`, else every moment's): the moments the statement will count.
    """
    base = {"care_unit_id": CareUnit.id, "region_id": CareUnit.region_id, "program_id": Enrollment.program_id,
            "clinician_id": Enrollment.clinician_id, "started_month": month_of(Enrollment.started_at),
            "ended_month": month_of(Enrollment.ended_at), "status": Enrollment.status,
            "end_reason": Enrollment.end_reason,
            "maintained": case((Enrollment.maintain_until.is_not(None), true()), else_=false())}
    forms_of = enrollment_ids if forms_of is None else forms_of
    source = Enrollment.__table__.join(CareUnit, CareUnit.id == Enrollment.care_unit_id)
    found = {}
    if "fagerstrom" in columns:
        first = _first_fagerstrom(forms_of)
        source = source.outerjoin(first, first.c.enrollment_id == Enrollment.id)
        found["fagerstrom"] = first.c.fagerstrom
    if set(FOLLOW_UP_COLUMNS) & set(columns):
        source, outcomes = outcome_columns(source, forms_of)
        found.update(outcomes)
    selected = {**base, **found}
    query = (select(*(selected[name].label(name) for name in columns), Enrollment.id.label("enrollment_id"))
             .select_from(source).where(*_started_in(Enrollment.started_at, started)))
    if enrollment_ids is not None:
        query = query.where(Enrollment.id.in_(enrollment_ids))
    return query


def moment_facts(*columns: str, started: Months = (None, None), within=None) -> list:
    """Every moment started in these months as two subqueries with `columns` (default all): the live
    moments and the purged ones (StatRecords).

    A statement aggregates each of them and adds up the two results (UNION ALL of the two aggregates):
    aggregating the union of the rows instead costs a pass over every row's values in between.
    `within(facts)`: the conditions on the keys (unit, region, program, clinician) the statement applies;
    given, the forms are read for those moments only, not for every moment of the nation and all time.
    """
    columns = columns or FACT_COLUMNS
    forms_of = None
    if within is not None and set(columns) - set(BASE_COLUMNS):
        keys = live_moment_facts(columns=("care_unit_id", "region_id", "program_id", "clinician_id"),
                                 started=started).subquery("counted")
        forms_of = select(keys.c.enrollment_id).where(*within(keys))
    live = live_moment_facts(columns=columns, started=started, forms_of=forms_of)
    live = live.with_only_columns(*(live.selected_columns[name] for name in columns))
    purged = (select(*(purged_column(name) if name in FOLLOW_UP_COLUMNS else getattr(StatRecord, name).label(name)
                       for name in columns))
              .where(*_months_in(StatRecord.started_month, started)))
    return [live.subquery("facts"), purged.subquery("purged_facts")]


MODULE_COLUMNS = ("care_unit_id", "region_id", "program_id", "clinician_id", "started_month", "module_id",
                  "reached", "completed", "active", "days")


def live_module_facts(enrollment_ids=None, started: Months = (None, None)):
    """One row per module of each live moment (optionally only these moments, or those started in these
    months), plus `enrollment_id`."""
    query = (select(CareUnit.id.label("care_unit_id"), CareUnit.region_id.label("region_id"),
                    Enrollment.program_id.label("program_id"), Enrollment.clinician_id.label("clinician_id"),
                    month_of(Enrollment.started_at).label("started_month"),
                    EnrollmentModule.module_id.label("module_id"),
                    case((EnrollmentModule.activated_at.is_not(None), true()), else_=false()).label("reached"),
                    case((EnrollmentModule.state == "completed", true()), else_=false()).label("completed"),
                    case((and_(EnrollmentModule.state == "current", Enrollment.ended_at.is_(None)), true()),
                         else_=false()).label("active"),
                    case((and_(EnrollmentModule.state == "completed", EnrollmentModule.activated_at.is_not(None),
                               EnrollmentModule.completed_at.is_not(None)),
                          whole_days(EnrollmentModule.activated_at, EnrollmentModule.completed_at)),
                         else_=null()).label("days"),
                    Enrollment.id.label("enrollment_id"))
             .select_from(EnrollmentModule).join(Enrollment, Enrollment.id == EnrollmentModule.enrollment_id)
             .join(CareUnit, CareUnit.id == Enrollment.care_unit_id)
             .where(*_started_in(Enrollment.started_at, started)))
    if enrollment_ids is not None:
        query = query.where(Enrollment.id.in_(enrollment_ids))
    return query


def module_facts(started: Months = (None, None)) -> list:
    """Every module that counts in a figure (reached, avklarad or aktuell) of every moment started in these
    months, as two subqueries with MODULE_COLUMNS: the live moments' and the purged ones' (as moment_facts).

    A module never reached, avklarad or aktuell (kommande) counts in no figure; often half the rows.
    """
    live = live_module_facts(started=started).where(
        or_(EnrollmentModule.activated_at.is_not(None), EnrollmentModule.state.in_(("completed", "current"))))
    live = live.with_only_columns(*(live.selected_columns[name] for name in MODULE_COLUMNS))
    purged = (select(StatRecord.care_unit_id.label("care_unit_id"), StatRecord.region_id.label("region_id"),
                     StatRecord.program_id.label("program_id"), StatRecord.clinician_id.label("clinician_id"),
                     StatRecord.started_month.label("started_month"), StatModule.module_id.label("module_id"),
                     StatModule.reached.label("reached"), StatModule.completed.label("completed"),
                     literal(False).label("active"), StatModule.days.label("days"))
              .join(StatRecord, StatRecord.id == StatModule.stat_record_id)
              .where(*_months_in(StatRecord.started_month, started),
                     or_(StatModule.reached, StatModule.completed)))
    return [live.subquery("module_facts"), purged.subquery("purged_module_facts")]


def records_for(enrollment_ids: list[int], today: date) -> list[StatRecord]:
    """De-identified StatRecords (with their StatModules) of these live moments, added to the session.

    Written by gallring in the purge's transaction, before the moments are deleted. A follow-up already in
    the ITT denominator today is kept as `due_at_purge` without its day; only one not yet there keeps the
    day it falls due (stat_outcomes.due), so the purge changes no figure then either.
    """
    records: dict[int, StatRecord] = {}
    for row in db.session.execute(live_moment_facts(enrollment_ids)).mappings():
        values = {name: row[name] for name in FACT_COLUMNS if name not in LIVE_ONLY}
        values["maintained"] = bool(values["maintained"])
        for name in values:
            if name.startswith("fu") and not name.endswith("_due_on"):
                values[name] = bool(values[name])
        for months, (counted, day) in due_days(row["program_id"], row["quit_on"], row["started_at"], today).items():
            values[f"fu{months}_due_at_purge"], values[f"fu{months}_due_on"] = counted, None if counted else day
        records[row["enrollment_id"]] = StatRecord(**values)
    db.session.add_all(records.values())
    db.session.flush()
    for row in db.session.execute(live_module_facts(enrollment_ids)).mappings():
        db.session.add(StatModule(stat_record_id=records[row["enrollment_id"]].id, module_id=row["module_id"],
                                  reached=bool(row["reached"]), completed=bool(row["completed"]),
                                  days=row["days"]))
    return list(records.values())
