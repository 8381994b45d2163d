"""Levels of assurance: how a session's owner logged in, the staff minimum, and finishing a login.

Levels, weakest first: "password", "password+totp", "oidc" (with the provider's `acr`). The session
records both (web_session.auth_level / auth_acr and the session data); the audit log's login event
says it in Swedish. STEGVIS_MIN_STAFF_LOA refuses weaker staff logins.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from ...extensions import db
from ...auth.core.settings import LEVELS
from ...models import Patient, User
from .audit import record

LABELS = {"password": "lösenord", "password+totp": "lösenord och engångskod", "oidc": "e-legitimation"}


def describe(level: str, acr: str | None = None) -> str:
    """E.g. "Inloggning med e-legitimation (acr http://id.elegnamnden.se/loa/1.0/loa3)"."""
    text = f"Inloggning med {LABELS.get(level, level)}"
    return f"{text} (acr {acr})" if acr else text


def rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def staff_minimum() -> str:
    return current_app.config.get("MIN_STAFF_LOA") or "password"


def staff_level_allowed(level: str) -> bool:
    """Whether a staff login at this level meets STEGVIS_MIN_STAFF_LOA."""
    return rank(level) >= rank(staff_minimum())


def totp_required(user: User) -> bool:
    """A second factor is required: a role reaching many patients, or the minimum level demands it."""
    if staff_minimum() == "password+totp":
        return True
    required = set(current_app.config.get("TOTP_REQUIRED_ROLES") or ())
    return any(required & set(m.roles.split()) for m in user.memberships)


def complete_login(account: User | Patient, now: datetime, level: str, acr: str | None = None) -> None:
    """The login is finished: last login now, and one audit event naming the level."""
    account.last_login = now
    record("login", now, account=account, what=describe(level, acr))
    db.session.commit()


def refuse(now: datetime, what: str, account: User | Patient | None = None) -> None:
    """Record a refused login (unknown identity, bad token, too weak a level)."""
    record("login_refused", now, account=account, what=what[:255])
    db.session.commit()
