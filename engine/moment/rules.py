"""Guards, event helper and queries over a moment's state, shared by every engine action.

Queries answer what the Hantera page shows (Dagar kvar, Dagar i momentet, Moduler avklarade X av N,
Senast aktiv) and what the patient may do right now; guards raise TransitionError with a Swedish
message when an action makes no sense.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Final, Iterable, Mapping

from ..errors import TransitionError
from ..localtime import days_between, local_date, require_aware
from ..model import Module, Program, frozen_map
from .state import (
    Actor,
    Event,
    EventType,
    ModuleState,
    ModuleStateName,
    MomentState,
    MomentStatus,
    PatientStatus,
    StepProgress,
)

#: invånarstatus as the manual shows it
STATUS_LABELS: Final[Mapping[PatientStatus, str]] = frozen_map(
    {"hidden": "Dold", "read_write": "Läs/skriv", "read_only": "Läs"})
#: module states as the manual shows them
STATE_LABELS: Final[Mapping[ModuleStateName, str]] = frozen_map(
    {"upcoming": "Kommande", "current": "Aktuell", "completed": "Avklarad"})
#: upper bound on a module's days (ten years); larger numbers are typing mistakes
MAX_DAYS: Final = 3650

# --- guards and helpers ---------------------------------------------------------------------------


def make_event(type: EventType, now: datetime, actor: Actor, text: str, *, module: str | None = None,
               step: str | None = None, form: str | None = None, **data: Any) -> Event:
    """Build an Event with read-only, JSON-friendly data."""
    return Event(type=type, at=now, actor=actor, module=module, step=step, form=form,
                 data=frozen_map(data), text=text)


def check_time(state: MomentState, now: datetime) -> None:
    """Reject naive times and actions dated before the moment started."""
    require_aware(now)
    if now < state.started_at:
        raise TransitionError("Händelsen ligger före momentets start.")


def require_clinician(actor: Actor, what: str) -> None:
    """Only a clinician (or the system on their behalf) may do clinician actions."""
    if actor.kind not in ("clinician", "system"):
        raise TransitionError(f"Endast behandlare kan {what}.")


def require_patient(actor: Actor, what: str) -> None:
    """Only the patient may do patient actions (reading, answering forms)."""
    if actor.kind != "patient":
        raise TransitionError(f"Endast invånaren kan {what}.")


def require_active(state: MomentState, now: datetime) -> None:
    """Reject changes to a moment that has ended (including one in vidmakthåll)."""
    status = moment_status(state, now)
    if status == "maintenance":
        raise TransitionError(
            f"Momentet är avslutat och vidmakthålls till {state.maintain_until}: "
            "invånaren kan bara läsa."
        )
    if status == "ended":
        raise TransitionError("Momentet är avslutat.")


def module_of(program: Program, state: MomentState, module_id: str) -> tuple[Module, ModuleState]:
    """The program module and its state in this moment, or a clear error for an unknown id."""
    module = program.module(module_id)
    ms = state.modules.get(module_id)
    if module is None or ms is None:
        raise TransitionError(f"Okänd modul: {module_id!r}.")
    return module, ms


def with_module(state: MomentState, ms: ModuleState) -> MomentState:
    """A copy of the state with one module replaced (order kept)."""
    modules = dict(state.modules)
    modules[ms.id] = ms
    return replace(state, modules=frozen_map(modules))


# --- queries --------------------------------------------------------------------------------------


def moment_status(state: MomentState, now: datetime) -> MomentStatus:
    """active, maintenance or ended as of `now` (maintenance turns into ended after its last day)."""
    if (state.status == "maintenance" and state.maintain_until is not None
            and local_date(now) > state.maintain_until):
        return "ended"
    return state.status


def days_left_of(ms: ModuleState, now: datetime) -> int | None:
    """Days left of one module state; None = no limit."""
    if ms.days is None:
        return None
    if ms.state != "current" or ms.activated_at is None:
        return ms.days
    return max(0, ms.days - days_between(ms.activated_at, now))


def days_left(program: Program, state: MomentState, module_id: str, now: datetime) -> int | None:
    """Dagar kvar: calendar days left of a current module (its days for other modules); None = no limit."""
    module_of(program, state, module_id)
    return days_left_of(state.modules[module_id], now)


def deadline(state: MomentState, module_id: str) -> date | None:
    """The Stockholm date on which a current module reaches 0 days left (None without a limit)."""
    ms = state.modules.get(module_id)
    if ms is None or ms.state != "current" or ms.days is None or ms.activated_at is None:
        return None
    return local_date(ms.activated_at) + timedelta(days=ms.days)


def days_in_moment(state: MomentState, now: datetime) -> int:
    """Dagar i momentet: calendar days since the start (0 on the first day), frozen at the end."""
    until = min(now, state.ended_at) if state.ended_at else now
    return max(0, days_between(state.started_at, until))


def modules_completed(state: MomentState) -> tuple[int, int]:
    """Moduler avklarade X av N."""
    done = sum(1 for ms in state.modules.values() if ms.state == "completed")
    return done, len(state.modules)


def last_active(state: MomentState) -> datetime | None:
    """Senast aktiv: the patient's latest action, or None ("Aldrig")."""
    return state.last_active


def patient_can_see(state: MomentState, module_id: str, now: datetime) -> bool:
    """Whether the patient may open the module now (not hidden, moment active or in vidmakthåll)."""
    ms = state.modules.get(module_id)
    return ms is not None and ms.status != "hidden" and moment_status(state, now) != "ended"


def patient_can_write(state: MomentState, module_id: str, now: datetime) -> bool:
    """Whether the patient may save and submit forms in the module now."""
    ms = state.modules.get(module_id)
    return ms is not None and ms.status == "read_write" and moment_status(state, now) == "active"


def step_progress(state: MomentState, module_id: str, step_id: str) -> StepProgress:
    """not_started, started (yellow) or done (green) for one step."""
    return state.steps.get(f"{module_id}/{step_id}", "not_started")


def unread_forms(events: Iterable[Event]) -> list[str]:
    """Form ids submitted since the clinician last opened them (shown as unread on the overview)."""
    unread: dict[str, None] = {}
    for e in sorted(events, key=lambda e: e.at):
        if e.type == "form_submitted" and e.form and e.actor.kind != "clinician":  # not what they set
            unread[e.form] = None
        elif e.type == "form_opened" and e.form:
            unread.pop(e.form, None)
    return list(unread)
