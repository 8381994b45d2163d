"""Hantera: the clinician sets the values of a form the clinician fills in for the patient (the sleep window)."""
from __future__ import annotations

from flask import flash, g, request
from flask_login import current_user

from .. import clock
from ..services.clinician import set_values
from ..services.errors import ServiceError
from ..services.types import Enrollment
from .blueprint import bp
from .common import back_to, staff_moment
from .moment import _render_hantera


@bp.post("/moment/<int:enrollment_id>/varden/<form_id>")
@staff_moment()
def set_form_values(enrollment: Enrollment, form_id: str):
    """Spara värden: validated like a patient's answers; a rejected post is shown again as typed."""
    raw = request.form
    try:
        set_values.set_values(enrollment, form_id, raw, user=current_user, membership=g.membership, now=clock.now())
    except ServiceError as exc:
        flash(str(exc), "error")
        posted = {k: raw.get(k, "") for k in raw}
        return _render_hantera(enrollment, values_post=(form_id, posted, dict(exc.fields or {}))), 400
    flash("Värdena är sparade. Invånaren ser dem nu.", "success")
    return back_to("clinician.hantera", enrollment, f"varden-{form_id}")
