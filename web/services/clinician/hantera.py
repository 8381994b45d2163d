"""Read models for the moment pages: what Hantera shows, computed by the engine's queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from engine.moment import lifecycle
from engine.moment.holds import held_text
from engine.model import Program

from ...extensions import db
from ...models import CareUnit, Conversation, Enrollment, Flag, FormResponse, Membership, Message, Region, User
from ...models.people import role_codes, unit_display_name
from ...content.programs import get_program
from ..core.holds import holding_of_flags
from ..core.moment_rows import shown_state
from ..core.reads import read
from ..core.rows import StaffName, program_for


@dataclass
class StepView:
    number: str
    title: str
    #: not_started | started | done
    progress: str


@dataclass
class FormView:
    id: str
    title: str
    #: newest submitted answers, if any (a row of `submitted_rows`)
    latest: Any | None
    unread: bool


@dataclass
class ModuleView:
    id: str
    title: str
    kind: str
    #: upcoming | current | completed
    state: str
    #: invånarstatus: hidden | read_write | read_only
    status: str
    #: Dagar kvar (None = no limit)
    days_left: int | None
    #: days the module gets when set to current (None = no limit)
    days: int | None
    steps: list[StepView] = field(default_factory=list)
    forms: list[FormView] = field(default_factory=list)


@dataclass
class HoldView:
    """What an open alert flag holds from the patient, and why (Hantera)."""

    flag: Flag
    #: the alert's title (why)
    why: str
    #: "formuläret Min stoppdag, avsnitt 1.4 Min stoppdag" (what)
    what: str
    #: what the patient reads meanwhile
    text: str


@dataclass
class HanteraView:
    program: Program
    days_in_moment: int
    recommended_days: int
    modules_done: int
    modules_total: int
    status: str
    welcome_text: str
    welcome_is_custom: bool
    current: list[ModuleView]
    others: list[ModuleView]
    open_flags: list
    #: submitted answers no clinician has opened (rows of `submitted_rows`), newest first
    unread_forms: list
    unread_messages: int
    #: the program version the moment follows (Programversion), with a digest prefix when needed to tell apart
    version: str = ""
    #: the installed program's version when the moment follows another one (then "En nyare version")
    installed_version: str | None = None
    #: what open alert flags hold from the patient (Släpp spärren)
    holds: list[HoldView] = field(default_factory=list)

    @property
    def has_unhandled(self) -> bool:
        return bool(self.open_flags or self.unread_forms or self.unread_messages)


def hantera(enrollment: Enrollment, now: datetime) -> HanteraView:
    """Everything the Hantera tab shows for one moment."""
    program = program_for(enrollment)
    responses = submitted_rows(enrollment)
    state = shown_state(enrollment, submitted=responses)  # modules and steps as plain rows when not loaded
    latest: dict[str, Any] = {}
    for r in responses:  # newest first
        latest.setdefault(r.form_id, r)
    unread_ids = {r.form_id for r in responses if r.opened_at is None}
    views = []
    for module in program.modules:
        ms = state.modules.get(module.id)
        if ms is None:
            continue
        form_ids = [f for step in module.steps for f in step.forms]
        views.append(ModuleView(
            id=module.id, title=module.title, kind=module.kind, state=ms.state, status=ms.status,
            days_left=lifecycle.days_left(program, state, module.id, now), days=ms.days,
            steps=[StepView(s.number, s.title, lifecycle.step_progress(state, module.id, s.id)) for s in module.steps],
            forms=[FormView(f, program.form(f).title if program.form(f) else f, latest.get(f), f in unread_ids)
                   for f in dict.fromkeys(form_ids)],
        ))
    done, total = lifecycle.modules_completed(state)
    flags, unread_messages = _open_flags_and_unread_messages(enrollment)
    by_cause = {f.cause_key: f for f in flags}
    holds = [HoldView(by_cause[h.cause], h.alert.title, held_text(program, h.holds.names), h.holds.text)
             for h in holding_of_flags(program, flags).holds]
    return HanteraView(
        program=program,
        days_in_moment=lifecycle.days_in_moment(state, now),
        recommended_days=program.recommended_days,
        modules_done=done, modules_total=total,
        status=lifecycle.moment_status(state, now),
        welcome_text=enrollment.welcome_text or program.welcome_text,
        welcome_is_custom=enrollment.welcome_text is not None,
        current=[v for v in views if v.state == "current"],
        others=[v for v in views if v.state != "current"],
        open_flags=flags,
        unread_forms=[r for r in responses if r.opened_at is None],
        unread_messages=unread_messages,
        holds=holds,
        **version_labels(program, get_program(enrollment.program_id)),
    )


def version_labels(pinned: Program, installed: Program | None) -> dict[str, str | None]:
    """`version` and `installed_version` for Hantera; equal version strings get a short digest each."""
    if installed is None or installed.digest == pinned.digest:
        return {"version": pinned.version, "installed_version": None}
    if installed.version == pinned.version:  # the YAML or content changed without a new version number
        return {"version": f"{pinned.version} ({pinned.digest[:7]})",
                "installed_version": f"{installed.version} ({installed.digest[:7]})"}
    return {"version": pinned.version, "installed_version": installed.version}


# The statements of `_open_flags_and_unread_messages`, `handover_choices` and `submitted_rows`, each built
# once: building and keying an ORM statement costs more CPU than running it (as web.services.patient.program does).

@cache
def _open_flags_statement() -> Any:
    unread = (db.select(db.func.count(Message.id)).join(Conversation, Message.conversation_id == Conversation.id)
              .where(Conversation.enrollment_id == Enrollment.id, Message.sender_kind == "patient",
                     Message.read_by_clinician_at.is_(None))
              .scalar_subquery())
    return (db.select(unread, Flag).select_from(Enrollment)
            .outerjoin(Flag, db.and_(Flag.enrollment_id == Enrollment.id, Flag.handled_at.is_(None)))
            .where(Enrollment.id == db.bindparam("enrollment_id"))
            .order_by(Flag.urgent.desc(), Flag.raised_at.desc(), Flag.id.desc()))


@cache
def _handover_statement() -> Any:
    unit_id = db.bindparam("unit_id")
    return (db.select(CareUnit.id, CareUnit.name, Region.name, Membership.roles, User.id, User.name)
            .join(CareUnit.region)
            .outerjoin(Membership, db.and_(Membership.care_unit_id == CareUnit.id, CareUnit.id == unit_id))
            .outerjoin(User, db.and_(User.id == Membership.user_id, User.active.is_(True)))
            .order_by(CareUnit.name, User.name, User.id))


@cache
def _submitted_statement() -> Any:
    return db.select(FormResponse.id, FormResponse.form_id, FormResponse.answers, FormResponse.form_title,
                     FormResponse.submitted_at, FormResponse.opened_at).where(
        FormResponse.enrollment_id == db.bindparam("enrollment_id"), FormResponse.status == "submitted"
    ).order_by(FormResponse.submitted_at.desc(), FormResponse.id.desc())


def submitted_rows(enrollment: Enrollment) -> list[Any]:
    """The moment's submitted answers newest first, as read-only rows of what Hantera shows and the state needs
    (id, form_id, answers, form_title, submitted_at, opened_at): not FormResponse objects with their question
    snapshots, scores and tokens (`responses.submitted_responses` loads those)."""
    return read(_submitted_statement(), {"enrollment_id": enrollment.id}).all()


def _open_flags_and_unread_messages(enrollment: Enrollment) -> tuple[list[Flag], int]:
    """The moment's unhandled flags (urgent first, then newest) and unread patient messages, in one statement.

    One row per open flag, or one row without a flag; each row carries the message count."""
    rows = db.session.execute(_open_flags_statement(), {"enrollment_id": enrollment.id}).all()
    return [flag for _, flag in rows if flag is not None], (rows[0][0] if rows else 0)


class UnitChoice(NamedTuple):
    """A unit Överlämna offers: what the page shows of it (`CareUnit.display_name`) and its id."""

    id: int
    name: str
    display_name: str


def handover_choices(enrollment: Enrollment) -> tuple[list[StaffName], list[UnitChoice]]:
    """(clinicians, units) for Hantera's Byte av behandlare and Överlämna, in one statement, as columns.

    Every unit once with its region, and the moment's own unit once per active member: the members
    holding the Behandlare role are the clinicians (by name), the other units the handover targets
    (by name) — the same lists as eligible_clinicians() and other_units()."""
    unit_id = enrollment.care_unit_id
    rows = read(_handover_statement(), {"unit_id": unit_id}).all()
    clinicians = [StaffName(user_id, user_name) for unit, _, _, roles, user_id, user_name in rows
                  if unit == unit_id and user_id is not None and "behandlare" in role_codes(roles)]
    units = [UnitChoice(unit, name, unit_display_name(region, name)) for unit, name, region, *_ in rows
             if unit != unit_id]
    return clinicians, units


def other_units(enrollment: Enrollment) -> list[CareUnit]:
    """Units a moment can be handed over to (Överlämna)."""
    return list(db.session.execute(
        db.select(CareUnit).where(CareUnit.id != enrollment.care_unit_id).order_by(CareUnit.name)
    ).scalars())

