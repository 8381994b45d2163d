"""Small view helpers shared by the staff and patient blueprints."""
from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

from flask import abort, flash, redirect, send_file, session, url_for
from flask_babel import force_locale
from flask_login import current_user, logout_user

from .. import clock
from ..i18n import gettext
from ..services.core import audit, oidc

from ..services.errors import ServiceError


def show_service_error(form, exc: ServiceError, translate=str) -> None:
    """Put a rejected action's field messages beside their inputs and its summary in a flash
    (`translate`: gettext on patient pages, whose fixed messages are marked in web.i18n)."""
    for name, message in exc.fields.items():
        getattr(form, name).errors = [translate(message)]
    flash(translate(exc.message), "error")


def end_session(login_endpoint: str, language: str | None = None):
    """Log out, forget the session (unit choice included) and go to the given login page; a patient's
    `language` is kept, so their login page and its "logged out" stay in it (web.i18n.page_language)."""
    audit.logout(current_user._get_current_object() if current_user.is_authenticated else None, clock.now())
    oidc_login = session.get("oidc_logout")
    logout_user()
    session.clear()
    if language:
        session["language"] = language
    with force_locale(language or "sv"):
        flash(gettext("Du är utloggad."), "info")
    if isinstance(oidc_login, dict):  # logged in at an OpenID provider: end that session too
        target = oidc.logout_url(oidc_login.get("audience"), oidc_login.get("id_token"),
                                 url_for(login_endpoint, _external=True))
        if target:
            return redirect(target)
    return redirect(url_for(login_endpoint))


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect after login would be a phishing tool."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


#: the URL changes when the text changes, so a browser may keep a file for a year
MAX_AGE = 365 * 24 * 3600


def send_audio(path: Path | None, key: str):
    """The cached MP3 with Range support and private, immutable caching; 404 when it does not match.

    The file (small: a spoken page is tens to hundreds of kB) is sent from memory, so no file handle
    is left open when a player aborts a range request halfway, as media players routinely do.
    """
    if path is None or path.stem != key:
        abort(404)
    try:
        data, modified = path.read_bytes(), path.stat().st_mtime
    except OSError:  # replaced or removed by a concurrent `stegvis audio build`
        abort(404)
    response = send_file(io.BytesIO(data), mimetype="audio/mpeg", conditional=True, etag=key,
                         last_modified=modified, max_age=MAX_AGE)
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    return response
