"""Raising flags: ask the engine which flags are due for a moment and store them with their events."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime
from typing import Any, Callable, Collection, Iterable, Sequence

from engine.model import Program
from engine.moment import flags as engine_flags
from engine.moment.flag_times import NOW_INDEPENDENT, next_due_at
from engine.moment.schedule import ActivityPlan
from engine.moment.state import Event as EngineEvent, MomentState
from engine.moment.subscriptions import parse_subscription

from ...extensions import db
from ...models import Enrollment, Flag, FlagSubscription, User
from .rows import NOT_SCHEDULED, build_state, engine_events, engine_plans, program_for, record_events


def subscriptions_for(enrollment: Enrollment) -> list[FlagSubscription]:
    """Subscriptions that apply: this moment's own, and the responsible clinician's global ones."""
    return list(db.session.execute(
        db.select(FlagSubscription).where(
            (FlagSubscription.enrollment_id == enrollment.id)
            | (FlagSubscription.enrollment_id.is_(None) & (FlagSubscription.user_id == enrollment.clinician_id))
        ).order_by(FlagSubscription.id)
    ).scalars())


def _rule(program: Program, sub: FlagSubscription) -> engine_flags.FlagRule:
    return parse_subscription(program, {"flag": sub.type, **(sub.params or {})}, since=sub.created_at)


@dataclass(frozen=True)
class Rules:
    """The rules of a moment's subscriptions, each with the subscription it came from."""

    rules: tuple[engine_flags.FlagRule, ...]
    owners: tuple[FlagSubscription, ...]

    @cached_property
    def subscribers(self) -> dict[str, tuple[int, tuple[User, ...]]]:
        """Flag type → the id of its first subscription and its subscribers, each once, in order (worked out
        once: the tick shares one Rules among all the moments of the same subscriptions)."""
        found: dict[str, tuple[int, dict[int, User]]] = {}
        for s in self.owners:
            first, users = found.setdefault(s.type, (s.id, {}))
            users[s.user_id] = s.user
        return {flag_type: (first, tuple(users.values())) for flag_type, (first, users) in found.items()}


def rules_for(program: Program, subs: Iterable[FlagSubscription], *, event_driven_only: bool = False) -> Rules:
    """The subscriptions as engine rules; one made invalid by a program change is skipped (never blocks)."""
    rules, owners = [], []
    for sub in subs:
        try:
            rule = _rule(program, sub)
        except engine_flags.SubscriptionError:
            continue  # a subscription made invalid by a program change: skip it, never block the action
        if event_driven_only and rule.time_driven:
            continue
        rules.append(rule)
        owners.append(sub)
    return Rules(tuple(rules), tuple(owners))


@dataclass(frozen=True)
class DueFlag:
    """A flag to store: the engine's flag, the subscription that asked for it, and whom to tell."""

    flag: engine_flags.Flag
    subscription_id: int | None
    recipients: list[User]

    def row(self, enrollment_id: int) -> dict[str, Any]:
        """The Flag row's columns."""
        return {"enrollment_id": enrollment_id, "type": self.flag.type, "cause_key": self.flag.cause,
                "text": self.flag.text, "raised_at": self.flag.at, "subscription_id": self.subscription_id,
                "urgent": self.flag.urgent}


def flags_to_raise(program: Program, state: MomentState, events: Sequence[EngineEvent], rules: Rules,
                   plans: Sequence[ActivityPlan], existing: Collection[str], now: datetime,
                   clinician: Callable[[], User]) -> list[DueFlag]:
    """The due flags whose cause has no Flag row yet (`existing`), oldest first, each with whom to tell
    (the subscribers, or else the responsible clinician, asked for only then)."""
    # the Flag rows' causes given as raised, so the tick need not read the flag_raised events back (tick_batch:
    # events_read(raised_given=True)): each is written and purged with its Flag row, and an upgrade renames a
    # module reminder's row to the module's new id, the cause the rule gives from then on
    due = engine_flags.due_flags(program, state, events, rules.rules, now, plans=plans, raised=existing)
    raised = []
    for flag in due:
        subscription_id, users = rules.subscribers.get(flag.type, (None, ()))
        raised.append(DueFlag(flag, subscription_id, list(users) or [clinician()]))
    return raised


def inactivity_schedule(program: Program, state: MomentState, events: Sequence[EngineEvent], rules: Rules,
                        existing: Collection[str], raised: Iterable[DueFlag], now: datetime) -> datetime:
    """What Enrollment.next_inactivity_at holds once `raised` are stored at `now`: the earliest time an
    inactivity flag of the rules can fall due, or NOT_SCHEDULED. `existing`: the moment's Flag causes."""
    done = {*existing, *(due.flag.cause for due in raised)}
    return next_due_at(program, state, events, rules.rules, now, types=NOW_INDEPENDENT, raised=done) or NOT_SCHEDULED


def raise_flags(enrollment: Enrollment, now: datetime, *, event_driven_only: bool = False
                ) -> list[tuple[Flag, list[User]]]:
    """Store every flag the engine says is due (and its flag_raised event); return each with whom to tell.

    Runs inside the caller's transaction and queues nothing itself: the caller queues the notices
    (web.services.core.unit.apply for event-driven flags, the tick for time-driven ones).
    Idempotent: a cause raises at most one flag. `event_driven_only` leaves out time-driven rules
    and missed activities, so an action never raises what the tick is responsible for.
    (The tick raises many moments' flags at once with the same `flags_to_raise`: web.services.operations.tick_batch.)
    """
    subs = subscriptions_for(enrollment)
    plans = [] if event_driven_only else engine_plans(enrollment)
    program = program_for(enrollment)
    rules = rules_for(program, subs, event_driven_only=event_driven_only)
    state, events = build_state(enrollment), engine_events(enrollment)
    existing = set(db.session.execute(
        db.select(Flag.cause_key).where(Flag.enrollment_id == enrollment.id)
    ).scalars())
    raised = []
    due_now = flags_to_raise(program, state, events, rules, plans, existing, now, lambda: enrollment.clinician)
    for due in due_now:
        row = Flag(**due.row(enrollment.id))
        db.session.add(row)
        record_events(enrollment, [engine_flags.flag_event(due.flag)])
        raised.append((row, due.recipients))
    if not event_driven_only:
        inactive_at = inactivity_schedule(program, state, events, rules, existing, due_now, now)
        if enrollment.next_inactivity_at != inactive_at:
            enrollment.next_inactivity_at = inactive_at
    db.session.flush()
    return raised
