"""Small view helpers shared by the staff and patient blueprints."""
from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_login import current_user, logout_user

from . import clock
from .services.core import audit

from .services.errors import ServiceError


def show_service_error(form, exc: ServiceError) -> None:
    """Put a rejected action's field messages beside their inputs and its summary in a flash."""
    for name, message in exc.fields.items():
        getattr(form, name).errors = [message]
    flash(exc.message, "error")


def end_session(login_endpoint: str):
    """Log out, forget the session (unit choice included) and go to the given login page."""
    audit.logout(current_user._get_current_object() if current_user.is_authenticated else None, clock.now())
    logout_user()
    session.clear()
    flash("Du är utloggad.", "info")
    return redirect(url_for(login_endpoint))
