"""Flaggor: clinicians' subscriptions, raising due flags from the engine, handling open flags."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from engine.moment import flags as engine_flags
from engine.moment.subscriptions import check_new_subscription, parse_subscription
from engine.moment.holds import flag_handled_event, release_hold as engine_release_hold

from ...extensions import db
from ...models import Enrollment, Flag, FlagSubscription, Membership, User
from ..core.flags import subscriptions_for  # noqa: F401  (for Händelser)
from ..core.rows import clinician_actor, program_for, record_events
from ..core.holds import holding_of_flags
from ..core.unit import raise_due, run, transaction
from ..errors import ServiceError

#: the manual's groups in "Välj flaggtyp"
FLAG_GROUPS = (
    ("Formulär", ("form_saved", "form_review", "battery_form_saved", "battery_started", "activity_saved")),
    ("Modul", ("module_reminder",)),
    ("Moment", ("date_reminder", "patient_inactivity", "moment_ending_soon", "clinician_changed", "new_message")),
)
LABELS = engine_flags.LABELS


def add_subscription(user: User, enrollment: Enrollment, flag_type: str, params: Mapping[str, Any], *,
                     all_moments: bool, now: datetime) -> FlagSubscription:
    """Skapa ny flagga: subscribe to a flag type for this moment or for all the user's moments."""
    program = program_for(enrollment)
    try:
        rule = parse_subscription(program, {"flag": flag_type, **params}, since=now)
        check_new_subscription(rule, now)
    except engine_flags.SubscriptionError as exc:
        raise ServiceError(str(exc)) from exc
    stored = {k: v for k, v in rule.params().items() if k != "flag"}
    with transaction():
        sub = FlagSubscription(user_id=user.id, enrollment_id=None if all_moments else enrollment.id,
                               type=flag_type, params=stored, created_at=now)
        db.session.add(sub)
        if flag_type == engine_flags.PatientInactivity.type:
            # the moments it covers may fall due earlier now: the tick works their next inactivity time out again
            covered = Enrollment.clinician_id == user.id if all_moments else Enrollment.id == enrollment.id
            db.session.execute(db.update(Enrollment).where(covered, Enrollment.next_inactivity_at.is_not(None))
                               .values(next_inactivity_at=None))  # the loaded moments are updated with it
        db.session.flush()
        raise_due(enrollment, now)  # what is already due fires now, not at the next tick
    return sub


def remove_subscription(sub: FlagSubscription, user: User) -> None:
    """Ta bort a subscription (only its owner may)."""
    if sub.user_id != user.id:
        raise ServiceError("Du kan bara ta bort dina egna flaggor.")
    with transaction():
        db.session.delete(sub)


def open_flags(enrollment: Enrollment) -> list[Flag]:
    """Flags not yet handled: urgent ones first, then newest first."""
    return list(db.session.execute(
        db.select(Flag).where(Flag.enrollment_id == enrollment.id, Flag.handled_at.is_(None))
        .order_by(Flag.urgent.desc(), Flag.raised_at.desc(), Flag.id.desc())
    ).scalars())


def handle_flag(flag: Flag, *, user: User, membership: Membership, now: datetime) -> None:
    """Hantera: mark an open flag handled (it leaves the overview count) and record it on the timeline;
    what its alert held is released with it."""
    if flag.handled_at is not None:
        raise ServiceError("Flaggan är redan hanterad.")
    actor = clinician_actor(user, membership)
    with transaction():
        flag.handled_at, flag.handled_by_id = now, user.id
        label = LABELS.get(flag.type, flag.type)
        record_events(flag.enrollment, [flag_handled_event(label, flag.type, flag.cause_key, now=now, actor=actor)])


def release_hold(flag: Flag, *, user: User, membership: Membership, now: datetime) -> None:
    """Släpp spärren: what an open flag's alert holds opens to the patient by hand; the flag stays open.
    Audited on the timeline (who, when, what)."""
    enrollment = flag.enrollment
    program = program_for(enrollment)
    if flag.handled_at is not None or flag.hold_released_at is not None:
        raise ServiceError("Spärren är redan släppt.")
    held = holding_of_flags(program, [flag])
    if not held:
        raise ServiceError("Flaggan spärrar inget.")
    with transaction():
        transition = run(enrollment, engine_release_hold, held.holds[0], actor=clinician_actor(user, membership),
                         now=now)
        flag.hold_released_at, flag.hold_released_by_id = now, user.id
        record_events(enrollment, transition.events)


def subscriptions_listed(enrollment: Enrollment, user: User) -> list[FlagSubscription]:
    """Händelser: the user's own subscriptions that apply here, then other staff's on this moment (one statement:
    the ones that apply hold every subscription on this moment)."""
    applying = subscriptions_for(enrollment)
    return ([s for s in applying if s.user_id == user.id]
            + [s for s in applying if s.enrollment_id == enrollment.id and s.user_id != user.id])


def handled_flags(enrollment: Enrollment, limit: int = 20) -> list[Flag]:
    """The latest handled flags, newest first."""
    return list(db.session.execute(
        db.select(Flag).where(Flag.enrollment_id == enrollment.id, Flag.handled_at.is_not(None))
        .order_by(Flag.handled_at.desc()).limit(limit)).scalars())


def subscription_of(enrollment: Enrollment, subscription_id: int) -> FlagSubscription | None:
    """A subscription on this moment or on all of its owner's moments; None for anything else."""
    sub = db.session.get(FlagSubscription, subscription_id)
    if sub is None or sub.enrollment_id not in (None, enrollment.id):
        return None
    return sub


def flag_of(enrollment: Enrollment, flag_id: int) -> Flag | None:
    """A flag of this moment, or None."""
    flag = db.session.get(Flag, flag_id)
    if flag is None or flag.enrollment_id != enrollment.id:
        return None
    return flag
