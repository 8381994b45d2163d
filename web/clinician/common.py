"""Helpers every clinician view uses: load a moment with access check and log, run an action, parse input."""
from __future__ import annotations

from datetime import date
from typing import Callable

from flask import abort, flash, g, redirect, request, url_for
from flask_login import current_user

from .. import clock
from ..models import Enrollment
from ..services.core import access
from ..services.errors import AccessDenied, ServiceError


def load_moment(enrollment_id: int, what: str | None) -> Enrollment:
    """The moment if it belongs to the current unit (404 otherwise); logs the read when `what` is given."""
    try:
        if what is None:
            return access.moment_for_staff(enrollment_id, g.membership)
        return access.view_moment(enrollment_id, g.membership, what, clock.now())
    except AccessDenied:
        abort(404)


def flash_error(exc: ServiceError) -> None:
    """Flash a rejected action's message and its per-field messages."""
    flash(exc.message, "error")
    for message in exc.fields.values():
        if message != exc.message:
            flash(message, "error")


def act(fn: Callable, *args, success: str | None = None, **kwargs) -> bool:
    """Call a service action as the current clinician; flash its result. True on success."""
    try:
        fn(*args, user=current_user, membership=g.membership, now=clock.now(), **kwargs)
    except ServiceError as exc:
        flash_error(exc)
        return False
    if success:
        flash(success, "success")
    return True


def back_to(endpoint: str, enrollment: Enrollment, anchor: str | None = None):
    """Redirect to a moment tab (after a POST), optionally to an anchor on it."""
    return redirect(url_for(endpoint, enrollment_id=enrollment.id, _anchor=anchor))


def form_int(name: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """An integer form field, or None when it is missing or not a whole number in range."""
    raw = (request.form.get(name) or "").strip()
    if not raw.lstrip("-").isdigit():
        return None
    value = int(raw) if len(raw) <= 12 else None
    if value is None or abs(value) > 2**31 - 1 or value < minimum or (maximum is not None and value > maximum):
        return None
    return value


def parse_date(raw: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD) or None."""
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def page_arg() -> int:
    """The ?sida= page number (1 when missing or invalid)."""
    raw = request.args.get("sida", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1
