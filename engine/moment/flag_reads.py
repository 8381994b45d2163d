"""What `engine.moment.flags.due_flags` reads of a moment's events, so a caller may hand it only that.

A moment's history is mostly step views and module changes that no flag rule looks at. The web's
tick reads the stored events of many moments back at once (web.services.core.moment_batch.events);
`events_read(rules, plans=…)` says what of them `due_flags` reads with those rules and plans, and
`EventsRead.needed` is that part of a list of events: given it, `due_flags` answers the same.

The declarations are per flag type (`READS`, `READS_ACTIONS`), next to nothing else, and
tests/engine/test_flag_reads.py checks each one against what the rule touches of every kind of event:
a rule that starts reading another event type fails there, and a rule type missing from `READS`
(a new one) is handed every event.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Iterable, Mapping, Sequence

from ..model import frozen_map
from .flags import FlagRule
from .mandatory_flags import MANDATORY_READS
from .schedule import REGISTRATION_EVENTS, ActivityPlan
from .state import Event

__all__ = ["READS", "READS_ACTIONS", "EventsRead", "events_read"]

#: flag type → the event types its rule's `flags` reads (any field of them); a type not here reads all
READS: Final[Mapping[str, frozenset[str]]] = frozen_map({
    "form_saved": frozenset({"form_submitted"}),
    "form_review": frozenset({"form_submitted", "form_opened"}),
    "battery_form_saved": frozenset({"form_submitted"}),
    "battery_started": frozenset({"battery_started"}),
    "activity_saved": frozenset({"activity_registered"}),
    "module_reminder": frozenset(),
    "date_reminder": frozenset(),
    "patient_inactivity": frozenset(),
    "moment_ending_soon": frozenset(),
    "clinician_changed": frozenset({"clinician_changed"}),
    "new_message": frozenset({"message_sent"}),
})
#: the flag types whose rule also reads the patient's actions, of every type: only their type, time and
#: actor (and the actor of any event, to tell them apart)
READS_ACTIONS: Final[frozenset[str]] = frozenset({"patient_inactivity"})


@dataclass(frozen=True)
class EventsRead:
    """What `due_flags` reads of a moment's events: every field of the events of `types`; with `actions`
    also the type, time and actor of the patient's other events (and nothing of anybody else's)."""

    types: frozenset[str]
    actions: bool = False

    def needed(self, events: Iterable[Event]) -> list[Event]:
        """The events as far as they are read, in their order: given these, `due_flags` answers the same."""
        return [e if e.type in self.types else Event(e.type, e.at, e.actor) for e in events
                if e.type in self.types or self.actions and e.actor.kind == "patient"]


def events_read(rules: Iterable[FlagRule], *, plans: Sequence[ActivityPlan] = ()) -> EventsRead | None:
    """What `due_flags` reads of the events with these rules and plans (None: any field of any event)."""
    types, actions = {"flag_raised", *MANDATORY_READS}, False  # the raised causes; the never-opt-in flags
    for rule in rules:
        if rule.type not in READS:
            return None
        types |= READS[rule.type]
        actions = actions or rule.type in READS_ACTIONS
    if any(plan.flag_missed and plan.active for plan in plans):
        types |= REGISTRATION_EVENTS  # missed_occurrences
    return EventsRead(frozenset(types), actions)
