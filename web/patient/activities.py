"""Aktiviteter: the patient fills in or skips the open occasions of the moment's activity plans."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import clock
from ..services.patient import activities as patient_activities
from ..services.errors import ServiceError
from ..services.patient.program import MomentView
from .blueprint import bp, moment_required
from .forms import ActivityActionForm


def _render(view: MomentView, *, errors=None, posted=None, status: int = 200):
    return render_template(
        "patient/activities.html", view=view, plans=patient_activities.plan_views(view.enrollment, clock.now()),
        errors=errors or {}, posted=posted or {}, input_kinds=patient_activities.INPUT_KINDS,
    ), status


@bp.route("/stod-och-behandling/<int:enrollment_id>/aktiviteter/")
@moment_required()
def activities(view: MomentView):
    """Open occasions of each activated plan, with the next one and the latest registrations."""
    return _render(view)


@bp.route("/stod-och-behandling/<int:enrollment_id>/aktiviteter/<int:plan_id>", methods=["POST"])
@moment_required()
def activity(view: MomentView, plan_id: int):
    """Spara (register an occasion) or Hoppa över (skip it, where the plan allows)."""
    now, form = clock.now(), ActivityActionForm()
    try:
        if form.action.data == "hoppa":
            patient_activities.skip(view.enrollment, g.patient, plan_id, form.occasion.data, now=now)
            flash(gettext("Tillfället är överhoppat."), "success")
        else:
            # the answers are a dynamic mapping (see forms.py): the service parses them
            patient_activities.register(view.enrollment, g.patient, plan_id, request.form, now=now)
            flash(gettext("Aktiviteten är sparad."), "success")
    except ServiceError as exc:
        flash(gettext(exc.message), "error")  # fixed messages (web.i18n.MARKED_MESSAGES)
        key = f"{plan_id}:{form.occasion.data or ''}"
        return _render(view, errors={key: exc.fields}, posted={key: request.form}, status=422)
    return redirect(url_for("patient.activities", enrollment_id=view.enrollment.id))
