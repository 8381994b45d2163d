"""The patient's side of a moment: which moments, modules and steps they may see, as the engine decides.

Views get plain snapshots (MomentView, ModuleView, StepView) and never ask the engine themselves.
A moment that is not the patient's is AccessDenied (the view answers 404, revealing nothing).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from engine.translate import Translated

from engine.moment import lifecycle
from engine.model import Module, Program, Step
from engine.moment.holds import NO_HOLDS, Holding
from engine.moment.state import MomentState

from ...extensions import db
from ...models import CareUnit, Conversation, Enrollment, Message, Patient, Region, User
from ...models.people import unit_display_name
from . import answers as form_service
from .language import in_language
from ..core.holds import holding_for, patient_moment_loads
from ..core.moment_rows import progress_of
from ..core.reads import read
from ..core.rows import StaffName, build_state, program_for
from ..errors import AccessDenied


@dataclass(frozen=True)
class StepView:
    """A step with the patient's progress in it: not_started, started or done."""

    step: Step
    progress: str


@dataclass(frozen=True)
class ModuleView:
    """A module the patient may see, with its state, what they may do and their progress."""

    module: Module
    #: upcoming | current | completed
    state: str
    #: read_write | read_only (hidden modules never get a view)
    status: str
    #: None = no limit
    days_left: int | None
    #: the patient may save and submit forms here now
    writable: bool
    steps: tuple[StepView, ...]

    @property
    def done_count(self) -> int:
        """Steps the patient has finished."""
        return sum(1 for s in self.steps if s.progress == "done")

    def step_view(self, step_id: str) -> StepView | None:
        """The view of one step of this module, or None."""
        return next((s for s in self.steps if s.step.id == step_id), None)


@dataclass(frozen=True)
class MomentView:
    """One moment as its patient sees it now."""

    enrollment: Enrollment
    program: Program
    state: MomentState
    #: active | maintenance | ended, as of now
    status: str
    #: visible modules in program order
    modules: tuple[ModuleView, ...]
    #: the program in the patient's language (`program` is already translated; this says what is missing)
    translated: Translated | None = None
    #: the language the program is written in (untranslated texts are in it)
    source_language: str = "sv"
    #: what alerts hold until the clinician has looked (texts in the patient's language)
    holding: Holding = NO_HOLDS

    @property
    def language(self) -> str:
        """The language the patient reads the program in."""
        return self.translated.language if self.translated else self.program.language

    def step_translated(self, module_id: str, step_id: str) -> bool:
        """Whether a step's page is in the patient's language (else it is shown in the program's own)."""
        return self.translated is None or self.translated.step_translated(module_id, step_id)

    @property
    def complete_in_language(self) -> tuple[Module, ...] | None:
        """The modules declared completely translated into the patient's language (None when the patient
        reads the program's own language): only those are safe to offer in it, the rest shows in Swedish."""
        if self.translated is None or self.language == self.source_language:
            return None
        translation = self.program.translations.get(self.language)
        complete = translation.complete if translation is not None else ()
        return tuple(m for m in self.program.modules if m.id in complete)

    def form_language(self, form_id: str) -> str:
        """The language a form's texts are in: the patient's, or the program's own when any is missing."""
        if self.translated is None or self.translated.language == self.source_language:
            return self.language
        prefix = f"form/{form_id}/"
        if any(k.startswith(prefix) for k in self.translated.missing | self.translated.stale):
            return self.source_language
        return self.language

    def held_text(self, module_id: str | None = None, step_id: str | None = None,
                  form_id: str | None = None) -> str | None:
        """The patient's text of an alert's hold on a module, a step or a form in it (None when nothing holds)."""
        hold = self.holding.module(module_id) if module_id is not None else None
        if hold is None and module_id is not None and step_id is not None:
            hold = self.holding.step(module_id, step_id)
        if hold is None and form_id is not None:
            hold = self.holding.form(form_id)
        return hold.holds.text if hold is not None else None

    def text_language(self, key: str) -> str:
        """The language a program text (by its id path, e.g. "module/steg-1/title") is shown in."""
        return self.language if self.translated is None or self.translated.has(key) else self.source_language

    def step_language(self, module_id: str, step_id: str) -> str:
        """The language a step's page text is in (its lang attribute and the voice that reads it)."""
        return self.language if self.step_translated(module_id, step_id) else self.source_language

    @property
    def ended(self) -> bool:
        """The moment is over: the patient sees only that."""
        return self.status == "ended"

    @property
    def read_only(self) -> bool:
        """Vidmakthåll: the patient may read but not write anything."""
        return self.status == "maintenance"

    def module_view(self, module_id: str) -> ModuleView | None:
        """A visible module, or None (hidden and unknown modules look the same)."""
        return next((m for m in self.modules if m.module.id == module_id), None)

    def modules_in(self, state: str) -> list[ModuleView]:
        """Visible modules in one state (current, completed, upcoming)."""
        return [m for m in self.modules if m.state == state]


def moments_of(patient: Patient) -> list[Enrollment]:
    """The patient's moments, newest first (Mina stöd- och behandlingsprogram)."""
    return list(db.session.execute(
        db.select(Enrollment).where(Enrollment.patient_id == patient.id)
        .order_by(Enrollment.started_at.desc(), Enrollment.id.desc())
    ).scalars())


@cache
def _moment_of_statements() -> tuple[Any, Any]:
    """The statements of `moment_of`, built once: building and keying an ORM statement with eager loads costs
    more CPU than the query (as web.auth.core.sessions does for the session row)."""
    mine = (Enrollment.id == db.bindparam("enrollment_id"), Enrollment.patient_id == db.bindparam("patient_id"))
    # to show it: the clinician's id and name and the unit's region and name as columns, for the state (no User,
    # CareUnit and Region objects: the patient's pages read nothing else of them)
    moment = (db.select(Enrollment, User.id, User.name, Region.name, CareUnit.name)
              .join(User, Enrollment.clinician_id == User.id).join(CareUnit, Enrollment.care_unit_id == CareUnit.id)
              .join(Region, CareUnit.region_id == Region.id)
              .options(db.joinedload(Enrollment.holding_flags)).where(*mine))
    to_write = db.select(Enrollment).options(*patient_moment_loads(), db.joinedload(Enrollment.modules),
                                             db.selectinload(Enrollment.steps)).where(*mine)
    return moment, to_write


def moment_of(patient: Patient, enrollment_id: int, *, to_write: bool = False) -> Enrollment:
    """The patient's own moment with this id (its state built: `build_state`); AccessDenied for anyone else's
    (or none).

    To show it, the modules and the step progress are read as plain rows for the state (web.services.core.
    moment_rows), not loaded as EnrollmentModule and StepProgress objects. `to_write`: the request may change
    the moment through the unit of work (a form's submission), which writes those objects: they are loaded
    with it."""
    moment, moment_to_write = _moment_of_statements()
    values = {"enrollment_id": enrollment_id, "patient_id": patient.id}
    found = (db.session.execute(moment_to_write, values).unique().scalars() if to_write
             else db.session.execute(moment, values).unique()).one_or_none()
    if found is None:
        raise AccessDenied("Programmet finns inte.")
    if to_write:
        return found
    # read just now without its modules, steps, clinician and unit: the state from rows
    enrollment, clinician_id, clinician_name, region, unit = found
    build_state(enrollment, progress=progress_of(enrollment.id),
                staff=(StaffName(clinician_id, clinician_name), unit_display_name(region, unit)))
    return enrollment


def moment_view(enrollment: Enrollment, now: datetime, language: str | None = None) -> MomentView:
    """What the patient may see of a moment now (hidden modules are left out, ended moments show nothing),
    in `language` (default: the patient's)."""
    source = program_for(enrollment)
    translated = in_language(source, language or enrollment.patient.language)
    program = translated.program
    state = build_state(enrollment)
    status = lifecycle.moment_status(state, now)
    modules: list[ModuleView] = []
    if status != "ended":
        for module in program.modules:
            ms = state.modules.get(module.id)
            if ms is None or not lifecycle.patient_can_see(state, module.id, now):
                continue
            steps = tuple(StepView(s, lifecycle.step_progress(state, module.id, s.id)) for s in module.steps)
            modules.append(ModuleView(
                module=module, state=ms.state, status=ms.status, days_left=lifecycle.days_left_of(ms, now),
                writable=lifecycle.patient_can_write(state, module.id, now), steps=steps,
            ))
    held = holding_for(enrollment, program) if status == "active" else NO_HOLDS
    return MomentView(enrollment, program, state, status, tuple(modules), translated, source.language, held)


def moment_status(enrollment: Enrollment, now: datetime) -> str:
    """active, maintenance or ended as of now (for lists of moments)."""
    return lifecycle.moment_status(build_state(enrollment), now)


def welcome_text(enrollment: Enrollment, program: Program) -> str:
    """The welcome text the patient reads: the moment's own if the clinician edited it."""
    return enrollment.welcome_text or program.welcome_text


def open_step(view: MomentView, patient: Patient, module_id: str, step_id: str, now: datetime) -> None:
    """The patient opened a step: the engine records the view (progress, senast aktiv)."""
    form_service.view_step(view.enrollment, patient, module_id, step_id, now=now)


@cache
def _unread_statements() -> tuple[Any, Any]:
    """The statements of `unread_messages` (every patient page's Meddelanden tab) and `unread_by_conversation`,
    built once: building and keying a statement costs more CPU than running it."""
    unread = db.select(db.func.count(Message.id)).join(Conversation).where(
        Conversation.enrollment_id == db.bindparam("enrollment_id"), Message.sender_kind == "clinician",
        Message.read_by_patient_at.is_(None))
    by_conversation = unread.with_only_columns(Message.conversation_id, db.func.count(Message.id)).group_by(
        Message.conversation_id)
    return unread, by_conversation


def unread_messages(enrollment: Enrollment) -> int:
    """Messages from the clinician the patient has not read yet."""
    return read(_unread_statements()[0], {"enrollment_id": enrollment.id}).scalar_one()


def unread_by_conversation(enrollment: Enrollment) -> dict[int, int]:
    """Conversation id → messages from the clinician the patient has not read."""
    rows = read(_unread_statements()[1], {"enrollment_id": enrollment.id}).all()
    return {conversation_id: count for conversation_id, count in rows}


def battery_forms(view: MomentView) -> list[str]:
    """Form ids of started mätbatterier the patient has not submitted yet (shown on the program home)."""
    found: list[str] = []
    for battery in view.program.batteries:
        if battery.id in view.state.batteries:
            found += [f for f in battery.forms if f not in view.state.submitted_forms and f not in found]
    return found


@dataclass(frozen=True)
class NextStep:
    """Fortsätt: the one next thing to do on the program home."""

    #: "form" (a form of a started mätbatteri waits) or "step" (the first step not finished)
    kind: str
    module_id: str | None
    step_id: str | None
    form_id: str | None
    title: str


def next_step(view: MomentView, waiting_forms: list[str]) -> NextStep | None:
    """A waiting form first, else the first unfinished step of the current modules (program order), else None."""
    if not view.read_only:
        for form_id in waiting_forms:
            form = view.program.form(form_id)
            if form is not None:
                return NextStep("form", None, None, form_id, form.title)
    for mv in view.modules_in("current"):
        for sv in mv.steps:
            if sv.progress != "done":
                return NextStep("step", mv.module.id, sv.step.id, None, f"{sv.step.number} {sv.step.title}")
    return None


def visited(view: MomentView) -> bool:
    """The patient has been inside the program before (a step opened): the welcome text is then folded."""
    return any(sv.progress != "not_started" for mv in view.modules for sv in mv.steps)


def mark_conversation_read(conversation: Conversation, now: datetime) -> int:
    """The patient opened a conversation: the clinician's messages in it are read."""
    result = db.session.execute(
        db.update(Message).where(Message.conversation_id == conversation.id, Message.sender_kind == "clinician",
                                 Message.read_by_patient_at.is_(None)).values(read_by_patient_at=now)
    )
    db.session.commit()
    return result.rowcount
