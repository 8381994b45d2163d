"""Flytta till version X: the confirmation page (GET, writes nothing but the access log) and the move (POST)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ..ui.forms import PostForm, Text
from ..services.clinician import upgrade as upgrade_service
from ..services.types import Enrollment
from .blueprint import bp
from .common import act, back_to, staff_moment


class UpgradeForm(PostForm):
    """The version the clinician confirmed (its digest): another version installed since is refused."""

    to = Text()


@bp.app_template_global("upgrade_offer")
def upgrade_offer(enrollment: Enrollment):
    """The move Hantera offers for a moment (None when no other version is installed)."""
    return upgrade_service.offer(enrollment)


@bp.get("/moment/<int:enrollment_id>/flytta-version")
@staff_moment("Flytta till ny version")
def upgrade_confirm(enrollment: Enrollment):
    """What moving to the installed version does, and the button that does it."""
    offer = upgrade_service.offer(enrollment)
    if offer is None:
        return redirect(url_for("clinician.hantera", enrollment_id=enrollment.id))
    return render_template("clinician/upgrade_confirm.html", enrollment=enrollment, offer=offer,
                           active_moment_tab="hantera")


@bp.post("/moment/<int:enrollment_id>/flytta-version")
@staff_moment()
def upgrade(enrollment: Enrollment):
    """Flytta till version X (after the confirmation page)."""
    form = UpgradeForm()
    if not form.to.data:
        abort(400)
    version = enrollment.program_version
    if act(upgrade_service.move_moment, enrollment, form.to.data):
        flash(f"Momentet är flyttat från version {version} till version {enrollment.program_version}.", "success")
    return back_to("clinician.hantera", enrollment)
