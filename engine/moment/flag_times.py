"""When a time-driven flag falls due next: the tick stores it per moment so it reads a moment again only then.

Only for rules whose flags (their times and causes) follow from the state and events alone, not from
the time they are evaluated at (`NOW_INDEPENDENT`): Invånare inaktivitet, whose stretches run from the
start and the patient's actions.
"""
from __future__ import annotations

from datetime import datetime
from typing import Final, Iterable, Sequence

from ..model import Program
from .flags import FlagRule, _Context, fires
from .state import Event, MomentState

__all__ = ["NOW_INDEPENDENT", "next_due_at"]

#: time-driven flag types whose flags (times and causes) follow from the state and events, not from `now`
NOW_INDEPENDENT: Final[frozenset[str]] = frozenset({"patient_inactivity"})


def next_due_at(program: Program, state: MomentState, events: Iterable[Event], subscriptions: Sequence[FlagRule],
                now: datetime, *, types: frozenset[str], raised: Iterable[str] = ()) -> datetime | None:
    """The earliest time a flag of the time-driven rules of `types` falls due that `due_flags` at `now` does
    not return, i.e. after `now` (None: never, while the state, events and subscriptions stay as they are).

    `raised`: causes already raised besides the events' `flag_raised` ones (the web's Flag rows, and the
    flags being raised at `now`). A cause due at or before `now` that has not been raised counts as due
    at its time, so a caller that stores this never waits past a flag it failed to raise. Only for rules
    whose flags do not depend on `now` (PatientInactivity: the stretches follow from the events alone).
    """
    events = tuple(events)
    done = {e.data.get("cause") for e in events if e.type == "flag_raised"} | set(raised)
    ctx = _Context(program, state, events, now)
    earliest: datetime | None = None
    for rule in subscriptions:
        if rule.type not in types:
            continue
        if not rule.time_driven or rule.type not in NOW_INDEPENDENT:
            raise ValueError(f"next_due_at cannot tell when {rule.type} falls due")
        for flag in rule.flags(ctx):
            if flag.cause in done or not fires(flag.at, rule.since, timed=True, current=flag.current,
                                                   ended=state.ended_at):
                continue
            if earliest is None or flag.at < earliest:
                earliest = flag.at
    return earliest
