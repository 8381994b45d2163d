"""Holds: what an alert keeps from the patient until a clinician has looked (`holds:` on an alert).

An alert with `holds: {forms, steps, modules, text}` holds those while its answer_alert flag is
open: the flag's cause names the form and alert (engine.moment.mandatory_flags.alert_cause). The
web passes the causes of the moment's open flags whose hold was not released by hand; handling the
flag releases the hold. A held form cannot be saved or submitted, a held step or module cannot be
opened; Meddelanden are never held, so a held patient can always write to the clinician.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from datetime import datetime

from ..errors import TransitionError
from ..model import Alert, Holds, Module, Program
from .mandatory_flags import alert_of_cause
from .rules import check_time, make_event, require_clinician
from .state import Actor, Event, MomentState, Transition

__all__ = ["ActiveHold", "Holding", "NO_HOLDS", "holding", "alerts_holding", "held_text", "release_hold",
           "flag_handled_event"]


@dataclass(frozen=True)
class ActiveHold:
    """One alert's hold in one moment: the flag cause that keeps it, the form and the alert."""

    cause: str
    form: str
    alert: Alert

    @property
    def holds(self) -> Holds:
        assert self.alert.holds is not None  # only alerts with holds become ActiveHolds
        return self.alert.holds


@dataclass(frozen=True)
class Holding:
    """Every active hold of a moment, with the questions the rules ask of them."""

    holds: tuple[ActiveHold, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.holds)

    def form(self, form_id: str) -> ActiveHold | None:
        """The first hold on a form, or None."""
        return next((h for h in self.holds if form_id in h.holds.forms), None)

    def module(self, module_id: str) -> ActiveHold | None:
        """The first hold on a whole module, or None."""
        return next((h for h in self.holds if module_id in h.holds.modules), None)

    def step(self, module_id: str, step_id: str) -> ActiveHold | None:
        """The first hold on a step (a held module holds all its steps), or None."""
        key = f"{module_id}/{step_id}"
        return self.module(module_id) or next((h for h in self.holds if key in h.holds.steps), None)

    def texts(self) -> tuple[str, ...]:
        """The patient texts of the active holds, each once, in order."""
        return tuple(dict.fromkeys(h.holds.text for h in self.holds))

    def check_form(self, form_id: str, module: Module | None = None) -> None:
        """Refuse (TransitionError) a held form, or a form answered in a module where it is held: the
        whole module, or every step of it that shows the form."""
        hold = self.form(form_id)
        if hold is None and module is not None:
            steps = [self.step(module.id, s.id) for s in module.steps if form_id in s.forms]
            hold = self.module(module.id) or (steps[0] if steps and all(steps) else None)
        if hold is not None:
            raise TransitionError(f"Formuläret väntar på att behandlaren har sett dina svar. {hold.holds.text}")

    def check_step(self, module_id: str, step_id: str) -> None:
        """Refuse (TransitionError) a held step or a step of a held module."""
        hold = self.step(module_id, step_id)
        if hold is not None:
            raise TransitionError(f"Avsnittet väntar på att behandlaren har sett dina svar. {hold.holds.text}")


NO_HOLDS = Holding()


def holding(program: Program, open_causes: Iterable[str]) -> Holding:
    """The holds of the open answer_alert flags with these causes (other causes are ignored)."""
    found = []
    for cause in open_causes:
        named = alert_of_cause(program, cause)
        if named is not None and named[1].holds is not None:
            found.append(ActiveHold(cause, named[0], named[1]))
    return Holding(tuple(found))


def alerts_holding(program: Program) -> bool:
    """Whether any alert of the program holds something (else no moment ever needs to ask)."""
    return any(a.holds is not None for f in program.forms.values() for a in f.alerts)


def held_text(program: Program, names: Iterable[str]) -> str:
    """What is held, in the clinician's words: "formuläret Min stoppdag, avsnitt 1.4 Stoppdag, modul Steg 2"."""
    parts = []
    for name in names:
        module_id, _, step_id = name.partition("/")
        step = program.step(module_id, step_id) if step_id else None
        module, form = program.module(name), program.form(name)
        if step is not None:
            parts.append(f"avsnitt {step.number} {step.title}")
        elif form is not None:
            parts.append(f"formuläret {form.title}")
        elif module is not None:
            parts.append(f"modul {module.title}")
        else:
            parts.append(name)
    return ", ".join(parts)


def release_hold(program: Program, state: MomentState, hold: ActiveHold, *, now: datetime,
                 actor: Actor) -> Transition:
    """The clinician releases a hold by hand (Släpp spärren); the flag itself stays open."""
    check_time(state, now)
    require_clinician(actor, "släppa en spärr")
    what = held_text(program, hold.holds.names)
    event = make_event("hold_released", now, actor, f"Spärren släpptes ({hold.alert.title}): {what}",
                       form=hold.form, cause=hold.cause, alert=hold.alert.id)
    return Transition(state, (event,))


def flag_handled_event(label: str, flag_type: str, cause: str, *, now: datetime, actor: Actor) -> Event:
    """The timeline event of a handled flag (handling an alert's flag also releases what it holds)."""
    return make_event("flag_handled", now, actor, f"Flaggan {label} hanterades", flag=flag_type, cause=cause)
