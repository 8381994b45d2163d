"""Confirmation pages for the irreversible actions: Avsluta, Byte av behandlare, Överlämna.

Hantera's forms GET these pages; they only say what will happen (nothing is written but the access log)
and post the same choice with `confirm` to the action itself. Works without JavaScript.
"""
from __future__ import annotations

from flask import flash, render_template, request

from ..ui.forms import first_error
from ..services.clinician import confirm as previews
from ..services.errors import ServiceError
from ..services.types import Enrollment
from .blueprint import bp
from .common import back_to, flash_error, staff_moment
from .forms import EndQuery, PickQuery


def _page(enrollment: Enrollment, build, action: str):
    try:
        preview = build()
    except ServiceError as exc:
        flash_error(exc)
        return None
    return render_template("clinician/confirm.html", enrollment=enrollment, preview=preview, action=action,
                           active_moment_tab="hantera")


@bp.get("/moment/<int:enrollment_id>/avsluta/bekrafta")
@staff_moment("Hantera")
def confirm_end(enrollment: Enrollment):
    """Avsluta momentet? — with the chosen end reason (and Vidmakthåll date)."""
    query = EndQuery(request.args)
    if not query.validate():
        flash(first_error(query), "error")
        return back_to("clinician.hantera", enrollment, "avsluta")
    page = _page(enrollment, lambda: previews.end_preview(enrollment, query.reason.data, query.chosen_until), "end")
    return page or back_to("clinician.hantera", enrollment, "avsluta")


@bp.get("/moment/<int:enrollment_id>/behandlare/bekrafta")
@staff_moment("Hantera")
def confirm_clinician(enrollment: Enrollment):
    """Byta ansvarig behandlare? — from whom to whom."""
    query = PickQuery(request.args)
    page = _page(enrollment, lambda: previews.clinician_preview(enrollment, query.clinician.data), "change_clinician")
    return page or back_to("clinician.hantera", enrollment, "byte-av-behandlare")


@bp.get("/moment/<int:enrollment_id>/overlamna/bekrafta")
@staff_moment("Hantera")
def confirm_hand_over(enrollment: Enrollment):
    """Överlämna momentet? — to which unit."""
    query = PickQuery(request.args)
    page = _page(enrollment, lambda: previews.unit_preview(enrollment, query.unit.data), "hand_over")
    return page or back_to("clinician.hantera", enrollment, "overlamna")
