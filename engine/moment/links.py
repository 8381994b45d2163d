"""Länkade moment, symmetric: the web links (and unlinks) both moments, each with its own event.

`label` is how the other moment is named in the timeline (program, unit and start date), so the
event never shows a bare database id. Linking works also after the end, like `lifecycle.link`.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..errors import TransitionError
from ..model import Program
from .rules import check_time, make_event, require_clinician
from .state import Actor, MomentState, Transition

__all__ = ["link", "unlink"]


def _other(other_moment_id: str) -> str:
    if not isinstance(other_moment_id, str) or not other_moment_id.strip():
        raise TransitionError("Ange vilket moment som ska länkas.")
    return other_moment_id


def link(program: Program, state: MomentState, other_moment_id: str, label: str, *, now: datetime,
         actor: Actor) -> Transition:
    """Länka: remember that this moment belongs with another one of the same patient."""
    check_time(state, now)
    require_clinician(actor, "länka moment")
    other = _other(other_moment_id)
    if other in state.linked:
        raise TransitionError(f"Momentet är redan länkat till {label}.")
    event = make_event("moment_linked", now, actor, f"Momentet länkades till {label}", other=other)
    return Transition(replace(state, linked=(*state.linked, other)), (event,))


def unlink(program: Program, state: MomentState, other_moment_id: str, label: str, *, now: datetime,
           actor: Actor) -> Transition:
    """Ta bort länk: the moments no longer belong together."""
    check_time(state, now)
    require_clinician(actor, "ta bort länk")
    other = _other(other_moment_id)
    if other not in state.linked:
        raise TransitionError(f"Momentet är inte länkat till {label}.")
    event = make_event("moment_unlinked", now, actor, f"Länken till {label} togs bort", other=other)
    return Transition(replace(state, linked=tuple(x for x in state.linked if x != other)), (event,))
