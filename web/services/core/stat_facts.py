"""Per-moment statistics facts: one SQL row per moment, from live tables or from de-identified StatRecords.

`moment_facts()` and `module_facts()` are selectables with the same columns whether a moment is still
in the database or has been purged (gallring writes a StatRecord from exactly these live rows before
deleting, see `records_for`), so every figure on the statistics page is unchanged by a purge.
Only aggregates are read from them (web.services.clinician.statistics). Definitions: docs/statistics.md.
"""
from __future__ import annotations

from sqlalchemy import Integer, and_, case, cast, exists, false, func, literal, null, or_, select, true, union_all

from ...extensions import db
from ...models import CareUnit, Enrollment, EnrollmentModule, FormResponse, StatModule, StatRecord

#: follow-up month → form id (programs/tobakshjalpen.yaml, steg-5/6/7)
FOLLOW_UPS = {3: "uppfoljning-3m", 6: "uppfoljning-6m", 12: "uppfoljning-12m"}
#: the Fagerström forms whose first submitted score is the score at start
FAGERSTROM_FORMS = ("ftnd", "ftnd-snus")
FACT_COLUMNS = ("care_unit_id", "region_id", "program_id", "clinician_id", "started_month", "ended_month",
                "status", "end_reason", "maintained", "fagerstrom",
                *(f"fu{m}_{k}" for m in FOLLOW_UPS for k in ("answered", "point", "continuous")))


def month_of(column):
    """'YYYY-MM' of a UTC timestamp column, on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def whole_days(start, end):
    """Whole 24-hour days from `start` to `end` (truncated), on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.julianday(end) - func.julianday(start), Integer)
    return cast(func.floor(func.extract("epoch", end - start) / 86400), Integer)


def _submitted(form_id: str, *conditions):
    return exists().where(FormResponse.enrollment_id == Enrollment.id, FormResponse.form_id == form_id,
                          FormResponse.status == "submitted", *conditions)


def _answer_false(question: str):
    return FormResponse.answers[question].as_boolean() == false()


def _follow_up_columns() -> list:
    """answered / 7-day point abstinent / continuously abstinent (Russell Standard) per follow-up."""
    columns = []
    for months, form_id in FOLLOW_UPS.items():
        point = _answer_false("tobak_7_dagar")
        continuous = and_(FormResponse.answers["stoppdag_satt"].as_string() == "ja",
                          or_(_answer_false("anvant_sedan_stopp"), _answer_false("mer_an_fem_ganger")))
        columns += [
            case((_submitted(form_id), true()), else_=false()).label(f"fu{months}_answered"),
            case((_submitted(form_id, point), true()), else_=false()).label(f"fu{months}_point"),
            case((_submitted(form_id, continuous), true()), else_=false()).label(f"fu{months}_continuous"),
        ]
    return columns


def _fagerstrom():
    first = (select(cast(FormResponse.score, Integer))
             .where(FormResponse.enrollment_id == Enrollment.id, FormResponse.form_id.in_(FAGERSTROM_FORMS),
                    FormResponse.status == "submitted", FormResponse.score.is_not(None))
             .order_by(FormResponse.submitted_at, FormResponse.id).limit(1))
    return first.scalar_subquery()


def live_moment_facts(enrollment_ids=None):
    """The facts of moments still in the database (optionally only these ids), plus `enrollment_id`."""
    query = (select(CareUnit.id.label("care_unit_id"), CareUnit.region_id.label("region_id"),
                    Enrollment.program_id.label("program_id"), Enrollment.clinician_id.label("clinician_id"),
                    month_of(Enrollment.started_at).label("started_month"),
                    month_of(Enrollment.ended_at).label("ended_month"),
                    Enrollment.status.label("status"), Enrollment.end_reason.label("end_reason"),
                    case((Enrollment.maintain_until.is_not(None), true()), else_=false()).label("maintained"),
                    _fagerstrom().label("fagerstrom"), *_follow_up_columns(),
                    Enrollment.id.label("enrollment_id"))
             .select_from(Enrollment).join(CareUnit, CareUnit.id == Enrollment.care_unit_id))
    if enrollment_ids is not None:
        query = query.where(Enrollment.id.in_(enrollment_ids))
    return query


def moment_facts():
    """Every moment, live or purged: a subquery with FACT_COLUMNS."""
    live = live_moment_facts()
    live = live.with_only_columns(*(live.selected_columns[name] for name in FACT_COLUMNS))
    purged = select(*(getattr(StatRecord, name).label(name) for name in FACT_COLUMNS))
    return union_all(live, purged).subquery("facts")


MODULE_COLUMNS = ("care_unit_id", "region_id", "program_id", "clinician_id", "started_month", "module_id",
                  "reached", "completed", "active", "days")


def live_module_facts(enrollment_ids=None):
    """One row per module of each live moment (optionally only these moments), plus `enrollment_id`."""
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
             .join(CareUnit, CareUnit.id == Enrollment.care_unit_id))
    if enrollment_ids is not None:
        query = query.where(Enrollment.id.in_(enrollment_ids))
    return query


def module_facts():
    """Every module of every moment, live or purged: a subquery with MODULE_COLUMNS."""
    live = live_module_facts()
    live = live.with_only_columns(*(live.selected_columns[name] for name in MODULE_COLUMNS))
    purged = (select(StatRecord.care_unit_id.label("care_unit_id"), StatRecord.region_id.label("region_id"),
                     StatRecord.program_id.label("program_id"), StatRecord.clinician_id.label("clinician_id"),
                     StatRecord.started_month.label("started_month"), StatModule.module_id.label("module_id"),
                     StatModule.reached.label("reached"), StatModule.completed.label("completed"),
                     literal(False).label("active"), StatModule.days.label("days"))
              .join(StatRecord, StatRecord.id == StatModule.stat_record_id))
    return union_all(live, purged).subquery("module_facts")


def records_for(enrollment_ids: list[int]) -> list[StatRecord]:
    """De-identified StatRecords (with their StatModules) of these live moments, added to the session.

    Written by gallring in the purge's transaction, before the moments are deleted.
    """
    records: dict[int, StatRecord] = {}
    for row in db.session.execute(live_moment_facts(enrollment_ids)).mappings():
        values = {name: row[name] for name in FACT_COLUMNS}
        values["maintained"] = bool(values["maintained"])
        for name in FACT_COLUMNS:
            if name.startswith("fu"):
                values[name] = bool(values[name])
        records[row["enrollment_id"]] = StatRecord(**values)
    db.session.add_all(records.values())
    db.session.flush()
    for row in db.session.execute(live_module_facts(enrollment_ids)).mappings():
        db.session.add(StatModule(stat_record_id=records[row["enrollment_id"]].id, module_id=row["module_id"],
                                  reached=bool(row["reached"]), completed=bool(row["completed"]),
                                  days=row["days"]))
    return list(records.values())
