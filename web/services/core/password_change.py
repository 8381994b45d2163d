"""Byt lösenord for staff (Min profil) and patients (Inställningar): the current password, the policy,
and every other session of the account ends (web.auth.core.sessions)."""
from __future__ import annotations

from datetime import datetime

from ...extensions import db
from ...models import Patient, User
from ...auth.core.password_policy import problem
from ...auth.core.passwords import hash_password, verify_password
from ...auth.core import sessions
from ..errors import ServiceError
from .audit import record


def change_password(account: User | Patient, *, current: str, new: str, confirm: str, now: datetime,
                    keep_session: str | None = None) -> int:
    """Set a new password; returns how many other sessions ended. ServiceError with field messages."""
    errors = {}
    if not verify_password(account.password_hash, current or ""):
        errors["current"] = "Nuvarande lösenord stämmer inte."
    personal = (account.username,) if isinstance(account, User) else (account.personnummer,
                                                                        account.personnummer[2:])
    reason = problem(new, personal=personal)
    if reason:
        errors["new"] = reason
    elif new != confirm:
        errors["confirm"] = "Lösenorden är inte lika."
    if errors:
        raise ServiceError("Lösenordet byttes inte.", errors)
    account.password_hash = hash_password(new)
    ended = sessions.revoke(account.get_id(), keep=keep_session, commit=False)
    record("password_changed", now, account=account, what="Lösenordet byttes")
    db.session.commit()
    return ended
