"""The tick's three passes, a chunk of moments at a time, writing what the unit of work would write.

`tick.evaluate` finds the candidates; the passes here raise their time-driven flags, start their due
self-starting batteries and queue their patient reminders. Per chunk they read each kind of row once
(web.services.core.moment_batch), ask the engine about each moment exactly as the one-by-one functions
do (`unit.raise_due`, `batteries.start_due_batteries`, `tick.queue_patient_reminders`, which share their
helpers with these), and write the chunk's moment updates, events, flags and notices with one statement
per table, in the order the one-by-one functions would have added them: per moment its events, then
the flags they cause, then those flags' notices.

A moment whose evaluation fails is reported and nothing of it is written, as with a savepoint per
moment. If writing a chunk fails, the chunk's savepoint is rolled back and its moments are done again
one at a time by the one-by-one functions (a savepoint each), so one bad moment cannot block the
rest. A battery start that would change more than the moment's batteries (no engine action does
today) is left to the unit of work the same way.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import bindparam, text, update

from engine.moment import flags as engine_flags
from engine.moment.batteries import due_batteries, start_battery
from engine.moment.flag_reads import EventsRead, events_read, union
from engine.moment.flags import FLAG_CAUSES
from engine.moment.reminders import due_activities, due_reminders
from engine.moment.schedule import ActivityPlan as EnginePlan
from engine.moment.state import SYSTEM, Event as EngineEvent, MomentState

from ...extensions import db
from ...models import Enrollment, Event, Flag
from ..core import moment_batch
from ..core.flags import DueFlag, flags_to_raise, inactivity_schedule
from ..core.moment_batch import Cache, Moment
from ..core.notice_batch import NoticeBatch
from ..core.notices import enabled_channels
from ..core.rows import battery_schedule, event_columns, reminder_schedule
from ..core.unit import run_action
from .seed_rows import insert_rows

log = logging.getLogger("stegvis.tick")
#: moments read and written together
CHUNK = 500
#: the moment columns the passes write (rows of _Writes.moments: "eid" and some of these)
MOMENT_COLUMNS = ("next_battery_at", "batteries", "next_anchored_reminder_at", "next_inactivity_at")

#: report an error of one moment: (moment id, the exception)
Note = Callable[[int, BaseException], None]
#: the one-by-one function for one moment in its own savepoint: moment id → what it counts
OneByOne = Callable[[int], int]


@dataclass
class _Writes:
    """A chunk's rows, in the order the unit of work would have added them."""

    moments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    #: moments evaluated without error (done again one by one if the chunk cannot be written)
    done: list[int] = field(default_factory=list)
    #: moments left to the unit of work
    one_by_one: list[int] = field(default_factory=list)
    counted: int = 0

    def event(self, enrollment_id: int, event: EngineEvent) -> None:
        self.events.append({"enrollment_id": enrollment_id, "form_response_id": None, "message_id": None,
                            **event_columns(event)})

    def write(self, notices: NoticeBatch) -> int:
        """Write the rows and the notices asked for meanwhile; how many notices were new."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in self.moments:
            groups.setdefault(tuple(c for c in MOMENT_COLUMNS if c in row), []).append(row)
        for columns, rows in groups.items():
            _update_moments(columns, rows)
        insert_rows(Event, self.events)
        insert_rows(Flag, self.flags)
        return notices.write()


def _update_moments(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Set these columns of the moments (rows: {"eid": id, column: value}); one statement per chunk."""
    if not rows:
        return
    table = Enrollment.__table__
    if not moment_batch.postgresql():
        db.session.execute(update(table).where(table.c.id == bindparam("eid"))
                           .values({c: bindparam(c) for c in columns}), rows)
        return
    # PostgreSQL: the new values as arrays, unnested and joined (executemany would be a statement a moment);
    # ids and times as array literals, one string each (the driver would dump a list element by element)
    values: dict[str, Any] = {"eid": moment_batch.int_array(r["eid"] for r in rows)}
    kinds = {"eid": "integer", "next_battery_at": "timestamp", "next_anchored_reminder_at": "timestamp",
             "next_inactivity_at": "timestamp", "batteries": "text"}
    for c in columns:
        if c == "batteries":
            values[c] = [json.dumps(r[c]) for r in rows]
        else:
            values[c] = _time_array(r[c] for r in rows)
    sets = ", ".join(f"{c} = CAST(v.{c} AS json)" if c == "batteries" else f"{c} = v.{c}" for c in columns)
    arrays = ", ".join(f"CAST(:{c} AS {kinds[c]}[])" for c in values)
    db.session.execute(text(f"UPDATE enrollment SET {sets} FROM unnest({arrays}) AS v({', '.join(values)}) "
                            "WHERE enrollment.id = v.eid"), values)


def _time_array(times: Iterable[datetime | None]) -> str:
    """Aware times as a PostgreSQL timestamp[] literal of their naive UTC values (as the column stores them)."""
    return "{" + ",".join("NULL" if t is None else f'"{t.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")}"'
                          for t in times) + "}"


class Passes:
    """The tick's passes over many moments, sharing what stays the same for the whole tick."""

    def __init__(self, now: datetime, note: Note):
        """The passes of the tick at `now`; `note` reports a moment that could not be evaluated."""
        self.now, self.note = now, note
        self.cache = Cache()
        self.notices = NoticeBatch(now)

    def _run(self, ids: Sequence[int], evaluate: Callable[[list[int], _Writes], None], one_by_one: OneByOne,
             count_notices: bool = False) -> int:
        """Evaluate and write `ids` a chunk at a time; what the pass counts (flags, batteries, notices)."""
        total = 0
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start:start + CHUNK])
            db.session.flush()
            writes = _Writes()
            with moment_batch.by_index():  # the chunk's reads
                evaluate(chunk, writes)
            try:
                with db.session.begin_nested():
                    new_notices = writes.write(self.notices)
            except Exception:  # e.g. a flag an action raised meanwhile: do this chunk one moment at a time
                log.exception("tick: writing %d moments failed; evaluating them one by one", len(writes.done))
                self.notices.discard()
                total += self._one_by_one(writes.done + writes.one_by_one, one_by_one)
                continue
            total += new_notices if count_notices else writes.counted
            total += self._one_by_one(writes.one_by_one, one_by_one)
        return total

    def _one_by_one(self, ids: Iterable[int], one_by_one: OneByOne) -> int:
        ids = list(ids)
        if not ids:
            return 0
        self.notices.discard()  # the unit of work reads and writes notices itself
        db.session.expire_all()  # rows written by the chunks may be in the session from before
        total = sum(one_by_one(eid) for eid in ids)
        db.session.flush()
        return total

    def _loaded(self, chunk: list[int], modules: bool = True) -> list[Moment]:
        """The chunk's moments; the ones that cannot be built are reported."""
        moments, broken = moment_batch.load(chunk, self.cache, modules=modules)
        for eid in chunk:
            if eid in broken:
                self.note(eid, broken[eid][1])
        return moments

    def _notify(self, moment: Moment, raised: Iterable[tuple[DueFlag, datetime]]) -> None:
        """notify_staff_flag for each flag and recipient, as of when the flag was raised."""
        for due, now in raised:
            for user in due.recipients:
                if not (due.flag.urgent and user.id == moment.clinician_id):  # told below, at once
                    self.notices.staff_flag(user, moment.id, due.flag.cause, now)
            if due.flag.urgent:
                self.notices.staff_urgent(self.cache.users[moment.clinician_id], moment.id, due.flag.cause)

    def _clinician(self, moment: Moment) -> Callable[[], Any]:
        return lambda: self.cache.users[moment.clinician_id]

    def _events(self, moments: Sequence[Moment], subs: dict[int, list], event_driven_only: bool,
                plans: dict[int, list[EnginePlan]] | None = None) -> dict[int, list[EngineEvent]]:
        """Each moment's stored events as far as its flag rules (and plans) read them (`events_read`: given
        those and its Flag rows' causes as raised, as `flags_to_raise` hands them, `due_flags` raises the same
        flags as from all its events, most of which are step views and flag_raised events);
        all of them where that is not declared. Read for the chunk at once: what one moment's rules read is
        more than another's need, which changes nothing (EventsRead.needed of it is the same), and the patient's
        actions are kept as the most careful of the moments' reads asks (flag_reads.union)."""
        read: dict[int, EventsRead | None] = {}
        for m in moments:
            try:
                rules = self.cache.rules_of(m.program, subs[m.id], event_driven_only)
                read[m.id] = events_read(rules.rules, plans=(plans or {}).get(m.id, ()), raised_given=True)
            except Exception:  # noqa: BLE001 - all its events; the error is reported where the rules are used
                read[m.id] = None
        every = [eid for eid, what in read.items() if what is None]
        some = {eid: what for eid, what in read.items() if what is not None}
        return {**moment_batch.events(every), **moment_batch.events(list(some), union(some.values()))}

    # --- flags (as unit.raise_due) -----------------------------------------------------------------

    def raise_flags(self, ids: Sequence[int], one_by_one: OneByOne) -> int:
        """Raise the due flags of the moments and queue their notices; how many flags."""
        return self._run(ids, self._flags, one_by_one)

    def _flags(self, chunk: list[int], writes: _Writes) -> None:
        moments = self._loaded(chunk)
        ids = [m.id for m in moments]
        subs, plans, causes = (moment_batch.subscriptions(moments, self.cache), moment_batch.plans(ids),
                               moment_batch.flag_causes(ids))
        events = self._events(moments, subs, False, plans)
        for m in moments:
            try:
                rules = self.cache.rules_of(m.program, subs[m.id], False)
                raised = flags_to_raise(m.program, m.state, events.get(m.id, []), rules, plans.get(m.id, []),
                                        causes.get(m.id, set()), self.now, self._clinician(m))
                inactive_at = inactivity_schedule(m.program, m.state, events.get(m.id, []), rules,
                                                  causes.get(m.id, set()), raised, self.now)
            except Exception as exc:  # one bad moment must not stop the tick
                self.note(m.id, exc)
                continue
            if inactive_at != m.row.next_inactivity_at:
                writes.moments.append({"eid": m.id, "next_inactivity_at": inactive_at})
            for due in raised:
                writes.flags.append(due.row(m.id))
                writes.event(m.id, engine_flags.flag_event(due.flag))
            self._notify(m, [(due, self.now) for due in raised])
            writes.done.append(m.id)
            writes.counted += len(raised)

    # --- self-starting batteries (as batteries.start_due_batteries) ---------------------------------

    def start_batteries(self, ids: Sequence[int], one_by_one: OneByOne) -> int:
        """Start the moments' due self-starting batteries (their flags and notices too); how many started."""
        return self._run(ids, self._batteries, one_by_one)

    def _batteries(self, chunk: list[int], writes: _Writes) -> None:
        # read again, not taken from the flag pass (a clinician may have started a battery meanwhile), but
        # without modules: due_batteries, start_battery, the event-driven flag rules and battery_schedule
        # read neither modules nor steps (tests/engine/test_tick_reads.py)
        moments = self._loaded(chunk, modules=False)
        due = {}
        for m in moments:
            try:
                due[m.id] = due_batteries(m.program, m.state, self.now)
            except Exception as exc:
                self.note(m.id, exc)
        starting = [m for m in moments if due.get(m.id)]
        ids = [m.id for m in starting]
        subs, causes = moment_batch.subscriptions(starting, self.cache), moment_batch.flag_causes(ids)
        events = self._events(starting, subs, True)  # a start raises only event-driven flags (_Started.start)
        for m in moments:
            if m.id not in due:
                continue
            try:
                started = _Started(self, m, events.get(m.id, []), causes.get(m.id, set()), subs.get(m.id, []))
                for item in due[m.id]:
                    started.start(item.battery.id, max(item.at, m.row.started_at))
            except _UnitOfWork:
                writes.one_by_one.append(m.id)
                continue
            except Exception as exc:
                self.note(m.id, exc)
                continue
            batteries, next_at = sorted(started.state.batteries), battery_schedule(m.program, started.state)
            change: dict[str, Any] = {"eid": m.id, "next_battery_at": next_at}
            if batteries != sorted(m.row.batteries or ()):
                change["batteries"] = batteries
            if due[m.id] and m.row.next_anchored_reminder_at is not None:
                change["next_anchored_reminder_at"] = None  # as write_state: worked out again by the reminder pass
            if len(change) > 2 or next_at != m.row.next_battery_at:
                writes.moments.append(change)
            for event in started.events:
                writes.event(m.id, event)
            writes.flags.extend(due.row(m.id) for due, _ in started.raised)
            self._notify(m, started.raised)
            writes.done.append(m.id)
            writes.counted += len(due[m.id])

    # --- patient reminders (as tick.queue_patient_reminders) ----------------------------------------

    def queue_reminders(self, ids: Sequence[int], one_by_one: OneByOne) -> int:
        """Queue the moments' due reminders and activity reminders; how many notices."""
        return self._run(ids, self._reminders, one_by_one, count_notices=True)

    def _reminders(self, chunk: list[int], writes: _Writes) -> None:
        loaded, broken = moment_batch.load(chunk, self.cache)
        patients = moment_batch.patients([m.row.patient_id for m in loaded] + [r.patient_id for r, _ in broken.values()])

        def channels(row: Any) -> list[str]:  # a patient without channels is skipped before anything else
            return enabled_channels(patients[row.patient_id]) if row.patient_id in patients else []

        for eid in chunk:
            if eid in broken and channels(broken[eid][0]):
                self.note(eid, broken[eid][1])
        for m in loaded:  # those with channels below, with their reminders
            if not channels(m.row):
                try:
                    self._schedule(m, writes)
                except Exception:  # noqa: BLE001 - as tick._schedule_quietly
                    continue
                writes.done.append(m.id)
        moments = [m for m in loaded if channels(m.row)]
        plans = moment_batch.plans([m.id for m in moments])
        events = moment_batch.events([m.id for m in moments if any(p.active for p in plans.get(m.id, []))])
        for m in moments:
            try:
                reminders = due_reminders(m.program, m.state, self.now)
                scheduled = reminder_schedule(m.program, m.state, self.now, sent=reminders)  # queued below
                due = [("reminder", d.key) for d in reminders]
                if any(p.active for p in plans.get(m.id, [])):
                    due += [("activity_due", d.key) for d in due_activities(m.state, plans[m.id],
                                                                            events.get(m.id, []), self.now)]
            except Exception as exc:
                self.note(m.id, exc)
                continue
            if scheduled != m.row.next_anchored_reminder_at:
                writes.moments.append({"eid": m.id, "next_anchored_reminder_at": scheduled})
            patient = patients[m.row.patient_id]
            for template, key in due:
                for channel in channels(m.row):
                    self.notices.patient(patient.id, patient.mobile if channel == "sms" else patient.email,
                                         channel=channel, template=template,
                                         key=f"patient:{m.id}:{key}:{channel}", enrollment_id=m.id)
            writes.done.append(m.id)

    def _schedule(self, m: Moment, writes: _Writes) -> None:
        """Store when the moment's next anchored reminder can be due, if that changed (tick.queue_patient_reminders)."""
        scheduled = reminder_schedule(m.program, m.state, self.now)
        if scheduled != m.row.next_anchored_reminder_at:
            writes.moments.append({"eid": m.id, "next_anchored_reminder_at": scheduled})


def only_batteries_changed(before: MomentState, after: MomentState) -> bool:
    """Whether `after` equals `before` but for its batteries (`replace(after, batteries=…) == before`, without
    building a state: the field values compared by name, as the dataclass's == compares them in order)."""
    return {**vars(before), "batteries": None} == {**vars(after), "batteries": None}


class _UnitOfWork(Exception):
    """A battery start that changes more than the batteries: left to `start_due_batteries`."""


class _Started:
    """One moment's battery starts, as `apply(start_battery)` then `raise_due(event_driven_only=True)` each."""

    def __init__(self, passes: Passes, moment: Moment, events: list[EngineEvent], causes: set[str], subs: list):
        self.passes, self.moment = passes, moment
        self.state = moment.state
        # as the chunk read them back (by time, then as written; no flag_raised events: `existing` has their causes)
        self.stored = list(events)
        self.existing = set(causes)
        self.subs = subs
        self.events: list[EngineEvent] = []
        #: each flag with the time it was raised as of (the battery's start, as `apply` passes it on)
        self.raised: list[tuple[DueFlag, datetime]] = []

    def start(self, battery_id: str, at: datetime) -> None:
        """`apply(start_battery, now=at)`: the start, then the flags it causes as of `at`."""
        m = self.moment
        transition = run_action(m.program, self.state, start_battery, battery_id, now=at, actor=SYSTEM)
        if not only_batteries_changed(self.state, transition.state):
            raise _UnitOfWork(m.id)
        self.state = transition.state
        self._record(transition.events)
        if not any(e.type in FLAG_CAUSES for e in transition.events):
            return
        rules = self.passes.cache.rules_of(m.program, self.subs, True)
        raised = flags_to_raise(m.program, self.state, self.stored, rules, [], self.existing, at,
                                self.passes._clinician(m))
        self.events.extend(engine_flags.flag_event(due.flag) for due in raised)  # written, not read back:
        self.existing.update(due.flag.cause for due in raised)  # their causes are what the next start needs
        self.raised.extend((due, at) for due in raised)

    def _record(self, events: Iterable[EngineEvent]) -> None:
        """Events to write that the next start reads too."""
        new = list(events)
        self.events.extend(new)
        self.stored = sorted(self.stored + new, key=attrgetter("at"))  # stable: ties keep their order
