"""Helpers every clinician view uses: `@staff_moment` (load, authorize, access-log a moment), run an action."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, flash, g, redirect, url_for
from flask_login import current_user

from .. import clock
from ..ui.decorators import role_required
from ..services.core import access
from ..services.errors import AccessDenied, ServiceError
from ..services.types import Enrollment

#: the attribute `@staff_moment` sets on a view (tests check every moment route carries it)
STAFF_MOMENT = "staff_moment"


def staff_moment(what: str | None = None, *, role: str = "behandlare",
                 state: bool = True) -> Callable[[Callable], Callable]:
    """The moment from the URL's `enrollment_id`, passed to the view as `enrollment`.

    Staff holding `role` in the unit they work in only; a moment of another unit (or none) is 404.
    `what` names what the page reads (e.g. "Hantera"): given, each request writes an access-log row;
    POST actions that change the moment log through their own events and give None. `state=False`: the moment's
    modules and step progress are not loaded with it: a page that never builds its state, or one that only shows
    it and reads them as plain rows (Hantera: web.services.core.moment_rows).
    """

    def decorator(view_fn: Callable) -> Callable:
        @wraps(view_fn)
        def wrapped(enrollment_id: int, **kwargs):
            try:
                if what is None:
                    enrollment = access.moment_for_staff(enrollment_id, g.membership, state=state)
                else:
                    enrollment = access.view_moment(enrollment_id, g.membership, what, clock.now(), state=state)
            except AccessDenied:
                abort(404)
            return view_fn(enrollment=enrollment, **kwargs)

        checked = role_required(role)(wrapped)
        setattr(checked, STAFF_MOMENT, what or True)
        return checked

    return decorator


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
