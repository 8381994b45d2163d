"""Follow-up outcomes by the Russell Standard, per moment in SQL: when each follow-up falls due, who answered,
7-day point prevalence and continuous abstinence (docs/statistics.md; West, Hajek, Stead & Stapleton,
Addiction 2005;100:299–303).

- The quit date is the **first** answered stop day (the earliest submitted answer to the follow-up batteries'
  anchor, `stoppdag/stoppdag`): a new stop day set after a relapse does not move it. Without a stop day the
  follow-ups are timed from the moment's start (UTC date), as the batteries themselves fall back to it.
- The N-month follow-up falls due the program's `days_after_anchor` of the battery that sends the form
  (90/180/365 days) after that date; it counts in the ITT denominator RESPONSE_WINDOW_DAYS later.
- Continuous abstinence at a follow-up: no tobacco or nicotine in the last 7 days, at most five uses since the
  stop day, no relapse (more than five uses) reported in any earlier follow-up, and no new stop day set
  after the quit date before the follow-up was answered. Several submissions of one follow-up count as
  abstinent only when every one of them says so.

Everything is set-based: two derived tables (the stop days and the follow-ups, each grouped per moment),
outer-joined on the moment by web.services.core.stat_facts.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, and_, case, cast, false, func, null, or_, select, true

from ...extensions import db
from ...models import Enrollment, FormResponse, StatRecord
from ...models.base import UTCDateTime
from ...content.programs import all_programs

#: follow-up month → form id (programs/tobakshjalpen.yaml, steg-5/6/7); the column names fu3_…, fu6_…, fu12_…
FOLLOW_UPS = {3: "uppfoljning-3m", 6: "uppfoljning-6m", 12: "uppfoljning-12m"}
#: days after a follow-up fell due before it counts in the ITT denominator (time to answer and be reminded)
RESPONSE_WINDOW_DAYS = 30
#: the follow-up questions (the same list in every follow-up form): yes_no, false = abstinent
LAST_7_DAYS = "tobak_7_dagar"
USED_SINCE_STOP = "anvant_sedan_stopp"
MORE_THAN_FIVE = "mer_an_fem_ganger"
#: the anchor when no program names one (Tobakshjälpen's 1.4 Min stoppdag)
DEFAULT_ANCHOR = ("stoppdag", "stoppdag")
#: the per-moment outcome columns of each follow-up; `due_on` ('YYYY-MM-DD') and `due_at_purge` say when a
#: purged moment's follow-up counts in the denominator, `quit_on` and `started_at` a live one's (see `due`)
OUTCOME_KINDS = ("due_on", "due_at_purge", "answered", "point", "continuous")
LIVE_ONLY = {"quit_on": String(10), "started_at": UTCDateTime()}
FOLLOW_UP_COLUMNS = (*LIVE_ONLY, *(f"fu{m}_{k}" for m in FOLLOW_UPS for k in OUTCOME_KINDS))


def follow_up_days() -> dict[int, dict[str, int]]:
    """months → {program id: days after the quit date}, from each program's battery that sends the form
    timed from an anchor (`auto_start: {anchor, days_after_anchor}`); a program without one has no such
    follow-up in the statistics."""
    out: dict[int, dict[str, int]] = {months: {} for months in FOLLOW_UPS}
    for program in all_programs().values():
        for months, form_id in FOLLOW_UPS.items():
            days = next((b.auto_start.days_after_anchor for b in program.batteries if form_id in b.forms
                         and b.auto_start and b.auto_start.days_after_anchor is not None), None)
            if days is not None:
                out[months][program.id] = days
    return out


def quit_anchor() -> tuple[str, str]:
    """(form, question) of the quit date: the anchor of the first follow-up battery that has one."""
    for program in all_programs().values():
        for battery in program.batteries:
            auto = battery.auto_start
            if auto and auto.anchor and set(battery.forms) & set(FOLLOW_UPS.values()):
                return auto.anchor.form, auto.anchor.question
    return DEFAULT_ANCHOR


def relapse_forms() -> tuple[str, ...]:
    """Every form asking the follow-up questions (also e.g. the Steg 4 follow-up): a relapse reported in any
    of them ends continuous abstinence at the follow-ups answered after it."""
    found = set(FOLLOW_UPS.values())
    for program in all_programs().values():
        found |= {f.id for f in program.forms.values() if any(q.id == MORE_THAN_FIVE for q in f.questions)}
    return tuple(sorted(found))


def day_of(column):
    """'YYYY-MM-DD' of a UTC timestamp column."""
    if db.engine.dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d", column)
    return func.to_char(column, "YYYY-MM-DD")


def last_due_day(today: date) -> date:
    """The last due day that counts in the denominator today: RESPONSE_WINDOW_DAYS ago."""
    return today - timedelta(days=RESPONSE_WINDOW_DAYS)


def due(facts, months: int, today: date):
    """The N-month follow-up counts in the ITT denominator: due at least the response window ago.

    A live moment: its quit date (else its start day) at most the follow-up's days before the last due day,
    compared with one constant per program (no date arithmetic per row). A purged one: it already counted
    when purged, or by the day kept for it.
    """
    last = last_due_day(today)
    live = []
    for program_id, days in follow_up_days()[months].items():
        latest = last - timedelta(days=days)  # the latest quit date (or start day) that is due
        next_midnight = datetime.combine(latest + timedelta(days=1), time(), UTC)
        live.append(and_(facts.c.program_id == program_id,
                         or_(facts.c.quit_on <= latest.isoformat(),
                             and_(facts.c.quit_on.is_(None), facts.c.started_at < next_midnight))))
    return or_(facts.c[f"fu{months}_due_at_purge"] == true(), facts.c[f"fu{months}_due_on"] <= last.isoformat(),
               *live)


def purged_column(name: str):
    """A FOLLOW_UP_COLUMNS column of the purged moments (StatRecord; NULL for the live-only ones)."""
    if name in LIVE_ONLY:
        return cast(null(), LIVE_ONLY[name]).label(name)
    return getattr(StatRecord, name).label(name)


def due_days(program_id: str, quit_on: str | None, started_at: datetime, today: date) -> dict[int, tuple]:
    """months → (counts in the denominator today, the day it falls due 'YYYY-MM-DD' or None) of a live
    moment, as `due` decides it: what gallring keeps for a purged moment."""
    try:
        anchor = date.fromisoformat(quit_on) if quit_on else started_at.astimezone(UTC).date()
    except ValueError:  # not a date: as if unanswered (the batteries fall back to the start too)
        anchor = started_at.astimezone(UTC).date()
    out = {}
    for months, days in follow_up_days().items():
        day = anchor + timedelta(days=days[program_id]) if program_id in days else None
        out[months] = (day is not None and day <= last_due_day(today), day.isoformat() if day else None)
    return out


def _answer(question: str, value):
    return FormResponse.answers[question].as_boolean() == value


def _stop_days(enrollment_ids=None):
    """Per moment with an answered stop day: `quit_on` (the first one submitted, by time then id) and
    `new_attempt_at` (the first submission after the quit date with a later stop day: a new quit attempt)."""
    form, question = quit_anchor()
    answer = FormResponse.answers[question].as_string()
    ranked = (select(FormResponse.enrollment_id, answer.label("stop_day"), FormResponse.submitted_at,
                     day_of(FormResponse.submitted_at).label("submitted_on"),
                     func.first_value(answer).over(partition_by=FormResponse.enrollment_id,
                                                   order_by=(FormResponse.submitted_at, FormResponse.id))
                     .label("quit_on"))
              .where(FormResponse.form_id == form, FormResponse.status == "submitted", answer.is_not(None),
                     answer != ""))
    if enrollment_ids is not None:
        ranked = ranked.where(FormResponse.enrollment_id.in_(enrollment_ids))
    ranked = ranked.subquery("stop_days_ranked")
    new_attempt = and_(ranked.c.submitted_on > ranked.c.quit_on, ranked.c.stop_day > ranked.c.quit_on)
    return (select(ranked.c.enrollment_id, func.max(ranked.c.quit_on).label("quit_on"),
                   func.min(case((new_attempt, ranked.c.submitted_at), else_=null())).label("new_attempt_at"))
            .group_by(ranked.c.enrollment_id).subquery("stop_days"))


def _follow_ups(enrollment_ids=None):
    """Per moment with a submitted follow-up form: per follow-up N `last{N}` (newest submission), `point{N}`
    and `claim{N}` (MIN over its submissions: every one abstinent 7 days / and at most five times since the
    stop day), and `relapse_at` (the first submission of any follow-up form reporting more than five)."""
    point = _answer(LAST_7_DAYS, false())
    claim = and_(point, or_(_answer(USED_SINCE_STOP, false()), _answer(MORE_THAN_FIVE, false())))
    columns = [func.min(case((_answer(MORE_THAN_FIVE, true()), FormResponse.submitted_at), else_=null()))
               .label("relapse_at")]
    for months, form_id in FOLLOW_UPS.items():
        this_form = FormResponse.form_id == form_id
        # the answers are only read inside the CASE branch of their own form; NULL for other forms
        columns += [func.max(case((this_form, FormResponse.submitted_at), else_=null())).label(f"last{months}"),
                    func.min(case((this_form, case((point, 1), else_=0)), else_=null())).label(f"point{months}"),
                    func.min(case((this_form, case((claim, 1), else_=0)), else_=null())).label(f"claim{months}")]
    query = (select(FormResponse.enrollment_id, *columns)
             .where(FormResponse.status == "submitted", FormResponse.form_id.in_(relapse_forms()))
             .group_by(FormResponse.enrollment_id))
    if enrollment_ids is not None:
        query = query.where(FormResponse.enrollment_id.in_(enrollment_ids))
    return query.subquery("follow_ups")


def _not_before(event, answered):
    """Nothing happened (NULL) or it happened no earlier than the follow-up's newest answer."""
    return or_(event.is_(None), event >= answered)


def outcome_columns(source, enrollment_ids=None):
    """(source outer-joined with the stop days and follow-ups, {column name: expression}) for
    FOLLOW_UP_COLUMNS of the moments in `source` (Enrollment joined with others)."""
    stops, answers = _stop_days(enrollment_ids), _follow_ups(enrollment_ids)
    source = (source.outerjoin(stops, stops.c.enrollment_id == Enrollment.id)
              .outerjoin(answers, answers.c.enrollment_id == Enrollment.id))
    found = {"quit_on": stops.c.quit_on, "started_at": Enrollment.started_at}
    for months in FOLLOW_UPS:
        last = answers.c[f"last{months}"]
        continuous = and_(answers.c[f"claim{months}"] == 1, _not_before(answers.c.relapse_at, last),
                          _not_before(stops.c.new_attempt_at, last))
        found.update({f"fu{months}_due_on": cast(null(), String(10)), f"fu{months}_due_at_purge": false(),
                      f"fu{months}_answered": case((last.is_not(None), true()), else_=false()),
                      f"fu{months}_point": case((answers.c[f"point{months}"] == 1, true()), else_=false()),
                      f"fu{months}_continuous": case((continuous, true()), else_=false())})
    return source, found
