"""Many moments at once (the tick): their states, and what the flag rules read, in a few queries per chunk.

The per-moment functions (`rows.build_state`, `rows.engine_events`, `flags.raise_flags`) read one moment
through the ORM, a handful of statements each. These read a chunk of moments with one Core select per
kind of row and build the same engine values with the same helpers (`rows.state_of`,
`rows.event_of`, `rows.complete_plans`), without an ORM object per moment, module or event, and leave out
what no decision of the tick reads (the step progress; see `load`).
"""
from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import (ARRAY, BigInteger, CompoundSelect, Select, Text, any_, bindparam, case, cast, extract, func,
                        not_, null, or_, select, text, union_all)

from engine.model import Program, frozen_map
from engine.moment.flag_reads import EventsRead
from engine.moment.schedule import ActivityPlan as EnginePlan
from engine.moment.state import Actor, Event as EngineEvent, ModuleState, MomentState

from ...extensions import db
from ...models import (ActivityPlan, CareUnit, Enrollment, EnrollmentModule, Event, Flag, FlagSubscription,
                       FormResponse, Patient, User)
from .flags import Rules, rules_for
from .rows import (anchor_forms, complete_plans, event_of, program_version, state_of,
                   submitted_forms_query)


@dataclass
class Moment:
    """One moment of a chunk: its row, program and state."""

    id: int
    row: Any
    program: Program
    state: MomentState

    @property
    def clinician_id(self) -> int:
        return self.row.clinician_id


@dataclass
class Cache:
    """What stays the same for a whole tick: programs, staff, unit names, parsed subscriptions."""

    programs: dict[tuple[str, str], Program] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)
    rules: dict[tuple, Rules] = field(default_factory=dict)
    rules_by_list: dict[tuple, tuple[Sequence[FlagSubscription], Rules]] = field(default_factory=dict)
    #: one ModuleState per distinct module row: most moments' upcoming modules are alike (frozen, so shared)
    modules: dict[tuple, ModuleState] = field(default_factory=dict)

    def program(self, program_id: str, digest: str) -> Program:
        key = (program_id, digest)
        if key not in self.programs:
            self.programs[key] = program_version(program_id, digest)  # raises for a program found nowhere
        return self.programs[key]

    def load_users(self, ids: Iterable[int]) -> None:
        missing = sorted(set(ids) - set(self.users))
        for i in range(0, len(missing), 500):
            for user in db.session.execute(db.select(User).where(among(User.id, missing[i:i + 500]))).scalars():
                self.users[user.id] = user

    def load_units(self, ids: Iterable[int]) -> None:
        missing = sorted(set(ids) - set(self.units))
        if missing:
            for unit in db.session.execute(db.select(CareUnit).options(db.joinedload(CareUnit.region))
                                           .where(among(CareUnit.id, missing))).scalars():
                self.units[unit.id] = unit.display_name

    def module_states(self, rows: Iterable[tuple]) -> Mapping[str, ModuleState]:
        """`rows.module_states`, each distinct row's ModuleState built once per tick."""
        known = self.modules
        states = {}
        for row in rows:
            state = known.get(row)
            if state is None:
                state = known[row] = ModuleState(*row)
            states[row[0]] = state
        return frozen_map(states)

    def rules_of(self, program: Program, subs: Sequence[FlagSubscription], event_driven_only: bool) -> Rules:
        # most moments share one list of subscriptions (their clinician's, `subscriptions`): known by identity,
        # it needs no key of subscription ids (the list is kept, so its id is not reused meanwhile)
        shared = self.rules_by_list.get((id(subs), program.digest, event_driven_only))
        if shared is not None and shared[0] is subs:
            return shared[1]
        key = (program.digest, event_driven_only, *(s.id for s in subs))
        if key not in self.rules:
            self.rules[key] = rules_for(program, subs, event_driven_only=event_driven_only)
        self.rules_by_list[(id(subs), program.digest, event_driven_only)] = (subs, self.rules[key])
        return self.rules[key]


_E = Enrollment.__table__.c


def postgresql() -> bool:
    """Whether the session's database is PostgreSQL (else SQLite)."""
    return db.session.get_bind().dialect.name == "postgresql"


@contextmanager
def by_index() -> Iterator[None]:
    """PostgreSQL: plan the reads inside with the indexes (restored after; an error aborts the transaction).

    A chunk reads the rows of a few hundred moments by their ids (`among`). The flag and event tables grow
    during a tick and their statistics do not: from a backlog that started small, the planner expects
    `enrollment_id = ANY(ids)` to match most rows and scans the whole table for every chunk, comparing
    each row with every id (what made the first tick's reads of events most of its time).
    """
    if not postgresql():
        yield
        return
    previous = db.session.execute(text("SELECT current_setting('enable_seqscan')")).scalar_one()
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    yield
    db.session.execute(text("SELECT set_config('enable_seqscan', :previous, true)"), {"previous": previous})


def among(column: Any, values: Sequence[Any]) -> Any:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter instead of one per value."""
    if not postgresql():
        return column.in_(values)
    if set(map(type, values)) <= {int}:  # exactly int (not bool), as the array literal needs
        return column == any_(cast(bindparam(None, int_array(values), type_=Text), ARRAY(column.type)))
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


def int_array(values: Iterable[int]) -> str:
    """Integers (ids) as one PostgreSQL array literal, "{1,2,3}": the driver sends one string instead of
    dumping a list element by element in Python (most of the time of sending a chunk's ids)."""
    return "{" + ",".join(map(str, values)) + "}"


def empty_as_null(column: Any) -> Any:
    """A JSON list column, NULL where it holds the empty list (most moments' links and batteries): nothing for
    the driver to decode, and the states read NULL as the empty list (`rows.state_of`)."""
    return case((cast(column, Text) == "[]", null()), else_=column).label(column.name)


def load(ids: Sequence[int], cache: Cache, *, modules: bool = True
         ) -> tuple[list[Moment], dict[int, tuple[Any, Exception]]]:
    """The moments with these ids (in this order) and their states for the tick; by id, the rows of those that
    cannot be built, with why (a moment deleted meanwhile is in neither).

    The states are `rows.build_state`'s without the step progress (`MomentState.steps` empty): none of the
    tick's decisions reads it (tests/engine/test_tick_reads.py). `modules=False` leaves the modules out too,
    for decisions that read neither (the self-starting batteries: the moment row, its batteries and its
    submitted forms).
    """
    rows = {r.id: r for r in db.session.execute(select(
        _E.id, _E.patient_id, _E.program_id, _E.program_version, _E.program_digest, _E.care_unit_id, _E.clinician_id,
        _E.status, _E.started_at, _E.ended_at, _E.end_reason, _E.maintain_until, _E.last_active,
        empty_as_null(_E.linked), empty_as_null(_E.batteries), _E.next_battery_at, _E.next_anchored_reminder_at,
        _E.next_inactivity_at
    ).where(among(_E.id, ids)))}
    cache.load_users(r.clinician_id for r in rows.values())
    cache.load_units(r.care_unit_id for r in rows.values())
    programs: dict[int, Program] = {}
    broken: dict[int, tuple[Any, Exception]] = {}
    for eid, row in rows.items():
        try:
            programs[eid] = cache.program(row.program_id, row.program_digest)
        except Exception as exc:  # noqa: BLE001 - reported per moment, as the one-by-one tick did
            broken[eid] = (row, exc)
    found = sorted(programs)
    module_rows = _modules(found) if modules else {}
    submitted = _group(_submitted(found, programs))
    moments = []
    for eid in ids:
        if eid not in programs:
            continue
        row, program = rows[eid], programs[eid]
        try:
            state = state_of(program, row, cache.users[row.clinician_id], cache.units[row.care_unit_id],
                             cache.module_states(module_rows.get(eid, ())), {}, submitted.get(eid, ()))
        except Exception as exc:  # noqa: BLE001
            broken[eid] = (row, exc)
            continue
        moments.append(Moment(eid, row, program, state))
    return moments, broken


def _group(rows: Iterable[Any]) -> dict[int, list[Any]]:
    """Rows grouped by their enrollment_id, in the order given."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.enrollment_id].append(row)
    return grouped


def _modules(ids: Sequence[int]) -> dict[int, list[tuple]]:
    """Each moment's (module_id, state, status, days, activated_at, completed_at), in program order."""
    c = EnrollmentModule.__table__.c
    grouped: dict[int, list[tuple]] = defaultdict(list)
    if ids and postgresql():
        # one row of arrays per moment instead of a row per module (14 per moment): the per-row work of
        # fetching was most of reading a chunk
        for eid, *columns in db.session.execute(text(
                "SELECT enrollment_id, array_agg(module_id ORDER BY position), array_agg(state ORDER BY position),"
                " array_agg(status ORDER BY position), array_agg(days ORDER BY position),"
                " array_agg(activated_at ORDER BY position), array_agg(completed_at ORDER BY position)"
                " FROM enrollment_module WHERE enrollment_id = ANY(CAST(:ids AS integer[])) GROUP BY enrollment_id"),
                {"ids": int_array(ids)}):
            modules, states, statuses, days, activated, completed = columns
            grouped[eid] = list(zip(modules, states, statuses, days, _utcs(activated), _utcs(completed)))
        return grouped
    if ids:
        for row in db.session.execute(select(c.module_id, c.state, c.status, c.days, c.activated_at, c.completed_at,
                                             c.enrollment_id).where(among(c.enrollment_id, ids))
                                      .order_by(c.enrollment_id, c.position)).all():
            grouped[row[6]].append(row[:6])
    return grouped


def _utcs(stored: Iterable[datetime | None]) -> list[datetime | None]:
    """A UTCDateTime column's values as the ORM would return them (aware UTC), from the stored naive UTC (one
    comprehension: two per moment instead of a call per module)."""
    return [t if t is None else t.replace(tzinfo=UTC) for t in stored]


def _submitted(ids: Sequence[int], programs: dict[int, Program]) -> Iterable[Any]:
    if not ids:
        return ()
    anchors = frozenset().union(*(anchor_forms(p) for p in {p.digest: p for p in programs.values()}.values()))
    return db.session.execute(submitted_forms_query(anchors).add_columns(FormResponse.enrollment_id)
                              .where(among(FormResponse.enrollment_id, ids))
                              .order_by(FormResponse.enrollment_id, FormResponse.submitted_at, FormResponse.id)).all()


def events(ids: Sequence[int], read: EventsRead | None = None) -> dict[int, list[EngineEvent]]:
    """Each moment's stored events as engine events, oldest first (as `rows.engine_events`); given `read`
    (what `engine.moment.flag_reads.events_read` says the flag rules read), only what `read.needed` keeps."""
    if not ids:
        return {}
    c = Event.__table__.c
    fields: list[Any] = [c.module_id, c.step_id, c.form_id, c.data, c.text]
    query = select(c.enrollment_id, c.type, c.at, c.actor_kind, c.actor_id, c.actor_name, c.actor_unit, *fields)
    thinned: CompoundSelect | None = None
    if read is not None:
        whole = among(c.type, sorted(read.types))
        if read.actions and (read.apart is not None or read.before is not None):
            thinned = _thinned(query.where(whole, among(c.enrollment_id, ids)), whole, ids, read)
        elif read.actions:  # the patient's other events bare: no JSON to decode, no text to fetch
            query = select(*query.selected_columns[:7], *(case((whole, f)).label(f.name) for f in fields))
            query = query.where(or_(whole, c.actor_kind == "patient"))
        else:
            query = query.where(whole)
    # all at once: iterating the result fetched a row at a time (a driver call per row, most of the fetching)
    rows = db.session.execute(thinned if thinned is not None else query.where(among(c.enrollment_id, ids))
                              .order_by(c.enrollment_id, c.at, c.id)).all()
    grouped: dict[int, list[EngineEvent]] = defaultdict(list)
    actors: dict[tuple, Actor] = {}  # a moment's events have few actors (frozen, so shared)
    whole = None if read is None else read.types
    # by position (the columns of `query`; the thinned read adds the id last): a Core row's values by name cost
    # more than the event built from them (hundreds of thousands of rows in a first tick)
    for eid, type_, at, actor_kind, actor_id, actor_name, actor_unit, module, step, form, data, text_, *_ in rows:
        key = (actor_kind, actor_id, actor_name, actor_unit)
        actor = actors.get(key) or actors.setdefault(key, Actor(*key))
        if whole is None or type_ in whole:
            grouped[eid].append(event_of(type_, at, actor, module, step, form, data, text_))
        else:
            grouped[eid].append(EngineEvent(type_, at, actor))
    return grouped


def _thinned(whole_events: Select, whole: Any, ids: Sequence[int], read: EventsRead) -> CompoundSelect:
    """The events of `read.types` whole, and of the patient's other events the first and the last of each
    `read.stretch` (bare: no JSON to decode, no text to fetch), oldest first: what `read.needed` keeps."""
    c = Event.__table__.c
    seconds = None if read.apart is None else read.apart // timedelta(seconds=1)
    if read.apart is not None and read.apart % timedelta(seconds=1):
        raise ValueError(f"a stretch of whole seconds, not {read.apart}")  # as Python's floor division
    if seconds is None:
        stretch: Any = c.id  # every action told apart
    elif postgresql():
        stretch = cast(func.floor(extract("epoch", c.at)), BigInteger) // seconds
    else:
        stretch = cast(func.strftime("%s", c.at), BigInteger) // seconds
    if read.before is not None:
        stretch = case((c.at < read.before, -1), else_=stretch)
    window = (c.enrollment_id, stretch)
    head = (c.enrollment_id, c.type, c.at, c.actor_kind, c.actor_id, c.actor_name, c.actor_unit, c.id)
    actions = select(*head, func.row_number().over(partition_by=window, order_by=(c.at, c.id)).label("first"),
                     func.row_number().over(partition_by=window, order_by=(c.at.desc(), c.id.desc())).label("last")
                     ).where(c.actor_kind == "patient", not_(whole), among(c.enrollment_id, ids)).subquery()
    a = actions.c
    bare = select(*(a[col.name] for col in head[:7]), *(null().label(name) for name in (
        "module_id", "step_id", "form_id", "data", "text")), a.id).where(or_(a.first == 1, a.last == 1))
    return union_all(whole_events.add_columns(c.id), bare).order_by("enrollment_id", "at", "id")


def plans(ids: Sequence[int]) -> dict[int, list[EnginePlan]]:
    """Each moment's complete activity plans as engine plans (as `rows.engine_plans`)."""
    if not ids:
        return {}
    stored = db.session.execute(db.select(ActivityPlan).where(among(ActivityPlan.enrollment_id, ids))
                                .order_by(ActivityPlan.id)).scalars()
    return {eid: complete_plans(rows) for eid, rows in _group(stored).items()}


def subscriptions(moments: Sequence[Moment], cache: Cache) -> dict[int, list[FlagSubscription]]:
    """The subscriptions that apply to each moment, oldest first (as `flags.subscriptions_for`)."""
    if not moments:
        return {}
    ids, clinicians = [m.id for m in moments], sorted({m.clinician_id for m in moments})
    found = list(db.session.execute(db.select(FlagSubscription).where(or_(
        among(FlagSubscription.enrollment_id, ids),
        FlagSubscription.enrollment_id.is_(None) & among(FlagSubscription.user_id, clinicians),
    )).order_by(FlagSubscription.id)).scalars())
    cache.load_users(s.user_id for s in found)
    own, everywhere = _group(s for s in found if s.enrollment_id is not None), defaultdict(list)
    for s in found:
        if s.enrollment_id is None:
            everywhere[s.user_id].append(s)
    by_id = lambda s: s.id  # noqa: E731
    # most moments have none of their own: theirs are the clinician's, one shared list (never changed)
    shared = {user_id: sorted(subs, key=by_id) for user_id, subs in everywhere.items()}
    return {m.id: sorted(own[m.id] + everywhere.get(m.clinician_id, []), key=by_id) if m.id in own
            else shared.get(m.clinician_id, []) for m in moments}


def flag_causes(ids: Sequence[int]) -> dict[int, set[str]]:
    """The cause keys of each moment's Flag rows."""
    grouped: dict[int, set[str]] = defaultdict(set)
    if ids:
        for eid, cause in db.session.execute(select(Flag.__table__.c.enrollment_id, Flag.__table__.c.cause_key)
                                             .where(among(Flag.__table__.c.enrollment_id, ids))).all():
            grouped[eid].add(cause)
    return grouped


def patients(ids: Iterable[int]) -> dict[int, Any]:
    """Patients' notice settings and addresses by id (Core rows)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    c = Patient.__table__.c
    return {r.id: r for r in db.session.execute(select(c.id, c.notify_sms, c.mobile, c.notify_email, c.email)
                                                .where(among(c.id, wanted)))}

