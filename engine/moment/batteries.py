"""Mätbatterier: a set of forms the clinician opens together (the follow-ups in Steg 5–7).

Starting a battery records `battery_started` (behind the flag "Nytt mätbatteri startat") and opens
its forms to the patient even outside the steps that show them; a form submitted while its battery
is started carries the battery id, which is what "Formulär i mätbatteri sparat" fires on.

A battery with `auto_start` starts itself: `due_batteries` says which are due (the tick starts each
with `start_battery(..., actor=SYSTEM)`), and a battery started by the system always flags the
clinician ("Nytt mätbatteri startat"), subscribed or not (engine.moment.mandatory_flags).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..errors import TransitionError
from ..localtime import require_aware
from ..model import Battery, Program
from .anchors import at_base, timing_base
from .rules import check_time, make_event, moment_status, require_active, require_clinician
from .state import Actor, MomentState, Transition

__all__ = ["start_battery", "battery_forms_left", "DueBattery", "due_batteries"]


def start_battery(program: Program, state: MomentState, battery_id: str, *, now: datetime,
                  actor: Actor) -> Transition:
    """The clinician (or the system, for auto_start) starts a battery: its forms open for the patient
    (once per moment)."""
    check_time(state, now)
    require_clinician(actor, "starta mätbatterier")
    require_active(state, now)
    battery = program.battery(battery_id)
    if battery is None:
        known = ", ".join(b.id for b in program.batteries) or "inga"
        raise TransitionError(f"Okänt mätbatteri {battery_id!r} (programmets mätbatterier: {known}).")
    if battery_id in state.batteries:
        raise TransitionError(f"Mätbatteri {battery.title} är redan startat.")
    auto = actor.kind == "system"
    text = f"Mätbatteri {battery.title} startades" + (" automatiskt" if auto else "")
    extra: dict[str, Any] = {"auto": True} if auto else {}
    event = make_event("battery_started", now, actor, text,
                       module=battery.module, battery=battery.id, forms=list(battery.forms), **extra)
    return Transition(state.with_batteries(state.batteries | {battery_id}), (event,))


@dataclass(frozen=True)
class DueBattery:
    """A battery whose auto_start time has come and that has not been started in the moment."""

    battery: Battery
    at: datetime


def due_batteries(program: Program, state: MomentState, now: datetime) -> list[DueBattery]:
    """Batteries with auto_start due at `now` in an active moment and not started yet, oldest first (pure).

    Start each with `start_battery(program, state, due.battery.id, now=now, actor=SYSTEM)`, passing the
    state each start returns to the next; a battery is started once per moment.
    """
    require_aware(now)
    if moment_status(state, now) != "active":
        return []
    found = []
    not_yet: set[date | None] = set()  # bases with a battery not due: one more days after them is not due either
    for days, base, battery in sorted(_waiting(program, state), key=lambda t: t[0]):  # fewest days first
        if base in not_yet:
            continue
        at = at_base(state, base, days)
        if at <= now:
            found.append(DueBattery(battery, max(at, state.started_at)))
        else:
            not_yet.add(base)
    return sorted(found, key=lambda d: (d.at, d.battery.id))


def _waiting(program: Program, state: MomentState) -> list[tuple[int, date | None, Battery]]:
    """(days, base, battery) of each self-starting battery not started in the moment (`anchors.timing_base`)."""
    found = []
    for battery in program.batteries:
        auto = battery.auto_start
        if auto is None or battery.id in state.batteries:
            continue
        timing = timing_base(state, days_after_start=auto.days_after_start, anchor=auto.anchor,
                             days_after_anchor=auto.days_after_anchor)
        if timing is not None:
            found.append((timing[1], timing[0], battery))
    return found


def battery_forms_left(program: Program, state: MomentState, battery_id: str) -> tuple[str, ...]:
    """Forms of a started battery that the patient has not submitted yet."""
    battery = program.battery(battery_id)
    if battery is None:
        raise TransitionError(f"Okänt mätbatteri {battery_id!r}.")
    return tuple(f for f in battery.forms if f not in state.submitted_forms)


def next_battery_at(program: Program, state: MomentState) -> datetime | None:
    """When the next self-starting battery of the moment falls due (None: none left, or the moment ended).

    The tick stores this with the moment so it only reads the moments whose time has come.
    """
    if state.ended_at is not None:
        return None
    fewest: dict[date | None, int] = {}  # the earliest of each base is the one with the fewest days
    for days, base, _ in _waiting(program, state):
        if base not in fewest or days < fewest[base]:
            fewest[base] = days
    times = [at_base(state, base, days) for base, days in fewest.items()]
    return min(times) if times else None
