"""Log in with the region's OpenID provider: staff (e-tjänstekort) and patients (e-legitimation).

POST /logga-in/oidc and POST /invanare/logga-in/oidc send the browser to the provider; both come back
to GET /auth/oidc/callback (the redirect URI a region registers), which finishes whichever was started.
A refusal shows a Swedish page and leaves no logged-in session.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import login_user
from flask_wtf import FlaskForm

from ... import clock
from .staff import bp as auth_bp
from ...ui.forms import NextQuery
from ..login.staff_identity import oidc_provider
from ..login.steps import start_session
from ...patient import bp as patient_bp
from ..login.patient_identity import patient_oidc_provider
from ...services.core import assurance
from ...services.core.oidc import OidcRefused
from ...ui.helpers import safe_next


class StartForm(FlaskForm):
    """Only the CSRF token: the button that starts the login."""


def _provider(audience: str | None):
    return patient_oidc_provider() if audience == "patient" else oidc_provider()


def _start(audience: str):
    provider = _provider(audience)
    if provider is None:
        abort(404)
    if not StartForm().validate_on_submit():
        abort(400)
    now = clock.now()
    try:
        url, pending = provider.start(url_for("auth.oidc_callback", _external=True), now.timestamp())
    except OidcRefused as exc:
        return _refused(audience, exc)
    session.pop("oidc_pending", None)
    session["oidc_pending"] = {**pending, "next": safe_next(NextQuery(request.args).next.data)}
    return redirect(url)


@auth_bp.route("/logga-in/oidc", methods=["POST"])
def oidc_login():
    """Logga in med e-tjänstekort: to the staff provider."""
    return _start("staff")


@patient_bp.route("/invanare/logga-in/oidc", methods=["POST"])
def oidc_login_patient():
    """Logga in med e-legitimation: to the patients' provider."""
    return _start("patient")


def _refused(audience: str, exc: OidcRefused):
    session.clear()  # nothing of the attempt stays: no pending request, no owner
    assurance.refuse(clock.now(), f"{'Invånare' if audience == 'patient' else 'Personal'}: {exc.reason}")
    layout = "patient/layout.html" if audience == "patient" else "base.html"
    again = url_for("patient.login" if audience == "patient" else "auth.login")
    return render_template("auth/oidc_refused.html", layout=layout, message=exc.message, again=again), 403


@auth_bp.route("/auth/oidc/callback")
def oidc_callback():
    """The provider's answer: check it, find the account, start the session at level "oidc"."""
    pending = session.get("oidc_pending")
    audience = pending.get("audience") if isinstance(pending, dict) else None
    audience = audience if audience in ("staff", "patient") else "staff"
    provider = _provider(audience)
    if provider is None:
        abort(404)
    now = clock.now()
    args = request.args.to_dict()
    try:
        if audience == "patient":
            account, identity = provider.complete(pending, args, now, now.timestamp())
        else:
            account, identity = provider.complete(pending, args, now.timestamp())
    except OidcRefused as exc:
        return _refused(audience, exc)
    next_url = pending.get("next")
    logout = {"audience": audience, "id_token": identity.id_token}
    if audience == "staff":
        target = start_session(account, "oidc", identity.acr, next_url=next_url)
    else:
        session.clear()
        login_user(account)
        session["auth_level"] = "oidc"
        if identity.acr:
            session["auth_acr"] = identity.acr
        assurance.complete_login(account, now, "oidc", identity.acr)
        target = next_url or url_for("patient.programs")
    session["oidc_logout"] = logout
    return redirect(target)
