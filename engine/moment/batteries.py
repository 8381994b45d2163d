"""Mätbatterier: a set of forms the clinician opens together (the follow-ups in Steg 5–7).

Starting a battery records `battery_started` (behind the flag "Nytt mätbatteri startat") and opens
its forms to the patient even outside the steps that show them; a form submitted while its battery
is started carries the battery id, which is what "Formulär i mätbatteri sparat" fires on.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..errors import TransitionError
from ..model import Program
from .rules import check_time, make_event, require_active, require_clinician
from .state import Actor, MomentState, Transition

__all__ = ["start_battery", "battery_forms_left"]


def start_battery(program: Program, state: MomentState, battery_id: str, *, now: datetime,
                  actor: Actor) -> Transition:
    """The clinician starts a battery: its forms open for the patient (once per moment)."""
    check_time(state, now)
    require_clinician(actor, "starta mätbatterier")
    require_active(state, now)
    battery = program.battery(battery_id)
    if battery is None:
        known = ", ".join(b.id for b in program.batteries) or "inga"
        raise TransitionError(f"Okänt mätbatteri {battery_id!r} (programmets mätbatterier: {known}).")
    if battery_id in state.batteries:
        raise TransitionError(f"Mätbatteri {battery.title} är redan startat.")
    event = make_event("battery_started", now, actor, f"Mätbatteri {battery.title} startades",
                       module=battery.module, battery=battery.id, forms=list(battery.forms))
    return Transition(replace(state, batteries=state.batteries | {battery_id}), (event,))


def battery_forms_left(program: Program, state: MomentState, battery_id: str) -> tuple[str, ...]:
    """Forms of a started battery that the patient has not submitted yet."""
    battery = program.battery(battery_id)
    if battery is None:
        raise TransitionError(f"Okänt mätbatteri {battery_id!r}.")
    return tuple(f for f in battery.forms if f not in state.submitted_forms)
