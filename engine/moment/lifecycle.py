"""The moment lifecycle: pure transitions over a MomentState snapshot.

Every action takes the program, the current state and `now` (an aware datetime) and returns a
`Transition` (new state + events with Swedish timeline texts), or raises `TransitionError` with a
Swedish message the clinician or author can act on. Nothing here reads the clock or stores
anything; the web layer persists the new state and the events in one transaction.

Rules decided here (see also docs/scenario.md):
- At start, modules with `starts_with_moment` become *current* (read_write) with their default
  days; every other module is *upcoming* and hidden from the patient.
- Days left are counted in Stockholm calendar days from activation: on the activation day a
  module with 14 days has 14 days left, the next day 13, never below 0. `None` days = no time
  limit (`days_left` returns None); the program YAML's `default_days: 0` is read as None. At the deadline nothing is closed: the patient keeps access and
  module reminders (flags) can fire; the clinician decides what happens next.
- "Sätt till avklarad" makes the module read-only for the patient; "Sätt till kommande" hides it;
  "Sätt till aktuell" opens it read/write.
- An ended moment accepts no actions except `maintain` (vidmakthåll), `link` and `open_form`
  (reading answers). In maintenance the patient may read non-hidden modules until
  `maintain_until` (inclusive) but not write, submit or send messages.

Patient actions (view_step, save_form, submit_form, send_message) and open_form live in
engine.patient_actions, start_battery in engine.batteries; both are re-exported here, so
`engine.lifecycle` is the whole moment API (activity plans: engine.schedule; flags: engine.flags).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Final, Literal

from ..errors import TransitionError
from ..localtime import days_between, local_date, require_aware
from ..model import Module, Program, frozen_map
from ..text import plural
from .rules import (
    MAX_DAYS,
    STATE_LABELS,
    STATUS_LABELS,
    check_time,
    days_in_moment,
    days_left,
    days_left_of,
    deadline,
    last_active,
    make_event,
    module_of,
    moment_status,
    modules_completed,
    patient_can_see,
    patient_can_write,
    require_active,
    require_clinician,
    step_progress,
    unread_forms,
    with_module,
)
from .batteries import start_battery
from .patient import open_form, save_form, send_message, submit_form, view_step
from .state import PATIENT_STATUSES, Actor, ModuleState, MomentState, Transition, is_patient_status

__all__ = [
    "start", "activate_module", "complete_module", "set_upcoming", "set_days_left", "set_status",
    "end", "maintain", "change_clinician", "hand_over", "link",
    "view_step", "save_form", "submit_form", "open_form", "send_message", "start_battery",
    "days_left", "days_left_of", "deadline", "days_in_moment", "modules_completed", "moment_status",
    "patient_can_see", "patient_can_write", "last_active", "step_progress", "unread_forms",
    "STATUS_LABELS", "STATE_LABELS", "MAX_DAYS", "DEFAULT_DAYS", "DefaultDays",
]

#: `activate_module` without `days`: the module's own default days
DefaultDays = Literal["default"]
DEFAULT_DAYS: Final[DefaultDays] = "default"


def _check_days(days: int | None) -> int | None:
    """Days (or days left) a clinician typed: None = no time limit, else 0 … MAX_DAYS."""
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int):
        raise TransitionError(f"Dagar kvar måste vara ett heltal, fick {days!r}.")
    if days < 0:
        raise TransitionError("Dagar kvar kan inte vara negativt.")
    if days > MAX_DAYS:
        raise TransitionError(f"Dagar kvar kan vara högst {MAX_DAYS}.")
    return days


# --- starting a moment ------------------------------------------------------------------------


def start(program: Program, *, now: datetime, clinician: Actor,
          care_unit: str | None = None) -> Transition:
    """Start a moment: modules that start with it become current, the rest upcoming and hidden."""
    require_aware(now)
    require_clinician(clinician, "starta ett moment")
    unit = care_unit or clinician.unit
    actor = replace(clinician, unit=unit) if unit and clinician.unit != unit else clinician
    modules: dict[str, ModuleState] = {}
    events = [make_event("moment_started", now, actor, f"Momentet {program.title} startades",
                         program=program.id, version=program.version)]
    for m in program.modules:
        if m.starts_with_moment:
            modules[m.id] = ModuleState(m.id, "current", "read_write", m.default_days, now)
            events.append(make_event("module_activated", now, actor, f"Modul {m.title} startades",
                                     module=m.id, days=m.default_days))
        else:
            modules[m.id] = ModuleState(m.id, "upcoming", "hidden", m.default_days)
    state = MomentState(
        program_id=program.id, program_version=program.version, started_at=now,
        clinician=actor, modules=frozen_map(modules), care_unit=unit,
    )
    return Transition(state, tuple(events))


# --- modules (Hantera) --------------------------------------------------------------------------


def _module_for_clinician(program: Program, state: MomentState, module_id: str, now: datetime, actor: Actor,
                          what: str) -> tuple[Module, ModuleState]:
    """The checks every Hantera module action shares: time order, a clinician, an active moment, a known module."""
    check_time(state, now)
    require_clinician(actor, what)
    require_active(state, now)
    return module_of(program, state, module_id)


def activate_module(program: Program, state: MomentState, module_id: str, *, now: datetime,
                    actor: Actor, days: int | None | DefaultDays = DEFAULT_DAYS) -> Transition:
    """Sätt till aktuell: open the module read/write for `days` (None = no limit; default: its own days)."""
    module, ms = _module_for_clinician(program, state, module_id, now, actor, "sätta en modul till aktuell")
    if ms.state == "current":
        raise TransitionError(f"Modul {module.title} är redan aktuell.")
    days = _check_days(ms.days if days == DEFAULT_DAYS else days)
    new = replace(ms, state="current", status="read_write", days=days, activated_at=now,
                  completed_at=None)
    event = make_event("module_activated", now, actor, f"Modul {module.title} startades",
                       module=module_id, days=days)
    return Transition(with_module(state, new), (event,))


def complete_module(program: Program, state: MomentState, module_id: str, *, now: datetime,
                    actor: Actor) -> Transition:
    """Sätt till avklarad: the module is done; the patient may still read it."""
    module, ms = _module_for_clinician(program, state, module_id, now, actor, "sätta en modul till avklarad")
    if ms.state != "current":
        raise TransitionError(
            f"Modul {module.title} är {STATE_LABELS[ms.state].lower()}; "
            "bara aktuella moduler kan sättas till avklarad."
        )
    # The next "Sätt till aktuell" starts again from the module's default days.
    new = replace(ms, state="completed", status="read_only", days=module.default_days,
                  completed_at=now)
    event = make_event("module_completed", now, actor, f"Modul {module.title} sattes till avklarad",
                       module=module_id)
    return Transition(with_module(state, new), (event,))


def set_upcoming(program: Program, state: MomentState, module_id: str, *, now: datetime,
                 actor: Actor) -> Transition:
    """Sätt till kommande: the module goes back to upcoming and is hidden from the patient."""
    module, ms = _module_for_clinician(program, state, module_id, now, actor, "sätta en modul till kommande")
    if ms.state == "upcoming":
        raise TransitionError(f"Modul {module.title} är redan kommande.")
    new = replace(ms, state="upcoming", status="hidden", days=module.default_days, activated_at=None,
                  completed_at=None)
    event = make_event("module_set_upcoming", now, actor,
                       f"Modul {module.title} sattes till kommande", module=module_id)
    return Transition(with_module(state, new), (event,))


def set_days_left(program: Program, state: MomentState, module_id: str, days_left: int | None, *,
                  now: datetime, actor: Actor) -> Transition:
    """Dagar kvar: set how many days are left from today (None = no time limit)."""
    module, ms = _module_for_clinician(program, state, module_id, now, actor, "ändra dagar kvar")
    days_left = _check_days(days_left)
    if days_left is not None and ms.state == "current" and ms.activated_at is not None:
        # The stored days count from activation, so "N left from today" adds the days gone by.
        days: int | None = _check_days(days_between(ms.activated_at, now) + days_left)
    else:
        days = days_left
    if days == ms.days:
        already = "ingen tidsgräns" if days_left is None else f"{plural(days_left, 'dag', 'dagar')} kvar"
        raise TransitionError(f"Modul {module.title} har redan {already}.")
    event = make_event("days_changed", now, actor,
                       f"Dagar kvar för modul {module.title} ändrades till {_shown(days_left)}",
                       module=module_id, days_left=days_left, days=days)
    return Transition(with_module(state, replace(ms, days=days)), (event,))


def _shown(days_left: int | None) -> str:
    return "ingen tidsgräns" if days_left is None else str(days_left)


def set_status(program: Program, state: MomentState, module_id: str, status: str, *,
               now: datetime, actor: Actor) -> Transition:
    """Invånarstatus: hidden, read_write or read_only for the patient."""
    module, ms = _module_for_clinician(program, state, module_id, now, actor, "ändra invånarstatus")
    if not is_patient_status(status):
        raise TransitionError(
            f"Okänd invånarstatus {status!r}; välj en av {', '.join(PATIENT_STATUSES)}."
        )
    if ms.status == status:
        raise TransitionError(
            f"Invånarstatus för modul {module.title} är redan {STATUS_LABELS[status]}."
        )
    event = make_event("status_changed", now, actor,
                       f"Invånarstatus för modul {module.title} ändrades till {STATUS_LABELS[status]}",
                       module=module_id, status=status)
    return Transition(with_module(state, replace(ms, status=status)), (event,))


# --- the whole moment ---------------------------------------------------------------------------


def end(program: Program, state: MomentState, reason_id: str, *, now: datetime,
        actor: Actor) -> Transition:
    """Avsluta with one of the program's end reasons: the patient loses access."""
    check_time(state, now)
    require_clinician(actor, "avsluta momentet")
    require_active(state, now)
    reason = program.end_reason(reason_id)
    if reason is None:
        known = ", ".join(r.id for r in program.end_reasons)
        raise TransitionError(f"Okänd avslutningsorsak {reason_id!r}; välj en av {known}.")
    new = replace(state, status="ended", ended_at=now, end_reason=reason_id)
    event = make_event("moment_ended", now, actor, f"Momentet avslutades ({reason.title})",
                       reason=reason_id)
    return Transition(new, (event,))


def maintain(program: Program, state: MomentState, until: date, *, now: datetime,
             actor: Actor) -> Transition:
    """Vidmakthåll an ended moment: the patient may read (not write) up to and including `until`."""
    check_time(state, now)
    require_clinician(actor, "vidmakthålla momentet")
    if state.status == "active":
        raise TransitionError("Momentet måste avslutas innan det kan vidmakthållas.")
    if isinstance(until, datetime) or not isinstance(until, date):
        raise TransitionError(f"Vidmakthåll behöver ett datum, fick {until!r}.")
    if until < local_date(now):
        raise TransitionError(f"Vidmakthåll till {until} ligger före i dag ({local_date(now)}).")
    new = replace(state, status="maintenance", maintain_until=until)
    event = make_event("maintenance_started", now, actor, f"Momentet vidmakthålls till {until}",
                       until=until.isoformat())
    return Transition(new, (event,))


def change_clinician(program: Program, state: MomentState, *, now: datetime, actor: Actor,
                     new: Actor) -> Transition:
    """Byte av behandlare: another clinician becomes responsible for the moment."""
    check_time(state, now)
    require_clinician(actor, "byta behandlare")
    require_active(state, now)
    if new.kind != "clinician":
        raise TransitionError("Ansvarig behandlare måste vara en behandlare.")
    old = state.clinician
    if new.id == old.id:
        raise TransitionError(f"{new.name} är redan ansvarig behandlare.")
    event = make_event("clinician_changed", now, actor,
                       f"Ansvarig behandlare byttes från {old.name} till {new.name}",
                       **{"from": old.id, "to": new.id})
    return Transition(replace(state, clinician=new), (event,))


def hand_over(program: Program, state: MomentState, unit: str, *, now: datetime,
              actor: Actor) -> Transition:
    """Överlämna the moment to another care unit."""
    check_time(state, now)
    require_clinician(actor, "överlämna momentet")
    require_active(state, now)
    if not isinstance(unit, str) or not unit.strip():
        raise TransitionError("Ange vilken vårdenhet momentet ska överlämnas till.")
    if unit == state.care_unit:
        raise TransitionError(f"Momentet hör redan till {unit}.")
    event = make_event("handed_over", now, actor, f"Momentet överlämnades till {unit}",
                       **{"from": state.care_unit, "to": unit})
    return Transition(replace(state, care_unit=unit), (event,))


def link(program: Program, state: MomentState, other_moment_id: str, *, now: datetime,
         actor: Actor) -> Transition:
    """Länkade moment: remember that this moment belongs with another one (also after the end)."""
    check_time(state, now)
    require_clinician(actor, "länka moment")
    if not isinstance(other_moment_id, str) or not other_moment_id.strip():
        raise TransitionError("Ange vilket moment som ska länkas.")
    if other_moment_id in state.linked:
        raise TransitionError(f"Momentet är redan länkat till {other_moment_id}.")
    event = make_event("moment_linked", now, actor, f"Momentet länkades till moment {other_moment_id}",
                       other=other_moment_id)
    return Transition(replace(state, linked=(*state.linked, other_moment_id)), (event,))
