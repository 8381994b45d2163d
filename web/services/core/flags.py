"""Raising flags: ask the engine which flags are due for a moment and store them with their events."""
from __future__ import annotations

from datetime import datetime

from engine.model import Program
from engine.moment import flags as engine_flags
from engine.moment.subscriptions import parse_subscription

from ...extensions import db
from ...models import Enrollment, Flag, FlagSubscription, User
from .rows import build_state, engine_events, engine_plans, program_for, record_events


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


def raise_flags(enrollment: Enrollment, now: datetime, *, event_driven_only: bool = False
                ) -> list[tuple[Flag, list[User]]]:
    """Store every flag the engine says is due (and its flag_raised event); return each with whom to tell.

    Runs inside the caller's transaction and queues nothing itself: the caller queues the notices
    (web.services.core.unit.apply for event-driven flags, the tick for time-driven ones).
    Idempotent: a cause raises at most one flag. `event_driven_only` leaves out time-driven rules
    and missed activities, so an action never raises what the tick is responsible for.
    """
    subs = subscriptions_for(enrollment)
    plans = [] if event_driven_only else engine_plans(enrollment)
    program = program_for(enrollment)
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
    due = engine_flags.due_flags(program, build_state(enrollment), engine_events(enrollment), rules, now,
                                 plans=plans)
    existing = set(db.session.execute(
        db.select(Flag.cause_key).where(Flag.enrollment_id == enrollment.id)
    ).scalars())
    raised = []
    for flag in due:
        if flag.cause in existing:
            continue
        matching = [s for s in owners if s.type == flag.type]
        row = Flag(enrollment_id=enrollment.id, type=flag.type, cause_key=flag.cause, text=flag.text,
                   raised_at=flag.at, subscription_id=matching[0].id if matching else None)
        db.session.add(row)
        record_events(enrollment, [engine_flags.flag_event(flag)])
        raised.append((row, list({s.user_id: s.user for s in matching}.values()) or [enrollment.clinician]))
    db.session.flush()
    return raised
