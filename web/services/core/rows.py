"""The bridge between rows and the engine: rows → MomentState, Transition → rows + events.

Every service that changes a moment goes through `apply()`, inside `transaction()`, so the new
state, its events, raised flags and queued notices are committed together or not at all.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, Iterable, Mapping, NamedTuple, Sequence, cast

from engine.errors import EngineError
from engine.model import Form, Program, frozen_map
from engine.moment import schedule
from engine.moment.batteries import next_battery_at
from engine.moment.reminders import next_anchored_reminder_at
from engine.moment.anchors import anchor_dates_of, program_anchors
from engine.moment.state import Actor, Event as EngineEvent, ModuleState, MomentState
from engine.moment.state import StepProgress as Progress

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from ...extensions import db
from ...models import ActivityPlan, CareUnit, Enrollment, EnrollmentModule, Event, FormResponse, Membership, Patient, StepProgress, User
from ...content.programs import get_program
from . import state_memo, versions
from ..errors import ServiceError


def clinician_actor(user: User, membership: Membership) -> Actor:
    """The engine's view of a staff member working in a unit."""
    return Actor("clinician", str(user.id), user.name, membership.care_unit.display_name)


def patient_actor(patient: Patient) -> Actor:
    """The engine's view of the patient."""
    return Actor("patient", str(patient.id), patient.full_name)


def program_for(enrollment: Enrollment) -> Program:
    """The program version a moment was started on; a clear error if it can be found nowhere."""
    return program_version(enrollment.program_id, enrollment.program_digest)


def program_version(program_id: str, digest: str) -> Program:
    """The program with this id and digest; a clear error if it can be found nowhere.

    The installed program when its digest matches (no query); otherwise the stored snapshot, so
    editing the YAML never silently changes a running moment. Moments started before snapshots
    existed fall back to the installed program.
    """
    installed = get_program(program_id)
    if installed is not None and installed.digest == digest:
        return installed
    pinned = versions.pinned_program(program_id, digest)
    if pinned is not None:
        return pinned
    if installed is None:
        raise ServiceError(f"Programmet {program_id} finns inte längre på servern.")
    versions.warn_missing_snapshot(program_id, digest)
    return installed


def moment_loads() -> tuple:
    """Loader options for a moment a page will show: its clinician, unit and region and its modules
    in the same query (the state needs them all), its step progress in one more (not per row)."""
    return (*moment_header_loads(), db.joinedload(Enrollment.modules), db.selectinload(Enrollment.steps))


def moment_header_loads() -> tuple:
    """Loader options for a moment a staff page shows without its state: its clinician, unit and region, patient."""
    return (db.joinedload(Enrollment.clinician), db.joinedload(Enrollment.care_unit).joinedload(CareUnit.region),
            db.joinedload(Enrollment.patient))


class StaffName(NamedTuple):
    """What a moment's state reads of its clinician (`state_of`), when read as columns with the moment."""

    id: int
    name: str


def build_state(enrollment: Enrollment, *, submitted: Sequence[FormResponse] | None = None,
                progress: tuple[Iterable[tuple], Mapping[str, str]] | None = None,
                staff: tuple[StaffName, str] | None = None) -> MomentState:
    """A MomentState snapshot of the moment's rows (built once per transaction: web.services.core.state_memo).

    `submitted`: the moment's submitted FormResponse rows newest first, when the caller has read them
    anyway (saves the query for them). `progress`: the moment's modules as `module_states` takes them and its
    step progress ("module/step" → status), when the caller has read them as plain rows (saves loading the
    EnrollmentModule and StepProgress objects). `staff`: the clinician and the unit's display name, when the
    caller read them as columns with the moment (saves loading the User, CareUnit and Region objects).
    """
    state = state_memo.get(enrollment)
    if state is None:
        state = _build_state(enrollment, submitted, progress, staff)
        state_memo.put(enrollment, state)
    return state


def _build_state(enrollment: Enrollment, submitted: Sequence[FormResponse] | None,
                 progress: tuple[Iterable[tuple], Mapping[str, str]] | None,
                 staff: tuple[StaffName, str] | None) -> MomentState:
    program = program_for(enrollment)
    anchors = anchor_forms(program)
    if submitted is not None:
        rows: Sequence[Any] = list(reversed(submitted))  # oldest first, as the query below
    else:  # one query for both: which forms were submitted, and the answers of anchor forms (newest wins)
        rows = db.session.execute(_submitted_of_moment(anchors), {"enrollment_id": enrollment.id}).all()
    if progress is None:
        progress = ([(m.module_id, m.state, m.status, m.days, m.activated_at, m.completed_at)
                     for m in enrollment.modules], {f"{s.module_id}/{s.step_id}": s.status for s in enrollment.steps})
    modules, steps = progress
    clinician, unit_name = staff or (enrollment.clinician, enrollment.care_unit.display_name)
    return state_of(program, enrollment, clinician, unit_name, module_states(modules), steps, rows)


#: anchor_forms by program digest (a version's reminders and batteries never change; the tick asks per moment)
_ANCHOR_FORMS: dict[str, frozenset[str]] = {}


def anchor_forms(program: Program) -> frozenset[str]:
    """The forms whose answers the program's anchored reminders and batteries are timed from."""
    found = _ANCHOR_FORMS.get(program.digest) if program.digest else None
    if found is None:
        found = frozenset(a.form for a in program_anchors(program))
        if program.digest:
            _ANCHOR_FORMS[program.digest] = found
    return found


@lru_cache(maxsize=64)  # one per program version's anchor forms
def _submitted_of_moment(anchors: frozenset[str]) -> Any:
    """`submitted_forms_query` for one moment (:enrollment_id), oldest first, built once per set of anchor forms:
    every patient page builds a state, and building and keying the statement cost as much as running it."""
    return submitted_forms_query(anchors).where(FormResponse.enrollment_id == db.bindparam("enrollment_id")).order_by(
        FormResponse.submitted_at, FormResponse.id)


def submitted_forms_query(anchors: Iterable[str]) -> Any:
    """(form_id, answers) of submitted forms, the answers only for `anchors` (NULL for the rest)."""
    answers = db.null()
    if anchors:
        answers = db.case((FormResponse.form_id.in_(sorted(anchors)), FormResponse.answers), else_=db.null())
    return db.select(FormResponse.form_id, db.type_coerce(answers, FormResponse.answers.type).label("answers")).where(
        FormResponse.status == "submitted")


def module_states(modules: Iterable[tuple]) -> Mapping[str, ModuleState]:
    """MomentState.modules from (module_id, state, status, days, activated_at, completed_at), in program order."""
    return frozen_map({m[0]: ModuleState(*m) for m in modules})


def state_of(program: Program, enrollment: Any, clinician: User | StaffName, unit_name: str,
             modules: Mapping[str, ModuleState], steps: Mapping[str, str], submitted: Sequence[Any]) -> MomentState:
    """The MomentState of a moment's rows (the Enrollment, or a Core row with its columns).

    `modules` from `module_states`, `steps` "module/step" → status, `submitted` the (form_id, answers) of
    submitted forms oldest first.
    """
    anchors = anchor_forms(program)
    return MomentState(
        program_id=enrollment.program_id,
        program_version=enrollment.program_version,
        started_at=enrollment.started_at,
        clinician=Actor("clinician", str(clinician.id), clinician.name, unit_name),
        status=enrollment.status,
        modules=modules,
        # the rows hold only these values (the type as a string: nothing subscripted per call)
        steps=frozen_map(cast("Mapping[str, Progress]", steps)),
        submitted_forms=frozenset(row.form_id for row in submitted),
        last_active=enrollment.last_active,
        ended_at=enrollment.ended_at,
        end_reason=enrollment.end_reason,
        maintain_until=enrollment.maintain_until,
        care_unit=unit_name,
        linked=tuple(enrollment.linked or ()),
        batteries=frozenset(enrollment.batteries or ()),
        anchor_dates=anchor_dates_of(program, [(r.form_id, r.answers or {}) for r in submitted if r.form_id in anchors])
        if anchors else frozen_map({}),
    )


def anchor_dates(enrollment: Enrollment, program: Program) -> Mapping[str, date]:
    """The answered dates reminders and batteries are timed from (every submission of the anchor forms, oldest first)."""
    forms = {a.form for a in program_anchors(program)}
    if not forms:
        return frozen_map({})
    rows = db.session.execute(
        db.select(FormResponse.form_id, FormResponse.answers).where(
            FormResponse.enrollment_id == enrollment.id, FormResponse.status == "submitted",
            FormResponse.form_id.in_(forms)).order_by(FormResponse.submitted_at, FormResponse.id)
    ).all()
    return anchor_dates_of(program, [(row.form_id, row.answers or {}) for row in rows])


#: Senast aktiv (shown as a date; inactivity counted in days) is kept to this resolution: a patient
#: paging through steps does not rewrite the moment's row on every view
LAST_ACTIVE_RESOLUTION = timedelta(minutes=1)


def _same_minute(stored: datetime | None, new: datetime | None) -> bool:
    """Whether `new` only moves the stored Senast aktiv forward by less than LAST_ACTIVE_RESOLUTION."""
    return stored is not None and new is not None and timedelta(0) <= new - stored < LAST_ACTIVE_RESOLUTION


def write_state(enrollment: Enrollment, program: Program, state: MomentState, now: datetime) -> None:
    """Copy a new MomentState onto the moment's rows (the clinician and unit are set by their services)."""
    enrollment.next_battery_at = battery_schedule(program, state)
    enrollment.next_anchored_reminder_at = None  # worked out again by the next tick (reminder_schedule)
    if (state.last_active, state.status, state.ended_at) != (enrollment.last_active, enrollment.status,
                                                             enrollment.ended_at):
        # a patient action starts a new stretch of inactivity; a moment ended or resumed changes when one can
        # fire: worked out again by the next tick (inactivity_schedule)
        enrollment.next_inactivity_at = None
    enrollment.status = state.status
    enrollment.ended_at = state.ended_at
    enrollment.end_reason = state.end_reason
    enrollment.maintain_until = state.maintain_until
    if not _same_minute(enrollment.last_active, state.last_active):
        enrollment.last_active = state.last_active
    enrollment.linked = list(state.linked)
    enrollment.batteries = sorted(state.batteries)
    rows = {m.module_id: m for m in enrollment.modules}
    positions = {m.id: i for i, m in enumerate(program.modules)}
    for module_id, ms in state.modules.items():
        row = rows.get(module_id)
        if row is None:
            row = EnrollmentModule(module_id=module_id, position=positions.get(module_id, len(positions)))
            enrollment.modules.append(row)
        row.state, row.status, row.days = ms.state, ms.status, ms.days
        row.activated_at, row.completed_at = ms.activated_at, ms.completed_at
    step_rows = {f"{s.module_id}/{s.step_id}": s for s in enrollment.steps}
    for key, progress in state.steps.items():
        row = step_rows.get(key)
        if row is None:
            module_id, _, step_id = key.partition("/")
            enrollment.steps.append(StepProgress(module_id=module_id, step_id=step_id, status=progress, updated_at=now))
        elif row.status != progress:
            row.status, row.updated_at = progress, now


def write_step_view(enrollment: Enrollment, program: Program, before: MomentState, state: MomentState,
                    event: EngineEvent, now: datetime) -> None:
    """What write_state + record_events + a flush write for a step view (engine.moment.patient.view_step,
    which changes one step's progress and Senast aktiv) from state `before` to `state`, as at most three
    statements.

    The page's most frequent write: the unit of work would compare every module row of the moment to find
    that nothing else changed. The step's row is found by `before` (its steps are the rows), so the rows need
    not be loaded; loaded rows are kept in step with what is written."""
    changes: dict[str, Any] = {}
    if not _same_minute(enrollment.last_active, state.last_active):
        changes["last_active"] = state.last_active
    schedule_at = battery_schedule(program, state)
    if enrollment.next_battery_at != schedule_at:
        changes["next_battery_at"] = schedule_at
    if enrollment.next_anchored_reminder_at is not None:
        changes["next_anchored_reminder_at"] = None  # as write_state: worked out again by the next tick
    if enrollment.next_inactivity_at is not None:
        changes["next_inactivity_at"] = None  # as write_state: a step view is a patient action
    if changes:
        db.session.execute(db.update(Enrollment).where(Enrollment.id == enrollment.id).values(**changes))
        for column, value in changes.items():
            set_committed_value(enrollment, column, value)
    key = f"{event.module}/{event.step}"
    progress = state.steps.get(key)
    if progress is not None and key not in before.steps:
        db.session.execute(db.insert(StepProgress).values(enrollment_id=enrollment.id, module_id=event.module,
                                                          step_id=event.step, status=progress, updated_at=now))
        db.session.expire(enrollment, ["steps"])  # read again if this request asks for them
    elif progress is not None and before.steps[key] != progress:
        db.session.execute(db.update(StepProgress).where(
            StepProgress.enrollment_id == enrollment.id, StepProgress.module_id == event.module,
            StepProgress.step_id == event.step).values(status=progress, updated_at=now))
        loaded = () if "steps" in inspect(enrollment).unloaded else enrollment.steps
        for row in loaded:
            if row.module_id == event.module and row.step_id == event.step:
                set_committed_value(row, "status", progress)
                set_committed_value(row, "updated_at", now)
    db.session.execute(_insert_event(), {"enrollment_id": enrollment.id, **event_columns(event)})


@cache
def _insert_event() -> Any:
    """INSERT of one Event row from its columns as parameters, built once (the step page writes one per view)."""
    return Event.__table__.insert()


def record_events(enrollment: Enrollment, events: tuple[EngineEvent, ...] | list[EngineEvent], *,
                  form_response: FormResponse | None = None, message_id: int | None = None) -> list[Event]:
    """Store engine events as Event rows of the moment."""
    rows = []
    for e in events:
        row = Event(enrollment=enrollment, form_response=form_response, message_id=message_id, **event_columns(e))
        db.session.add(row)
        rows.append(row)
    return rows


def event_columns(e: EngineEvent) -> dict[str, Any]:
    """The Event row's columns for an engine event (all but the moment, form response and message)."""
    return {"type": e.type, "at": e.at, "actor_kind": e.actor.kind, "actor_id": e.actor.id, "actor_name": e.actor.name,
            "actor_unit": e.actor.unit, "module_id": e.module, "step_id": e.step, "form_id": e.form,
            "data": _plain(e.data), "text": e.text}


def _plain(value):
    """Engine data (read-only mappings, tuples, sets) as plain JSON values."""
    if value is None or isinstance(value, (str, int, float)):  # most values: asked first (no hasattr)
        return value
    if hasattr(value, "items"):  # its plain values taken as they are (most: a flag's type and cause)
        return {str(k): v if v is None or isinstance(v, (str, int, float)) else _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def engine_events(enrollment: Enrollment) -> list[EngineEvent]:
    """The moment's stored events as engine events, oldest first."""
    rows = db.session.execute(
        db.select(Event).where(Event.enrollment_id == enrollment.id).order_by(Event.at, Event.id)
    ).scalars()
    return [engine_event(r) for r in rows]


def engine_event(r: Any) -> EngineEvent:
    """A stored event (an Event or a Core row with its columns) as the engine's event."""
    return event_of(r.type, r.at, Actor(r.actor_kind, r.actor_id, r.actor_name, r.actor_unit),
                    r.module_id, r.step_id, r.form_id, r.data, r.text)


def event_of(type_: str, at: datetime, actor: Actor, module: str | None, step: str | None, form: str | None,
             data: Any, text: str) -> EngineEvent:
    """The engine's event of a stored event's columns, in their order (`engine_event`; the tick's reads pass
    a row's values by position: naming each of a Core row's columns cost more than building the event)."""
    return EngineEvent(type_, at, actor, module, step, form, data or {}, text)


#: editor steps saved: 1 content elements, 2 schedule, 3 settings (the plan is complete)
LAST_STEP = 3


def plan_data(row: ActivityPlan) -> dict[str, Any]:
    """A stored plan as engine.moment.schedule plain data."""
    return {
        "id": str(row.id), "name": row.name, "elements": row.elements or [],
        "start": row.start_date.isoformat() if row.start_date else None, "times": row.times or [],
        "every_weeks": row.interval_weeks, "until": row.repeat_until.isoformat() if row.repeat_until else None,
        "fill_in_days": row.fill_days_after, "flag_missed": row.flag_missed, "may_skip": row.may_skip,
        "comments": row.allow_comments, "active": row.active,
    }


def to_engine(row: ActivityPlan) -> schedule.ActivityPlan:
    """The engine's plan for a stored row (PlanError when it is not complete)."""
    return schedule.plan_from_dict(plan_data(row))


def plans_of(enrollment: Enrollment) -> list[ActivityPlan]:
    """The moment's plans, oldest first."""
    return list(db.session.execute(
        db.select(ActivityPlan).where(ActivityPlan.enrollment_id == enrollment.id).order_by(ActivityPlan.id)
    ).scalars())


def engine_plans(enrollment: Enrollment) -> list[schedule.ActivityPlan]:
    """Complete plans of the moment as engine plans (drafts are left out)."""
    return complete_plans(plans_of(enrollment))


def complete_plans(rows: Iterable[ActivityPlan]) -> list[schedule.ActivityPlan]:
    """The complete plans among stored rows, as engine plans (drafts and broken plans are left out)."""
    out = []
    for row in rows:
        if row.editor_step >= LAST_STEP:
            try:
                out.append(to_engine(row))
            except EngineError:
                continue
    return out


def question_snapshot(form: Form) -> dict[str, Any]:
    """Question texts (and option labels) as the patient saw them, stored with the answers."""
    return {
        q.id: {"text": q.text, "type": q.type, "options": {o.id: o.label for o in q.options}}
        for q in form.questions
    }


#: Enrollment.next_battery_at when no self-starting mätbatteri is left (NULL means "not worked out yet")
NOT_SCHEDULED = datetime(9999, 12, 31, tzinfo=UTC)


def battery_schedule(program: Program, state: MomentState) -> datetime:
    """What Enrollment.next_battery_at holds for this state: the next self-starting battery, or NOT_SCHEDULED."""
    return next_battery_at(program, state) or NOT_SCHEDULED


def reminder_schedule(program: Program, state: MomentState, now: datetime, sent: Iterable[Any] = ()) -> datetime:
    """What Enrollment.next_anchored_reminder_at holds for this state as of `now` (the tick's time): the
    earliest time an anchored reminder can be due from `now` on, or NOT_SCHEDULED. `sent`: the reminders
    due now (engine DueReminder) that this tick queues for the moment, so they are not waited for again."""
    return next_anchored_reminder_at(program, state, now, sent={d.reminder.id for d in sent}) or NOT_SCHEDULED
