"""The audit log of account events (AuditEvent), written in the caller's transaction."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request

from ...extensions import db
from ...models import AuditEvent, Membership, Patient, User

KIND_LABELS = {
    "login": "Inloggning", "logout": "Utloggning", "password_changed": "Lösenord bytt",
    "roles_changed": "Roller ändrade", "staff_created": "Personal tillagd", "staff_deactivated": "Konto avstängt",
    "login_refused": "Inloggning nekad", "totp_enabled": "Tvåstegsverifiering aktiverad",
    "totp_disabled": "Tvåstegsverifiering borttagen", "totp_failed": "Fel engångskod",
    "totp_recovery_used": "Återställningskod använd", "hsa_id_changed": "HSA-id ändrat",
    "roles_refused": "Rolländring nekad", "login_failed": "Inloggning misslyckad", "login_blocked": "Inloggning spärrad", "login_unlocked": "Spärr hävd",
}


def _name(account: User | Patient | None) -> str | None:
    if account is None:
        return None
    # a patient by internal id only: no birth date in the audit log, and gallring makes the id meaningless
    return account.name if isinstance(account, User) else f"Invånare nr {account.id}"


def record(kind: str, now: datetime, *, account: User | Patient | None = None, actor: User | Patient | None = None,
           care_unit_id: int | None = None, what: str = "") -> AuditEvent:
    """Add an audit event (the caller commits). `account` is whose account; `actor` defaults to it."""
    actor = actor if actor is not None else account
    event = AuditEvent(
        at=now, kind=kind, actor_key=actor.get_id() if actor else None, actor_name=_name(actor),
        subject_key=account.get_id() if account else None, subject_name=_name(account),
        care_unit_id=care_unit_id, what=(what or KIND_LABELS.get(kind, kind))[:255],
        ip=(request.remote_addr or "-")[:64] if has_request_context() else None,
    )
    db.session.add(event)
    return event


def logout(account: User | Patient | None, now: datetime) -> None:
    """Record a logout (the session itself ends in web.auth.core.sessions)."""
    if account is not None and getattr(account, "kind", None) in ("staff", "patient"):
        record("logout", now, account=account)
        db.session.commit()


def for_unit(unit_id: int, limit: int = 100) -> list[AuditEvent]:
    """The newest events of a unit: its role changes, HSA-id changes and new staff, and logins, logouts and
    password changes of its members (patients' own events are kept but not shown to staff)."""
    members = db.select(Membership.user_id).where(Membership.care_unit_id == unit_id)
    keys = [f"staff:{uid}" for uid in db.session.execute(members).scalars()]
    return list(db.session.execute(
        db.select(AuditEvent).where((AuditEvent.care_unit_id == unit_id) | AuditEvent.subject_key.in_(keys))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    ).scalars())
