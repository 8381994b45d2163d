"""Set-based SQL for the tick: which moments a time-based rule can fire for right now.

Each query is a *prefilter*: it may return a moment where nothing fires (the engine then decides
nothing is due), but it never leaves out a moment where something would fire. The time
conditions therefore carry SLACK for daylight saving time and local-midnight rounding, and a
moment drops out once the flag or notice for its current cause exists — so a quiet database
costs a few index lookups per tick, not a pass over every moment.

Portable across SQLite and PostgreSQL; the only dialect-specific piece is `plus_days` (timestamp
plus a per-row number of days).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Mapping

from sqlalchemy import Boolean, String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from engine.localtime import TZ
from engine.moment.flags import CAUSE_SEPARATOR, cause_prefix
from engine.moment.reminders import REMINDER

from ..models import (ActivityPlan, Enrollment, EnrollmentModule, Event, Flag, FlagSubscription, Notice,
                      Patient, UTCDateTime)

#: hours of slack: a clock change (1 h) plus margin for wall-clock rounding
SLACK_HOURS = 2
SLACK = timedelta(hours=SLACK_HOURS)


class _shifted(FunctionElement):
    """`timestamp + days + hours`, days a column expression (SQLite and PostgreSQL)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "shifted"


@compiles(_shifted, "postgresql")
def _shifted_pg(element, compiler, **kw):
    ts, days, hours = (compiler.process(c, **kw) for c in element.clauses)
    return f"({ts} + make_interval(days => CAST({days} AS INTEGER), hours => CAST({hours} AS INTEGER)))"


@compiles(_shifted, "sqlite")
def _shifted_sqlite(element, compiler, **kw):
    ts, days, hours = (compiler.process(c, **kw) for c in element.clauses)
    # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff"; keep that shape so comparisons stay textual
    return (f"strftime('%Y-%m-%d %H:%M:%f000', {ts}, CAST({days} AS INTEGER) || ' days', "
            f"CAST({hours} AS INTEGER) || ' hours')")


class _per_dialect(ColumnElement):
    """One condition on PostgreSQL, another elsewhere (both must select the same moments or a superset)."""

    inherit_cache = True
    _traverse_internals = [("postgresql", InternalTraversal.dp_clauseelement),
                           ("other", InternalTraversal.dp_clauseelement)]

    def __init__(self, postgresql: ColumnElement, other: ColumnElement):
        self.postgresql, self.other = postgresql, other
        self.type = Boolean()


@compiles(_per_dialect, "postgresql")
def _per_dialect_pg(element, compiler, **kw):
    return compiler.process(element.postgresql, **kw)


@compiles(_per_dialect)
def _per_dialect_other(element, compiler, **kw):
    return compiler.process(element.other, **kw)


class _local_last_day(FunctionElement):
    """PostgreSQL: `YYYY-MM-DD` of the Stockholm date of a UTC timestamp plus a number of days."""

    type = String()
    inherit_cache = True
    name = "local_last_day"


@compiles(_local_last_day, "postgresql")
def _local_last_day_pg(element, compiler, **kw):
    ts, days = (compiler.process(c, **kw) for c in element.clauses)
    return (f"to_char(CAST(({ts} AT TIME ZONE 'UTC') AT TIME ZONE '{TZ.key}' AS DATE) + CAST({days} AS INTEGER), "
            "'YYYY-MM-DD')")


def plus_days(ts, days, hours: int = 0) -> ColumnElement:
    """`ts` moved by `days` (a number or column expression) and a whole number of `hours`, in SQL."""
    return _shifted(ts, days if isinstance(days, ColumnElement) else literal(days), literal(hours))


def _at(value: datetime) -> ColumnElement:
    return literal(value, UTCDateTime())


def _horizon(now: datetime) -> ColumnElement:
    """Time-driven flags stop at the end of a moment: nothing is due after min(now, ended_at)."""
    return func.coalesce(Enrollment.ended_at, _at(now))


def _applies() -> ColumnElement:
    """The subscription covers the moment: its own, or a global one of the responsible clinician."""
    return or_(FlagSubscription.enrollment_id == Enrollment.id,
               and_(FlagSubscription.enrollment_id.is_(None), FlagSubscription.user_id == Enrollment.clinician_id))


def _param(name: str, integer: bool = False) -> ColumnElement:
    value = FlagSubscription.params[name]
    return value.as_integer() if integer else value.as_string()


def _flag_with_prefix(flag_type: str, *parts: ColumnElement | str) -> ColumnElement:
    """Flag rows of the moment whose cause key starts with `type:part:part:`."""
    prefix: ColumnElement = literal(cause_prefix(flag_type))
    for part in parts:
        prefix = prefix + (cast(part, String) if not isinstance(part, str) else literal(part)) + literal(CAUSE_SEPARATOR)
    return and_(Flag.enrollment_id == Enrollment.id, Flag.type == flag_type, _starts_with(Flag.cause_key, prefix))


def _no_row(*conditions) -> ColumnElement:
    """NOT EXISTS (a flag or notice row), checked only for the moments the other conditions leave.

    OFFSET 0 keeps PostgreSQL from planning it as an anti-join, which hashes every such row of the
    table on every tick; as a subplan it is one index lookup per remaining moment (few in a steady state).
    """
    return ~select(literal(1)).where(*conditions).offset(0).exists()


def _starts_with(column, prefix: ColumnElement) -> ColumnElement:
    """An exact prefix test (LIKE would treat "_" in module and reminder ids as a wildcard)."""
    return func.substr(column, 1, func.length(prefix)) == prefix


def _subs(flag_type: str):
    return select(Enrollment.id).join(FlagSubscription, _applies()).where(FlagSubscription.type == flag_type)


# --- flags --------------------------------------------------------------------------------------


def inactivity(now: datetime):
    """Moments whose patient has been inactive `days` days (since start or latest action), whose stored
    next inactivity time has come or is not worked out yet.

    The present stretch fires even when it began before the subscription (its condition holds now).
    `Enrollment.next_inactivity_at` is worked out by the tick for every moment it evaluates
    (web.services.core.flags.inactivity_schedule: NOT_SCHEDULED once the present stretch is flagged) and
    set to NULL by every change of the state (a patient action starts a new stretch) and every new
    inactivity subscription that applies: so a moment is read once per stretch, not probed on every tick.
    """
    anchor = func.coalesce(Enrollment.last_active, Enrollment.started_at)
    days = _param("days", integer=True)
    scheduled = Enrollment.next_inactivity_at
    return _subs("patient_inactivity").where(
        plus_days(anchor, days, -SLACK_HOURS) <= _horizon(now),
        or_(scheduled.is_(None), scheduled <= _at(now)),
    )


def ending_soon(now: datetime, recommended_days: Mapping[str, int]):
    """Moments whose program's recommended length runs out within `days`, not yet flagged."""
    per_program = [
        and_(Enrollment.program_id == program_id,
             plus_days(Enrollment.started_at, literal(total) - _param("days", True), -SLACK_HOURS) <= _horizon(now))
        for program_id, total in recommended_days.items() if total
    ]
    if not per_program:
        return None
    # fires while the recommended length has not run out when the subscription was added
    since_ok = [
        and_(Enrollment.program_id == program_id,
             plus_days(Enrollment.started_at, literal(total), SLACK_HOURS) >= FlagSubscription.created_at)
        for program_id, total in recommended_days.items() if total
    ]
    return _subs("moment_ending_soon").where(
        or_(*per_program),
        or_(Enrollment.started_at >= FlagSubscription.created_at, *since_ok),
        _no_row(_flag_with_prefix("moment_ending_soon", _param("days"))),
    )


def module_deadline(now: datetime):
    """Moments with a current module `days_before` its deadline, not flagged for its present activation and days.

    A subscription added after that day still fires once for the current activation. Whether the
    flag is for the present days: on PostgreSQL its cause ends with the deadline day
    (engine.moment.flags.ModuleReminder), compared with the Stockholm date of the activation plus
    the days; elsewhere no `days_changed` event for the module may follow the flag (a superset).
    """
    em = EnrollmentModule
    lead = em.days - _param("days_before", True)
    # correlated two levels up (to the moment and its module), so it needs naming explicitly
    changed_after_flag = exists().where(
        Event.enrollment_id == Enrollment.id, Event.type == "days_changed", Event.module_id == em.module_id,
        Event.at > Flag.raised_at).correlate(Enrollment, em, Flag)
    for_present_days = _per_dialect(
        func.substr(Flag.cause_key, func.length(Flag.cause_key) - 9) == _local_last_day(em.activated_at, em.days),
        ~changed_after_flag)
    return _subs("module_reminder").join(
        em, and_(em.enrollment_id == Enrollment.id, em.module_id == _param("module"))
    ).where(
        em.state == "current", em.days > 0, em.activated_at.is_not(None),
        plus_days(em.activated_at, lead - 1, -SLACK_HOURS) <= _horizon(now),
        ~exists().where(_flag_with_prefix("module_reminder", em.module_id, _param("days_before")),
                        Flag.raised_at >= em.activated_at, for_present_days),
    )


def date_reminder(now: datetime, today: str):
    """Moments with a reminder date reached, fewer flags for that date than reminders set for it."""
    date = _param("date")
    flags_for_date = (select(func.count(Flag.id)).where(_flag_with_prefix("date_reminder", date))
                      .correlate(Enrollment, FlagSubscription).scalar_subquery())
    same_date = FlagSubscription.__table__.alias("same_date")
    subs_for_date = (select(func.count(same_date.c.id)).where(
        same_date.c.type == "date_reminder", same_date.c.params["date"].as_string() == date,
        or_(same_date.c.enrollment_id == Enrollment.id,
            and_(same_date.c.enrollment_id.is_(None), same_date.c.user_id == Enrollment.clinician_id)),
    ).correlate(Enrollment, FlagSubscription).scalar_subquery())
    return _subs("date_reminder").where(
        date <= today,
        # a reminder set for today fires; one for an earlier day never does (they are refused)
        date >= func.substr(cast(FlagSubscription.created_at, String), 1, 10),
        Enrollment.started_at <= _at(now),
        flags_for_date < subs_for_date,
    )


def missed_activity():
    """Moments with an active plan that flags missed activities (the engine checks the schedule).

    A missed occurrence cannot be told from a registered one in SQL (the schedule is an rrule), so
    every such plan of a running moment is a candidate; there are few, and they end with the moment.
    """
    return select(ActivityPlan.enrollment_id).join(Enrollment, Enrollment.id == ActivityPlan.enrollment_id).where(
        ActivityPlan.flag_missed.is_(True), ActivityPlan.active.is_(True), Enrollment.status != "ended")


def flag_candidates(now: datetime, today: str, recommended_days: Mapping[str, int]) -> list:
    """Every prefilter for time-driven flags (select statements of enrollment ids)."""
    queries = [inactivity(now), module_deadline(now), date_reminder(now, today), missed_activity()]
    ending = ending_soon(now, recommended_days)
    return queries + ([ending] if ending is not None else [])


# --- patient reminders ----------------------------------------------------------------------------


def _reachable():
    """The patient has turned on a notice channel and has its address."""
    return or_(and_(Patient.notify_sms.is_(True), Patient.mobile.is_not(None), Patient.mobile != ""),
               and_(Patient.notify_email.is_(True), Patient.email.is_not(None), Patient.email != ""))


def _running():
    return (select(Enrollment.id).join(Patient, Patient.id == Enrollment.patient_id)
            .where(Enrollment.status == "active", _reachable()))


def _notice_with_prefix(prefix: str) -> ColumnElement:
    """Notices of the moment whose key starts with `patient:<enrollment id>:<prefix>`."""
    key = literal("patient:") + cast(Enrollment.id, String) + literal(f":{prefix}")
    return and_(Notice.enrollment_id == Enrollment.id, _starts_with(Notice.idempotency_key, key))


def reminder_after_start(now: datetime, program_id: str, reminder_id: str, days: int, module: str | None,
                         max_late: timedelta):
    """Moments `days` after their start (recently enough), never reminded of this reminder."""
    query = _running().where(
        Enrollment.program_id == program_id,
        plus_days(Enrollment.started_at, days) <= _at(now + SLACK),
        ~exists().where(_notice_with_prefix(cause_prefix(REMINDER, reminder_id))),
    )
    late = plus_days(Enrollment.started_at, days) >= _at(now - max_late - SLACK)
    if module is None:
        return query.where(late)
    em = EnrollmentModule
    return query.join(em, and_(em.enrollment_id == Enrollment.id, em.module_id == module)).where(
        em.status != "hidden", or_(late, em.activated_at >= _at(now - max_late - SLACK)))


def reminder_after_anchor(now: datetime, program_id: str, reminder_id: str, days: int, module: str | None):
    """Moments whose reminder timed from an answered date (`days` after it) may be due, never reminded of it.

    The answered date is not known here: never due before the start + `days` − 1 (the date is on or
    after the start day), and only once the moment's stored `next_anchored_reminder_at` (worked out by the
    tick from the state; NULL = not yet, so evaluated) has come.
    """
    scheduled = Enrollment.next_anchored_reminder_at
    return reminder_after_start(now, program_id, reminder_id, max(days - 1, 0), module, timedelta(days=36500)).where(
        or_(scheduled.is_(None), scheduled <= _at(now)))


def reminder_before_deadline(now: datetime, program_id: str, reminder_id: str, days_before: int, module: str,
                             max_late: timedelta):
    """Moments whose current module is `days_before` its deadline, not reminded since it opened or changed."""
    em = EnrollmentModule
    lead = em.days - days_before
    changed_after_notice = exists().where(
        Event.enrollment_id == Enrollment.id, Event.type == "days_changed", Event.module_id == module,
        Event.at > Notice.created_at).correlate(Enrollment, Notice)
    # due at 09:00 local on the day: between lead days − 16 h and lead days + 10 h after activation
    return _running().join(em, and_(em.enrollment_id == Enrollment.id, em.module_id == module)).where(
        Enrollment.program_id == program_id, em.state == "current", em.status != "hidden", em.days > 0,
        em.activated_at.is_not(None),
        plus_days(em.activated_at, lead) <= _at(now + timedelta(hours=16) + SLACK),
        or_(plus_days(em.activated_at, lead) >= _at(now - max_late - timedelta(hours=10) - SLACK),
            em.activated_at >= _at(now - max_late - SLACK)),
        ~exists().where(_notice_with_prefix(cause_prefix(REMINDER, reminder_id)), Notice.created_at >= em.activated_at,
                        ~changed_after_notice),
    )


def reminder_module_open(now: datetime, program_id: str, reminder_id: str, module: str, *,
                         days: int | None, sent_prefix: str):
    """Moments whose module is open to the patient (current, for a daily reminder: `days` None) or was
    opened at least `days` ago, with no notice under `sent_prefix` since it opened (the engine decides the rest:
    a daily reminder's prefix names today's occurrence)."""
    em = EnrollmentModule
    query = _running().join(em, and_(em.enrollment_id == Enrollment.id, em.module_id == module)).where(
        Enrollment.program_id == program_id, em.status != "hidden", em.activated_at.is_not(None),
        em.activated_at <= _at(now + SLACK),
        ~exists().where(_notice_with_prefix(sent_prefix), Notice.created_at >= em.activated_at),
    )
    if days is None:
        return query.where(em.state == "current")
    return query.where(plus_days(em.activated_at, days) <= _at(now + timedelta(days=1) + SLACK))


def activity_due(today_start: datetime, today_end: datetime):
    """Moments with an active plan running today (the engine finds today's due occurrences)."""
    return _running().join(ActivityPlan, ActivityPlan.enrollment_id == Enrollment.id).where(
        ActivityPlan.active.is_(True), ActivityPlan.start_date <= today_end.date(),
        or_(ActivityPlan.repeat_until.is_(None), ActivityPlan.repeat_until >= today_start.date()),
    )


def union_ids(session, queries: Iterable) -> list[int]:
    """Run the prefilters and return the distinct enrollment ids, ascending."""
    ids: set[int] = set()
    for query in queries:
        ids.update(session.execute(query).scalars())
    return sorted(ids)
