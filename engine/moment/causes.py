"""Cause keys: what makes each flag (and notice) unique, and the events a flag can arise from.

engine.moment.flags builds its flags' causes with these (and re-exports them); the web's SQL prefilters
build prefixes of them.
"""
from __future__ import annotations

from typing import Final

__all__ = ["CAUSE_SEPARATOR", "FLAG_CAUSES", "cause_key", "cause_prefix"]


#: the event types an event-driven flag (a subscription's or a mandatory one) arises from. An action
#: recording only other events (a step view, a saved draft) makes no new flag due at its own time, so
#: the web need not ask `due_flags` after it; what became due meanwhile (a `form_review` after its
#: days) is raised by the next such event or by the tick.
FLAG_CAUSES: Final[frozenset[str]] = frozenset({
    "form_submitted", "battery_started", "activity_registered", "clinician_changed", "message_sent",
})

#: joins the parts of a cause key: "type:part:part…" (the web's SQL prefilters build prefixes with it)
CAUSE_SEPARATOR: Final = ":"


def cause_key(flag_type: str, *parts: object) -> str:
    """The stable cause key of a flag (or notice): its type and parts joined, e.g. "new_message:2026-…"."""
    return CAUSE_SEPARATOR.join(map(str, (flag_type, *parts)))


def cause_prefix(flag_type: str, *parts: object) -> str:
    """The start every cause key of `type` with these leading parts has: "type:part:…:"."""
    return cause_key(flag_type, *parts) + CAUSE_SEPARATOR
