"""The moment page's Hantera tab and its actions; submitted answers."""
from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..ui import module_rows
from ..ui.forms import first_error
from ..services.clinician import responses as form_service
from ..services.clinician import days as days_service
from ..services.clinician import links as link_service
from ..services.clinician import moments
from ..services.clinician import unit_settings as settings_service
from ..services.clinician import hantera as pages
from ..services.clinician import set_values
from ..services.core import accounts as patient_accounts
from ..services.errors import ServiceError
from ..services.types import Enrollment
from .blueprint import bp
from .common import act, back_to, flash_error, staff_moment
from .forms import (DaysForm, EndForm, HanteraQuery, MaintainForm, ModuleForm, PickForm,
                    WelcomeTextForm)


@bp.route("/moment/<int:enrollment_id>")
@bp.route("/moment/<int:enrollment_id>/hantera")  # registered first: url_for builds this one
@staff_moment("Hantera", state=False)  # the state from plain rows (pages.hantera)
def hantera(enrollment: Enrollment):
    """Hantera: summary, unhandled events, welcome text, modules with their steps and forms."""
    return _render_hantera(enrollment)


def _render_hantera(enrollment: Enrollment, activation_link: str | None = None, *,
                    welcome_draft: str | None = None, welcome_error: str | None = None,
                    values_post: tuple[str, dict, dict] | None = None) -> str:
    view = pages.hantera(enrollment, clock.now())
    posted_form, posted, errors = values_post or (None, None, None)
    setters, entries = set_values.for_hantera(enrollment, posted=posted, posted_form=posted_form, errors=errors)
    query = HanteraQuery(request.args)
    linked, linkable = link_service.for_hantera(enrollment)
    clinicians, units = pages.handover_choices(enrollment)
    return render_template(
        "clinician/hantera.html", enrollment=enrollment, view=view, active_moment_tab="hantera",
        # passed to this page only: every global is compared on each import of every template (Jinja)
        current_module_row=module_rows.current_module, other_module_row=module_rows.other_module,
        setters=setters, entries=entries,
        clinicians=clinicians, units=units,
        linkable=linkable, linked=linked, today=clock.today(),
        editing=query.redigera.data == "1" or welcome_draft is not None,
        welcome_draft=welcome_draft, welcome_error=welcome_error,
        activation_link=activation_link, activation_days=patient_accounts.ACTIVATION_DAYS,
        max_days=days_service.MAX_DAYS,
        maintain_until=settings_service.default_maintain_until(enrollment.care_unit_id, clock.today()),
    )


@bp.post("/moment/<int:enrollment_id>/aktiveringslank")
@staff_moment()
def new_activation_link(enrollment: Enrollment):
    """Skapa ny aktiveringslänk: shown once, in this response only (never stored readable or redirected)."""
    try:
        link = patient_accounts.new_activation_link(enrollment, user=current_user, membership=g.membership,
                                                    now=clock.now())
    except ServiceError as exc:
        flash_error(exc)
        return back_to("clinician.hantera", enrollment, "aktivering")
    response = make_response(_render_hantera(enrollment, activation_link=link))
    response.headers["Cache-Control"] = "no-store"  # the one-time link must not stay in a cache
    return response


def _module_action(enrollment: Enrollment, form: ModuleForm, fn, success: str, **kwargs):
    module_id = form.module.data
    if form.validate():
        act(fn, enrollment, module_id, success=success, **kwargs)
    else:
        flash(first_error(form), "error")
    return back_to("clinician.hantera", enrollment, f"modul-{module_id}")


@bp.post("/moment/<int:enrollment_id>/modul/avklarad")
@staff_moment()
def complete_module(enrollment: Enrollment):
    """Sätt till avklarad."""
    return _module_action(enrollment, ModuleForm(), moments.complete_module, "Modulen är satt till avklarad.")


@bp.post("/moment/<int:enrollment_id>/modul/aktuell")
@staff_moment()
def activate_module(enrollment: Enrollment):
    """Sätt till aktuell, with Dagar kvar."""
    form = DaysForm()
    return _module_action(enrollment, form, days_service.activate_module, "Modulen är satt till aktuell.",
                          days=form.chosen)


@bp.post("/moment/<int:enrollment_id>/modul/kommande")
@staff_moment()
def upcoming_module(enrollment: Enrollment):
    """Sätt till kommande."""
    return _module_action(enrollment, ModuleForm(), moments.set_upcoming, "Modulen är satt till kommande.")


@bp.post("/moment/<int:enrollment_id>/modul/dagar")
@staff_moment()
def days_left(enrollment: Enrollment):
    """Dagar kvar for a module."""
    form = DaysForm()
    module_id = form.module.data
    if form.validate():
        try:
            changed = days_service.set_days_left(enrollment, module_id, form.chosen, user=current_user,
                                                 membership=g.membership, now=clock.now())
        except ServiceError as exc:
            flash_error(exc)
        else:
            flash("Dagar kvar är ändrat." if changed else "Inget ändrades.", "success" if changed else "info")
    else:
        flash(first_error(form), "error")
    return back_to("clinician.hantera", enrollment, f"modul-{module_id}")


@bp.post("/moment/<int:enrollment_id>/modul/status")
@staff_moment()
def patient_status(enrollment: Enrollment):
    """Invånarstatus for a module."""
    form = ModuleForm()
    return _module_action(enrollment, form, moments.set_patient_status, "Invånarstatus är ändrad.",
                          status=form.status.data)


@bp.post("/moment/<int:enrollment_id>/valkomsttext")
@staff_moment()
def welcome_text(enrollment: Enrollment):
    """Redigera text / Spara: the moment's welcome text; a refused text comes back in the form, as typed."""
    text = WelcomeTextForm().text.data or ""
    try:
        moments.save_welcome_text(enrollment, text, user=current_user, membership=g.membership, now=clock.now())
    except ServiceError as exc:
        return _render_hantera(enrollment, welcome_draft=text, welcome_error=exc.message), 422
    flash("Välkomsttexten är sparad.", "success")
    return back_to("clinician.hantera", enrollment, "valkomsttext")


@bp.post("/moment/<int:enrollment_id>/avsluta")
@staff_moment()
def end(enrollment: Enrollment):
    """Avsluta with an end reason, optionally Vidmakthåll until a date."""
    form = EndForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to("clinician.hantera", enrollment, "avsluta")
    until = form.chosen_until
    if not form.confirm.data:  # irreversible: ask first (also without JavaScript)
        return redirect(url_for("clinician.confirm_end", enrollment_id=enrollment.id, reason=form.reason.data,
                                **({"maintain": "1", "until": until.isoformat()} if until else {})), 303)
    act(moments.end_and_maintain, enrollment, form.reason.data, until,
        success="Momentet är avslutat." + (f" Invånaren kan läsa till och med {until}." if until else ""))
    return back_to("clinician.hantera", enrollment, "avsluta")


@bp.post("/moment/<int:enrollment_id>/vidmakthall")
@staff_moment()
def maintain(enrollment: Enrollment):
    """Vidmakthåll an ended moment until a date."""
    form = MaintainForm()
    if not form.validate():
        flash(first_error(form), "error")
    else:
        until = form.until.data
        act(moments.maintain_moment, enrollment, until, success=f"Momentet vidmakthålls till och med {until}.")
    return back_to("clinician.hantera", enrollment, "avsluta")


@bp.post("/moment/<int:enrollment_id>/behandlare")
@staff_moment()
def change_clinician(enrollment: Enrollment):
    """Byte av behandlare."""
    form = PickForm()
    if not form.confirm.data:
        return redirect(url_for("clinician.confirm_clinician", enrollment_id=enrollment.id,
                                clinician=form.clinician.data or ""), 303)
    act(moments.change_clinician, enrollment, form.clinician.data or 0, success="Ansvarig behandlare är bytt.")
    return back_to("clinician.hantera", enrollment, "byte-av-behandlare")


@bp.post("/moment/<int:enrollment_id>/overlamna")
@staff_moment()
def hand_over(enrollment: Enrollment):
    """Överlämna to another unit; the moment then leaves this unit's lists."""
    form = PickForm()
    if not form.confirm.data:
        return redirect(url_for("clinician.confirm_hand_over", enrollment_id=enrollment.id, unit=form.unit.data or ""),
                        303)
    if act(moments.hand_over, enrollment, form.unit.data or 0,
           success="Momentet är överlämnat till den andra vårdenheten."):
        return redirect(url_for("clinician.home"))
    return back_to("clinician.hantera", enrollment, "overlamna")


@bp.post("/moment/<int:enrollment_id>/lanka")
@staff_moment()
def link(enrollment: Enrollment):
    """Länkade moment."""
    act(link_service.link, enrollment, PickForm().other.data or 0, success="Momenten är länkade.")
    return back_to("clinician.hantera", enrollment, "lankade-moment")


@bp.post("/moment/<int:enrollment_id>/matbatteri")
@staff_moment()
def battery(enrollment: Enrollment):
    """Starta mätbatteri."""
    act(moments.start_battery, enrollment, PickForm().battery.data, success="Mätbatteriet är startat.")
    return back_to("clinician.hantera", enrollment, "matbatterier")


@bp.route("/moment/<int:enrollment_id>/svar/<int:response_id>")
@staff_moment()
def answers(enrollment: Enrollment, response_id: int):
    """Submitted answers with the question texts the patient saw; the first opening marks them read."""
    response = form_service.response_for_staff(enrollment, response_id)
    if response is None:
        abort(404)
    form_service.open_response(response, user=current_user, membership=g.membership, now=clock.now())
    return render_template("clinician/answers.html", enrollment=enrollment, response=response,
                           active_moment_tab="hantera")
