"""Access rules as decorators on routes, so each rule is visible where the URL is declared."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, g, redirect, request, session, url_for
from flask_login import current_user

from ..extensions import login_manager
from ..services.types import Membership


def current_membership() -> Membership | None:
    """The logged-in staff member's membership of the care unit they chose, or None."""
    if not current_user.is_authenticated or getattr(current_user, "kind", None) != "staff":
        return None
    return current_user.membership(session.get("unit_id"))


def staff_required(view: Callable) -> Callable:
    """Logged-in staff working in a chosen care unit; sets g.membership. Patients get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if getattr(current_user, "kind", None) != "staff":
            abort(403)
        membership = current_membership()
        if membership is None:
            if current_user.memberships:
                return redirect(url_for("auth.choose_unit", next=request.full_path))
            abort(403)
        g.membership = membership
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: str) -> Callable[[Callable], Callable]:
    """Staff holding at least one of `roles` in the unit they work in (e.g. @role_required("behandlare"))."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def check(*args, **kwargs):
            if not g.membership.role_set.intersection(roles):
                abort(403)
            return view(*args, **kwargs)

        return staff_required(check)

    return decorator
