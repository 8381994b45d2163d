"""The steps of a staff login after the first factor: second factor, level of assurance, the session.

Password → (TOTP enrolled: /logga-in/engangskod) / (TOTP required, not enrolled: enrolment first) →
the session, which records its level ("password", "password+totp", "oidc" + acr). Between the steps
the session holds only `totp_pending` (whose password was right, when, where to go next): no owner,
so nothing of the account is reachable until the second factor is done.
"""
from __future__ import annotations

from flask import redirect, session, url_for
from flask_login import login_user

from ... import clock
from ...services.core import assurance, logins, totp

#: seconds between the password and the second factor
PENDING_SECONDS = 300


def start_session(user, level: str, acr: str | None = None, next_url: str | None = None) -> str:
    """Log `user` in at `level`; returns where to go next (the unit choice when they have several)."""
    session.clear()  # nothing survives from before the login (session fixation)
    login_user(user)
    session["auth_level"] = level
    if acr:
        session["auth_acr"] = acr
    assurance.complete_login(user, clock.now(), level, acr)
    if len(user.memberships) == 1:
        session["unit_id"] = user.memberships[0].care_unit_id
        return next_url or url_for("clinician.home")
    return url_for("auth.choose_unit", next=next_url)


def after_password(user, attempt, now, next_url: str | None):
    """The password was right: the second factor when enrolled or required, else the session."""
    logins.succeed(attempt, now)  # the rate limit counts a success; the audit waits for the whole login
    if totp.enabled(user) or assurance.totp_required(user):
        session.clear()
        session["totp_pending"] = {"user": user.id, "at": now.timestamp(), "next": next_url,
                                   "enrol": not totp.enabled(user)}
        return redirect(url_for("auth.totp_enrol_login" if not totp.enabled(user) else "auth.totp_verify"))
    return redirect(start_session(user, "password", next_url=next_url))


def pending_user(enrol: bool):
    """(user, pending) of the login waiting for its second factor, or (None, None)."""
    pending = session.get("totp_pending")
    if not isinstance(pending, dict) or bool(pending.get("enrol")) != enrol:
        return None, None
    if clock.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("totp_pending", None)
        return None, None
    user = totp.user_by_id(pending.get("user"))
    if user is None or not user.active:
        return None, None
    return user, pending
