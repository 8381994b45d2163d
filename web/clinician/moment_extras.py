"""Moment pages added for the manual's workflow: Ta bort länk (Länkade moment) and Egenskaper."""
from __future__ import annotations

from flask import render_template

from ..services.clinician import links as link_service
from ..services.clinician.properties import properties
from ..services.types import Enrollment
from .blueprint import bp
from .common import act, back_to, staff_moment
from .forms import PickForm


@bp.post("/moment/<int:enrollment_id>/lanka/ta-bort")
@staff_moment()
def unlink(enrollment: Enrollment):
    """Ta bort länk: the link goes from both moments."""
    act(link_service.unlink, enrollment, PickForm().other.data or 0, success="Länken är borttagen.")
    return back_to("clinician.hantera", enrollment, "lankade-moment")


@bp.get("/moment/<int:enrollment_id>/egenskaper")
@staff_moment("Egenskaper")
def egenskaper(enrollment: Enrollment):
    """Egenskaper: program and version, unit, clinician, start, status, end, vidmakthåll, links."""
    return render_template("clinician/egenskaper.html", enrollment=enrollment, props=properties(enrollment),
                           active_moment_tab="egenskaper")
