"""Händelser → Flaggor: choose flag types (with parameters) and handle open flags."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..ui.forms import first_error
from ..services.clinician import activity as activity_service
from ..services.clinician import flags as flag_service
from ..services.clinician.days import MAX_DAYS
from ..services.clinician.flag_params import RULES, describe_params, param_specs
from ..services.core.rows import program_for
from ..services.errors import ServiceError
from ..services.types import Enrollment
from .blueprint import bp
from .common import act, back_to, staff_moment
from .forms import FlagsQuery, FlagTypeForm, flag_params_form


@bp.route("/moment/<int:enrollment_id>/handelser")
@staff_moment("Händelser: Flaggor", state=False)
def flags(enrollment: Enrollment):
    """Flaggor: Skapa ny flagga (Välj flaggtyp), the subscriptions, open and handled flags."""
    flag_type = FlagsQuery(request.args).flaggtyp.data or None
    if flag_type is not None and flag_type not in RULES:
        flag_type = None
    program = program_for(enrollment)
    return render_template(
        "clinician/flags.html", enrollment=enrollment, program=program, flag_type=flag_type,
        specs=param_specs(flag_type) if flag_type else [], groups=flag_service.FLAG_GROUPS,
        labels=flag_service.LABELS, subscriptions=flag_service.subscriptions_listed(enrollment, current_user),
        open_flags=flag_service.open_flags(enrollment), handled=flag_service.handled_flags(enrollment),
        plans=activity_service.plans_of(enrollment), active_moment_tab="handelser",
        describe_params=lambda flag_type, params: describe_params(flag_type, params, program),
        active_events_tab="flaggor", max_days=MAX_DAYS,
    )


@bp.post("/moment/<int:enrollment_id>/handelser/flaggor")
@staff_moment()
def add_flag(enrollment: Enrollment):
    """Skapa ny flagga for this moment or for all of the clinician's moments."""
    form = FlagTypeForm()
    flag_type = form.flaggtyp.data
    if flag_type not in RULES:
        flash("Välj en flaggtyp.", "error")
        return back_to("clinician.flags", enrollment)
    params = flag_params_form(flag_type)
    try:
        if not params.validate():
            raise ServiceError(first_error(params))
        flag_service.add_subscription(current_user, enrollment, flag_type, params.params(),
                                      all_moments=form.scope.data == "alla", now=clock.now())
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("clinician.flags", enrollment_id=enrollment.id, flaggtyp=flag_type))
    flash(f"Flaggan {flag_service.LABELS[flag_type]} är tillagd.", "success")
    return back_to("clinician.flags", enrollment)


@bp.post("/moment/<int:enrollment_id>/handelser/flaggor/<int:subscription_id>/ta-bort")
@staff_moment()
def remove_flag(enrollment: Enrollment, subscription_id: int):
    """Ta bort one of the clinician's own flag subscriptions."""
    sub = flag_service.subscription_of(enrollment, subscription_id)
    if sub is None:
        abort(404)
    try:
        flag_service.remove_subscription(sub, current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash("Flaggan är borttagen.", "success")
    return back_to("clinician.flags", enrollment)


@bp.post("/moment/<int:enrollment_id>/handelser/flagga/<int:flag_id>/hantera")
@staff_moment()
def handle_flag(enrollment: Enrollment, flag_id: int):
    """Hantera an open flag."""
    flag = flag_service.flag_of(enrollment, flag_id)
    if flag is None:
        abort(404)
    act(flag_service.handle_flag, flag, success="Flaggan är hanterad.")
    return back_to("clinician.flags", enrollment)


@bp.post("/moment/<int:enrollment_id>/handelser/flagga/<int:flag_id>/slapp-sparren")
@staff_moment()
def release_hold(enrollment: Enrollment, flag_id: int):
    """Släpp spärren: open what an alert holds before its flag is handled."""
    flag = flag_service.flag_of(enrollment, flag_id)
    if flag is None:
        abort(404)
    act(flag_service.release_hold, flag, success="Spärren är släppt. Invånaren kan nu använda det som väntade.")
    return back_to("clinician.hantera", enrollment)
