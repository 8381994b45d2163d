"""Login rate limiting for staff and patients: failed attempts per user name and per address."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func

from ...extensions import db
from ...models import LoginAttempt, User

#: an address may fail this many times more than one user name (a shared office NAT)
IP_FACTOR = 4


def _failures_since(column, value: str, since: datetime) -> int:
    return db.session.execute(
        db.select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.at >= since, LoginAttempt.success.is_(False)
        )
    ).scalar_one()


def login_blocked(username: str, ip: str, now: datetime) -> bool:
    """True when too many logins failed lately for this user name or from this address."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = now - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    name = username.strip().lower()
    last_ok = db.session.execute(
        db.select(func.max(LoginAttempt.at)).where(LoginAttempt.username == name, LoginAttempt.success.is_(True))
    ).scalar_one()
    name_since = max(since, last_ok) if last_ok else since
    return (
        _failures_since(LoginAttempt.username, name, name_since) >= limit
        or _failures_since(LoginAttempt.ip, ip, since) >= limit * IP_FACTOR
    )


def record_login(username: str, ip: str, success: bool, now: datetime, user: User | None = None) -> None:
    """Store a login attempt (and the user's last login on success)."""
    db.session.add(LoginAttempt(username=username.strip().lower()[:80], ip=ip[:64], at=now, success=success))
    if success and user is not None:
        user.last_login = now
    db.session.commit()
