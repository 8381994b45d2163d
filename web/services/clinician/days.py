"""Dagar kvar on Hantera: "no time limit" is chosen explicitly (None), 0 means no days left, unchanged saves nothing."""
from __future__ import annotations

from datetime import datetime

from engine.errors import EngineError
from engine.moment import lifecycle
from engine.moment.rules import MAX_DAYS

from ...models import Enrollment, Membership, User
from ..core.rows import build_state, program_for
from ..errors import ServiceError
from . import moments

__all__ = ["MAX_DAYS", "set_days_left", "activate_module"]


def set_days_left(enrollment: Enrollment, module_id: str, days_left: int | None, *, user: User,
                  membership: Membership, now: datetime) -> bool:
    """Dagar kvar for a module: a number of days left from today, or None for "Ingen tidsgräns".

    False (and nothing recorded) when the module already has exactly that; True when it changed.
    """
    try:
        current = lifecycle.days_left(program_for(enrollment), build_state(enrollment), module_id, now)
    except EngineError as exc:
        raise ServiceError(str(exc)) from exc
    if current == days_left:
        return False
    moments.set_days_left(enrollment, module_id, days_left, user=user, membership=membership, now=now)
    return True


def activate_module(enrollment: Enrollment, module_id: str, *, days: int | None, user: User,
                    membership: Membership, now: datetime) -> None:
    """Sätt till aktuell with the days typed, or None for "Ingen tidsgräns"."""
    moments.activate_module(enrollment, module_id, days=days, no_limit=days is None, user=user,
                            membership=membership, now=now)
