"""The tick: raise time-based flags, queue patient reminders, deliver due notices — one pass.

`stegvis tick` runs one pass (for cron); `stegvis worker` runs it every poll interval.

1. Set-based SQL (`web.notify.candidates`) picks only the moments where a time-based rule can
   fire now: inactivity, module deadline, moment ending soon, date reminders, missed activities,
   and the program's authored patient reminders and today's activities.
2. For each candidate the engine decides (`engine.moment.flags.due_flags`, `due_batteries`,
   `engine.moment.reminders.due_reminders` / `due_activities`), in three passes: time-driven flags,
   self-starting batteries, patient reminders. The passes (web.services.operations.tick_batch) read
   and write a chunk of moments at a time and write exactly what the unit of work per moment
   (`raise_due`, `start_due_batteries`, `queue_patient_reminders`) writes; a moment that cannot be
   evaluated is reported and skipped, and a chunk that cannot be written is done again one moment
   at a time, each in a savepoint, so one broken moment cannot block the rest. All in one
   transaction that holds the tick lock.
3. Due notices are delivered (`web.notify.delivery`), one transaction per notice.

Idempotent: every flag has a unique cause and every notice a unique key, and the prefilters drop
a moment once its cause is recorded, so a second tick at the same time raises and sends nothing.
Several workers on PostgreSQL: only one evaluates at a time (a transaction-level advisory lock;
the others skip evaluation and only deliver); delivery itself is safe in parallel.
"""
from __future__ import annotations

import gc
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterator

from flask import current_app
from sqlalchemy import text

from engine.errors import EngineError
from engine.text import plural
from engine.localtime import at_local, local_date, to_local
from engine.model import Program
from engine.moment.flags import cause_prefix
from engine.moment.reminders import MAX_LATE, REMINDER, due_activities, due_reminders

from ... import clock
from ...auth.core import sessions
from ...extensions import db
from ...ops.metrics import FLAGS_RAISED, TICK_DURATION, count_notices
from ...models import Enrollment, Patient
from ...notify import candidates
from ...notify.delivery import DeliveryReport, deliver_due
from ...notify.transports import Transports
from ...content.programs import all_programs
from ..core.bulk import without_jit
from ..core.rows import engine_plans
from ..core.rows import build_state, program_for, program_version, reminder_schedule
from ..errors import ServiceError
from ..core.rows import engine_events
from ..core.unit import raise_due
from ..core.notices import enabled_channels, queue_notice
from .batteries import auto_battery_candidates, start_due_batteries
from .escalation import escalate_unhandled_urgent
from .tick_batch import Passes

log = logging.getLogger("stegvis.tick")
#: pg_try_advisory_xact_lock key: one tick evaluates at a time ("Steg" in ASCII)
TICK_LOCK_KEY = 0x53746567


@dataclass
class TickReport:
    """What one tick did."""

    #: False when another worker held the tick lock (this one only delivered)
    evaluated: bool = True
    #: moments the prefilters selected for flags / reminders
    flag_candidates: int = 0
    reminder_candidates: int = 0
    flags: int = 0
    reminders: int = 0
    #: mätbatterier that started themselves (auto_start)
    batteries: int = 0
    #: urgent flags left unhandled that Behörighetsadmin was told about
    escalated: int = 0
    #: "moment 12: message" for each moment that could not be evaluated (the rest went on)
    errors: list[str] = field(default_factory=list)
    delivery: DeliveryReport | None = None

    def summary(self) -> str:
        """One Swedish line for the command line and the worker log."""
        parts = [plural(self.flags, "flagga", "flaggor"), f"{plural(self.reminders, 'påminnelse', 'påminnelser')} köade"]
        if self.batteries:
            parts.append(f"{plural(self.batteries, 'mätbatteri', 'mätbatterier')} startade")
        if self.escalated:
            parts.append(f"{plural(self.escalated, 'ohanterad brådskande flagga', 'ohanterade brådskande flaggor')} "
                         "till Behörighetsadmin")
        if not self.evaluated:
            parts = ["utvärdering hoppades över (en annan worker utvärderar)"]
        if self.delivery is not None:
            d = self.delivery
            parts.append(f"{d.sent} skickade, {d.retried} försöks igen, {d.failed} misslyckade, "
                         f"{d.postponed} väntar på tyst tid")
        if self.errors:
            parts.append(f"{len(self.errors)} moment kunde inte utvärderas")
        return ", ".join(parts)

    @property
    def changed(self) -> bool:
        """Whether anything was raised, queued, delivered or failed."""
        return bool(self.flags or self.reminders or self.escalated or self.errors
                    or (self.delivery and self.delivery.handled))


def run_tick(now: datetime, *, deliver: bool = True, transports: Transports | None = None) -> TickReport:
    """One pass: evaluate time-based rules at `now`, then deliver the notices due at `now`."""
    with TICK_DURATION.time():
        report = evaluate(now)
        FLAGS_RAISED.inc(report.flags)
        # sessions by the wall clock, never the simulated `now`: `stegvis tick --now <future>` must not end
        # every live session as "older than 12 hours"
        sessions.purge(clock.now(), current_app.config["SESSION_ABSOLUTE_HOURS"])
        if deliver:
            report.delivery = deliver_due(now, transports=transports)
            count_notices(report.delivery)
    return report


def evaluate(now: datetime) -> TickReport:
    """Raise due time-based flags and queue due patient reminders, in one committed transaction."""
    report = TickReport()
    try:
        if not _take_tick_lock():
            report.evaluated = False
            db.session.rollback()
            return report
        with collector_paused():
            _passes(report, now)
        report.escalated += escalate_unhandled_urgent(now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if report.flags or report.reminders or report.batteries or report.escalated:
        log.info("tick %s: %s", now.isoformat(), report.summary())
    return report


def _passes(report: TickReport, now: datetime) -> None:
    """The candidates and the three passes over them (web.services.operations.tick_batch)."""
    passes = Passes(now, lambda eid, exc: _note(report, eid, exc))
    flag_ids = candidates.union_ids(db.session, candidates.flag_candidates(
        now, local_date(now).isoformat(),
        {pid: p.recommended_days for pid, p in all_programs().items()}))
    report.flag_candidates = len(flag_ids)
    report.flags += passes.raise_flags(flag_ids, lambda eid: _guarded(
        report, eid, lambda e: len(raise_due(e, now))))
    report.batteries += passes.start_batteries(auto_battery_candidates(now), lambda eid: _guarded(
        report, eid, lambda e: start_due_batteries(e, now)))
    reminder_ids = candidates.union_ids(db.session, reminder_queries(now))
    report.reminder_candidates = len(reminder_ids)
    report.reminders += passes.queue_reminders(reminder_ids, lambda eid: _guarded(
        report, eid, lambda e: len(queue_patient_reminders(e, now))))


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the passes, and back as it was after them.

    The passes allocate millions of short-lived objects (rows, states, events) and keep few: the collector
    ran thousands of times during a first tick, its full collections over the whole heap ~1.3 s of 8 s CPU
    (20 000 moments), and freed next to nothing (the process's peak memory 167 MB with it, 168 MB
    without). Reference counting still frees everything else at once; cycles wait until after the tick.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _take_tick_lock() -> bool:
    """PostgreSQL: the transaction-level tick lock (False if another worker holds it). SQLite: True.

    With the lock, JIT compilation is turned off for the tick's transaction: the prefilters are
    estimated as expensive (a subplan per moment) but run in milliseconds, and compiling them took
    longer than running them.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    if not db.session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": TICK_LOCK_KEY}).scalar():
        return False
    without_jit()
    return True


def _guarded(report: TickReport, enrollment_id: int, work: Callable[[Enrollment], int]) -> int:
    """Run `work` for one moment in a savepoint; on error roll that moment back, note it and go on.

    The one-by-one way (the unit of work per moment): used when a chunk of the batch passes
    (web.services.operations.tick_batch) cannot be written.
    """
    try:
        with db.session.begin_nested():
            enrollment = db.session.get(Enrollment, enrollment_id)
            return work(enrollment) if enrollment is not None else 0
    except Exception as exc:  # one bad moment (e.g. its program was removed) must not stop the tick
        _note(report, enrollment_id, exc)
        return 0


def _note(report: TickReport, enrollment_id: int, exc: BaseException) -> None:
    log.error("tick: moment %s could not be evaluated", enrollment_id, exc_info=exc)
    report.errors.append(f"moment {enrollment_id}: {exc}")


# --- patient reminders ----------------------------------------------------------------------------


def running_programs() -> list[Program]:
    """Every program version a running moment is pinned to (installed or snapshot), each loaded once."""
    pairs = db.session.execute(
        db.select(Enrollment.program_id, Enrollment.program_digest).where(Enrollment.status == "active")
        .distinct().order_by(Enrollment.program_id, Enrollment.program_digest)
    ).all()
    found: dict[str, Program] = {}
    for program_id, digest in pairs:
        try:
            program = program_version(program_id, digest)
        except (ServiceError, EngineError):
            # the moments themselves report the error when evaluated; keep prefiltering by what is installed
            log.exception("tick: program %s (%s) could not be loaded", program_id, (digest or "")[:12])
            program = all_programs().get(program_id)
            if program is None:
                continue
        found.setdefault(program.digest, program)
    return list(found.values())


def reminder_queries(now: datetime, max_late: timedelta = MAX_LATE) -> list:
    """Prefilters for the authored reminders of every program version in use, and for today's activities.

    A moment pinned to an older version may have reminders the installed program no longer has, so
    the reminders come from each version in use; the same reminder in several versions is queried once.
    """
    queries = []
    seen: set[tuple] = set()
    for program in running_programs():
        for r in program.reminders:
            what = (program.id, r.id, r.days_after_start, r.days_before_deadline, r.module, r.days_after_anchor,
                    r.every, r.at, r.days_after_activation)
            if what in seen:
                continue
            seen.add(what)
            if r.days_after_start is not None:
                queries.append(candidates.reminder_after_start(
                    now, program.id, r.id, r.days_after_start, r.module, max_late))
            elif r.days_before_deadline is not None and r.module:
                queries.append(candidates.reminder_before_deadline(
                    now, program.id, r.id, r.days_before_deadline, r.module, max_late))
            elif r.every is not None and r.module and r.at is not None:
                day = local_date(now) - timedelta(days=1 if to_local(now).time() < r.at else 0)
                queries.append(candidates.reminder_module_open(
                    now, program.id, r.id, r.module, days=None, sent_prefix=cause_prefix(REMINDER, r.id, day)))
            elif r.days_after_activation is not None and r.module:
                queries.append(candidates.reminder_module_open(
                    now, program.id, r.id, r.module, days=r.days_after_activation,
                    sent_prefix=cause_prefix(REMINDER, r.id)))
            elif r.days_after_anchor is not None:
                # timed from an answered date on or after the start day (engine.moment.anchors): the moments
                # whose stored next_anchored_reminder_at has come (or is not worked out yet); the engine decides
                queries.append(candidates.reminder_after_anchor(now, program.id, r.id, r.days_after_anchor, r.module))
    day = local_date(now)
    queries.append(candidates.activity_due(at_local(day), at_local(day + timedelta(days=1))))
    return queries


def reminder_channels(patient: Patient) -> list[str]:
    """The channels the patient turned on in Inställningar and has an address for (no fallback)."""
    return enabled_channels(patient)


def queue_patient_reminders(enrollment: Enrollment, now: datetime) -> list:
    """Queue the authored reminders and activity reminders due for one moment (caller's transaction)."""
    channels = reminder_channels(enrollment.patient)
    if not channels:
        _schedule_quietly(enrollment, now)
        return []
    program = program_for(enrollment)
    state = build_state(enrollment)
    reminders = due_reminders(program, state, now)
    enrollment.next_anchored_reminder_at = reminder_schedule(program, state, now, sent=reminders)  # queued below
    due = [("reminder", d.key) for d in reminders]
    plans = engine_plans(enrollment)
    if any(p.active for p in plans):
        due += [("activity_due", d.key) for d in due_activities(state, plans, engine_events(enrollment), now)]
    queued = []
    for template, key in due:
        for channel in channels:
            notice = queue_notice(channel=channel, recipient=enrollment.patient, template=template,
                                  key=f"patient:{enrollment.id}:{key}:{channel}", now=now, enrollment=enrollment)
            if notice is not None:
                queued.append(notice)
    db.session.flush()
    return queued


def _schedule_quietly(enrollment: Enrollment, now: datetime) -> None:
    """Work out next_anchored_reminder_at of a moment without channels; one that cannot be built keeps its
    value and is not reported (it has nothing to send: it is reported once it has a channel)."""
    try:
        with db.session.begin_nested():
            enrollment.next_anchored_reminder_at = reminder_schedule(program_for(enrollment), build_state(enrollment),
                                                                     now)
    except Exception:  # noqa: BLE001 - as the batch pass (moment_batch.load) leaves a broken moment out
        return
