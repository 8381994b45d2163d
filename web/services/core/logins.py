"""Login rate limiting for staff and patients: record first, then a progressive delay per name and a
limit per address.

- The attempt is stored (as a failure) and committed BEFORE the password is checked, and the count
  includes it: parallel requests each see the others, so no more than LOGIN_MAX_FAILURES of them get
  to the password check at once.
- Per user name: LOGIN_MAX_FAILURES free failures in the window, then each further try must wait
  2, 4, 8 … seconds after the previous failure (at most LOGIN_MAX_DELAY_SECONDS). A stranger can slow
  an account down for a minute, not lock it for a quarter of an hour.
- Per client address: LOGIN_MAX_FAILURES × IP_FACTOR failures in the window block that address
  (behind a proxy the real address needs STEGVIS_TRUSTED_PROXIES).
- A blocked attempt answers before any password check, so its timing says nothing about the account;
  its row is removed again, so hammering a name does not stretch the real owner's wait, but not
  silently: the audit log gets a "login_blocked" row (account, address, time).
- Every failed login is in the audit log ("login_failed"), and the first success after the account
  had been slowed down is "login_unlocked". Never the password; an unknown staff user name is named,
  an unknown personnummer is not.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func

from ...extensions import db
from ...models import LoginAttempt, Patient, User
from ...personnummer import PersonnummerError, parse
from .audit import record

#: attempt names: "<username>" for a staff password, TOTP_PREFIX + username for a staff code,
#: PATIENT_PREFIX + personnummer for a patient
TOTP_PREFIX = "totp:"
PATIENT_PREFIX = "invanare:"

#: an address may fail this many times more than one user name (a shared office NAT)
IP_FACTOR = 4
#: the longest wait between tries on one user name
MAX_DELAY_SECONDS = 60


def _failures(column, value: str, since: datetime, *, exclude: int | None = None) -> tuple[int, datetime | None]:
    query = db.select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
        column == value, LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    if exclude is not None:
        query = query.where(LoginAttempt.id != exclude)
    count, last = db.session.execute(query).one()
    return count, last


def delay_after(failures: int) -> int:
    """Seconds a user name must wait after its last failure, given its failures in the window."""
    free = current_app.config["LOGIN_MAX_FAILURES"]
    if failures < free:
        return 0
    return min(2 ** (failures - free + 1), current_app.config.get("LOGIN_MAX_DELAY_SECONDS", MAX_DELAY_SECONDS))


def begin_attempt(username: str, ip: str, now: datetime) -> tuple[LoginAttempt, bool]:
    """Store the attempt as a failure (committed), then decide: (attempt, blocked)."""
    name = username.strip().lower()[:80]
    attempt = LoginAttempt(username=name, ip=ip[:64], at=now, success=False)
    db.session.add(attempt)
    db.session.commit()
    window = now - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    last_ok = db.session.execute(
        db.select(func.max(LoginAttempt.at)).where(LoginAttempt.username == name, LoginAttempt.success.is_(True))
    ).scalar_one()
    since = max(window, last_ok) if last_ok else window
    earlier, last_failure = _failures(LoginAttempt.username, name, since, exclude=attempt.id)
    wait = delay_after(earlier)
    by_name = wait > 0 and last_failure is not None and (now - last_failure).total_seconds() < wait
    by_ip = _failures(LoginAttempt.ip, attempt.ip, window)[0] > current_app.config["LOGIN_MAX_FAILURES"] * IP_FACTOR
    if by_name or by_ip:
        # refused before any password check: it must not lengthen the owner's wait (the audit row keeps the trace)
        account, label = _account(name)
        why = "för många misslyckade försök på kontot" if by_name else "för många misslyckade försök från adressen"
        record("login_blocked", now, account=account, what=f"Inloggning spärrad{label}: {why}")
        db.session.delete(attempt)
        db.session.commit()
    return attempt, by_name or by_ip


def _account(name: str) -> tuple[User | Patient | None, str]:
    """The account an attempt name belongs to, and what an audit line says about an unknown one."""
    if name.startswith(PATIENT_PREFIX):
        try:
            digits = parse(name[len(PATIENT_PREFIX):])
        except PersonnummerError:
            return None, " (okänt personnummer)"
        patient = db.session.execute(db.select(Patient).where(Patient.personnummer == digits)).scalar_one_or_none()
        return patient, "" if patient else " (okänt personnummer)"
    username = name[len(TOTP_PREFIX):] if name.startswith(TOTP_PREFIX) else name
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    return user, "" if user else f" (okänt användarnamn {username[:60]!r})"


def fail(attempt: LoginAttempt, now: datetime) -> None:
    """The password (or code) was wrong: an audit row with the account, address and time (the attempt row
    already counts as a failure)."""
    account, label = _account(attempt.username)
    what = "Fel engångskod" if attempt.username.startswith(TOTP_PREFIX) else "Fel lösenord"
    record("login_failed", now, account=account, what=f"Inloggning misslyckad{label}: {what.lower()}")
    db.session.commit()


def succeed(attempt: LoginAttempt, now: datetime, user=None) -> None:
    """The password was right: the attempt counts as a success (and the account's last login is now); after
    enough failures to slow the account down, the audit log says the lock is lifted."""
    window = now - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    last_ok = db.session.execute(db.select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == attempt.username, LoginAttempt.success.is_(True))).scalar_one()
    failures = _failures(LoginAttempt.username, attempt.username, max(window, last_ok) if last_ok else window,
                         exclude=attempt.id)[0]
    if failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        account = user if user is not None else _account(attempt.username)[0]
        record("login_unlocked", now, account=account,
               what=f"Spärr hävd: inloggning efter {failures} misslyckade försök")
    attempt.success = True
    if user is not None:
        user.last_login = now
        record("login", now, account=user)
    db.session.commit()


def login_blocked(username: str, ip: str, now: datetime) -> bool:
    """True when the next try on this user name or from this address would be refused (no row written)."""
    window = now - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    name = username.strip().lower()
    last_ok = db.session.execute(
        db.select(func.max(LoginAttempt.at)).where(LoginAttempt.username == name, LoginAttempt.success.is_(True))
    ).scalar_one()
    count, last_failure = _failures(LoginAttempt.username, name, max(window, last_ok) if last_ok else window)
    wait = delay_after(count)
    return (wait > 0 and last_failure is not None and (now - last_failure).total_seconds() < wait) or (
        _failures(LoginAttempt.ip, ip, window)[0] >= current_app.config["LOGIN_MAX_FAILURES"] * IP_FACTOR)


def record_login(username: str, ip: str, success: bool, now: datetime, user: User | None = None) -> None:
    """Store a finished login attempt (and the user's last login on success)."""
    db.session.add(LoginAttempt(username=username.strip().lower()[:80], ip=ip[:64], at=now, success=success))
    if success and user is not None:
        user.last_login = now
    db.session.commit()
