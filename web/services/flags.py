"""Flaggor: clinicians' subscriptions, raising due flags from the engine, handling open flags."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from engine.moment import flags as engine_flags
from engine.moment.subscriptions import parse_subscription
from engine.moment.rules import make_event
from engine.moment.state import Actor, Event as EngineEvent

from ..extensions import db
from ..models import Enrollment, Event, Flag, FlagSubscription, Membership, User
from .bridge import build_state, clinician_actor, program_for, record_events, transaction
from .errors import ServiceError

#: the manual's groups in "Välj flaggtyp"
FLAG_GROUPS = (
    ("Formulär", ("form_saved", "form_review", "battery_form_saved", "battery_started", "activity_saved")),
    ("Modul", ("module_reminder",)),
    ("Moment", ("date_reminder", "patient_inactivity", "moment_ending_soon", "clinician_changed", "new_message")),
)
LABELS = engine_flags.LABELS


def engine_events(enrollment: Enrollment) -> list[EngineEvent]:
    """The moment's stored events as engine events, oldest first."""
    rows = db.session.execute(
        db.select(Event).where(Event.enrollment_id == enrollment.id).order_by(Event.at, Event.id)
    ).scalars()
    return [
        EngineEvent(type=r.type, at=r.at, actor=Actor(r.actor_kind, r.actor_id, r.actor_name, r.actor_unit),
                    module=r.module_id, step=r.step_id, form=r.form_id, data=r.data or {}, text=r.text)
        for r in rows
    ]


def subscriptions_for(enrollment: Enrollment) -> list[FlagSubscription]:
    """Subscriptions that apply: this moment's own, and the responsible clinician's global ones."""
    return list(db.session.execute(
        db.select(FlagSubscription).where(
            (FlagSubscription.enrollment_id == enrollment.id)
            | (FlagSubscription.enrollment_id.is_(None) & (FlagSubscription.user_id == enrollment.clinician_id))
        ).order_by(FlagSubscription.id)
    ).scalars())


def _rule(program, sub: FlagSubscription) -> engine_flags.FlagRule:
    return parse_subscription(program, {"flag": sub.type, **(sub.params or {})}, since=sub.created_at)


def raise_due_flags(enrollment: Enrollment, now: datetime) -> list[Flag]:
    """Store every flag the engine says is due (and its flag_raised event); queue e-mail/SMS to subscribers.

    Runs inside the caller's transaction. Idempotent: a cause raises at most one flag.
    """
    from .activity import engine_plans
    from .notices import notify_staff_flag

    subs = subscriptions_for(enrollment)
    plans = engine_plans(enrollment)
    if not subs and not any(p.flag_missed and p.active for p in plans):
        return []
    program = program_for(enrollment)
    rules, owners = [], []
    for sub in subs:
        try:
            rules.append(_rule(program, sub))
            owners.append(sub)
        except engine_flags.SubscriptionError:
            continue  # a subscription made invalid by a program change: skip it, never block the action
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
        raised.append(row)
        for user in {s.user_id: s.user for s in matching}.values() or [enrollment.clinician]:
            notify_staff_flag(user, enrollment, row, now)
    db.session.flush()
    return raised


def refresh_flags(enrollment: Enrollment, now: datetime) -> list[Flag]:
    """Raise time-driven flags that have become due (inactivity, reminders …); commits."""
    with transaction():
        return raise_due_flags(enrollment, now)


def add_subscription(user: User, enrollment: Enrollment, flag_type: str, params: Mapping[str, Any], *,
                     all_moments: bool, now: datetime) -> FlagSubscription:
    """Skapa ny flagga: subscribe to a flag type for this moment or for all the user's moments."""
    program = program_for(enrollment)
    try:
        rule = parse_subscription(program, {"flag": flag_type, **params}, since=now)
    except engine_flags.SubscriptionError as exc:
        raise ServiceError(str(exc)) from exc
    stored = {k: v for k, v in rule.params().items() if k != "flag"}
    with transaction():
        sub = FlagSubscription(user_id=user.id, enrollment_id=None if all_moments else enrollment.id,
                               type=flag_type, params=stored, created_at=now)
        db.session.add(sub)
        db.session.flush()
        raise_due_flags(enrollment, now)
    return sub


def remove_subscription(sub: FlagSubscription, user: User) -> None:
    """Ta bort a subscription (only its owner may)."""
    if sub.user_id != user.id:
        raise ServiceError("Du kan bara ta bort dina egna flaggor.")
    with transaction():
        db.session.delete(sub)


def open_flags(enrollment: Enrollment) -> list[Flag]:
    """Flags not yet handled, newest first."""
    return list(db.session.execute(
        db.select(Flag).where(Flag.enrollment_id == enrollment.id, Flag.handled_at.is_(None))
        .order_by(Flag.raised_at.desc(), Flag.id.desc())
    ).scalars())


def handle_flag(flag: Flag, *, user: User, membership: Membership, now: datetime) -> None:
    """Hantera: mark an open flag handled (it leaves the overview count) and record it on the timeline."""
    if flag.handled_at is not None:
        raise ServiceError("Flaggan är redan hanterad.")
    actor = clinician_actor(user, membership)
    with transaction():
        flag.handled_at, flag.handled_by_id = now, user.id
        label = LABELS.get(flag.type, flag.type)
        record_events(flag.enrollment, [make_event("flag_handled", now, actor, f"Flaggan {label} hanterades",
                                                   flag=flag.type, cause=flag.cause_key)])
