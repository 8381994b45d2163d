"""What `engine.moment.flags.due_flags` reads of a moment's events, so a caller may hand it only that.

A moment's history is mostly step views and module changes that no flag rule looks at. The web's
tick reads the stored events of many moments back at once (web.services.core.moment_batch.events);
`events_read(rules, plans=…)` says what of them `due_flags` reads with those rules and plans, and
`EventsRead.needed` is that part of a list of events: given it, `due_flags` answers the same.

The declarations are per flag type (`READS`, `READS_ACTIONS`, `ACTIONS_APART`), next to nothing else, and
tests/engine/test_flag_reads.py checks each one against what the rule touches of every kind of event:
a rule that starts reading another event type fails there, and a rule type missing from `READS`
(a new one) is handed every event.

Of the patient's actions (most of a history: step views), the inactivity rule needs few: two actions less
than `days` days apart never open a stretch between them, and of the actions before the rule's subscription
only the latest can open one that still fires. `ACTIONS_APART` says so, and `needed` keeps of the actions the
first and the last of each stretch they fall in (`EventsRead.stretch`); tests/engine/test_flag_reads.py holds
that to `due_flags` and `next_due_at` over random histories.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Callable, Final, Iterable, Mapping, Sequence, TypeVar

from ..model import frozen_map
from ..localtime import LOCAL_DAYS_SPARE
from .flags import FlagRule
from .mandatory_flags import MANDATORY_READS
from .schedule import REGISTRATION_EVENTS, ActivityPlan
from .state import Event

__all__ = ["ACTIONS_APART", "READS", "READS_ACTIONS", "EventsRead", "events_read", "union"]

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
#: the start of the stretches of EventsRead.apart
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _inactivity_apart(rule: FlagRule) -> tuple[timedelta | None, datetime | None]:
    """An action less than `days` days after another never ends a stretch of inactivity; of the actions before
    the subscription (`since`) only the latest can: an earlier one is followed by an action before `since`, so
    its stretch is due before `since` (fires only while current) or is not a stretch."""
    days = timedelta(days=getattr(rule, "days"))
    # a stretch of n Stockholm calendar days is n × 24 hours ± 1 hour (daylight saving time)
    return (days - LOCAL_DAYS_SPARE if days else None), rule.since


#: flag type of READS_ACTIONS → for a rule of it, (apart, before) as EventsRead has them; a type not here
#: tells every action apart (None, None)
ACTIONS_APART: Final[Mapping[str, Callable[[FlagRule], tuple[timedelta | None, datetime | None]]]] = frozen_map({
    "patient_inactivity": _inactivity_apart,
})


@dataclass(frozen=True)
class EventsRead:
    """What `due_flags` reads of a moment's events: every field of the events of `types`; with `actions`
    also the type, time and actor of the patient's other events (and nothing of anybody else's), and of those
    only the first and the last (by time) of each `stretch`: `apart` is how far apart two actions must be to
    be told apart, `before` when actions start to count (but for the last one before it; None: no limit)."""

    types: frozenset[str]
    actions: bool = False
    apart: timedelta | None = None
    before: datetime | None = None

    def stretch(self, at: datetime) -> int | None:
        """The stretch of an action at `at`: -1 before `before`, else the `apart` since EPOCH it falls in; None:
        the action is told apart from every other one."""
        if self.before is not None and at < self.before:
            return -1
        return (at - EPOCH) // self.apart if self.apart is not None else None

    def needed(self, events: Iterable[Event]) -> list[Event]:
        """The events as far as they are read, in their order: given these, `due_flags` answers the same."""
        kept = [e if e.type in self.types else Event(e.type, e.at, e.actor) for e in events
                if e.type in self.types or self.actions and e.actor.kind == "patient"]
        if self.apart is None and self.before is None:
            return kept
        ends: dict[int, list[tuple[datetime, int]]] = {}  # stretch → its first and last action (time, position)
        for i, e in enumerate(kept):
            key = None if e.type in self.types else self.stretch(e.at)
            if key is not None:
                first, last = ends.setdefault(key, [(e.at, i), (e.at, i)])
                ends[key] = [min(first, (e.at, i)), max(last, (e.at, i))]
        keep = {i for pair in ends.values() for _, i in pair}
        return [e for i, e in enumerate(kept) if e.type in self.types or self.stretch(e.at) is None or i in keep]


def union(reads: Iterable[EventsRead]) -> EventsRead:
    """What is read for several moments at once (each given what its own read keeps, and more)."""
    reads = list(reads)
    acting = [r for r in reads if r.actions]
    return EventsRead(frozenset().union(*(r.types for r in reads)), bool(acting),
                      _least(r.apart for r in acting), _least(r.before for r in acting))


_Limit = TypeVar("_Limit", timedelta, datetime)


def _least(values: Iterable[_Limit | None]) -> _Limit | None:
    """The least of the values, None if any is None (no limit) or there are none."""
    listed = list(values)
    known = [v for v in listed if v is not None]
    return None if not known or len(known) < len(listed) else min(known)


def events_read(rules: Iterable[FlagRule], *, plans: Sequence[ActivityPlan] = (),
                raised_given: bool = False) -> EventsRead | None:
    """What `due_flags` reads of the events with these rules and plans (None: any field of any event).

    `raised_given`: the caller hands `due_flags` (and `next_due_at`) every cause raised as `raised`, so the
    flag_raised events, read only for their causes, are not needed (no rule reads them: READS).
    """
    # the never-opt-in flags; the raised causes, unless given
    types, actions = {*MANDATORY_READS, *(() if raised_given else ("flag_raised",))}, []
    for rule in rules:
        if rule.type not in READS:
            return None
        types |= READS[rule.type]
        if rule.type in READS_ACTIONS:
            actions.append(ACTIONS_APART[rule.type](rule) if rule.type in ACTIONS_APART else (None, None))
    if any(plan.flag_missed and plan.active for plan in plans):
        types |= REGISTRATION_EVENTS  # missed_occurrences
    return EventsRead(frozenset(types), bool(actions), _least(a for a, _ in actions), _least(b for _, b in actions))
