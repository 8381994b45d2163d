"""The moment page's Hantera tab and its actions; submitted answers."""
from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..extensions import db
from ..models import CareUnit, Enrollment
from ..services.clinician import responses as form_service
from ..services.clinician import moments
from ..services.clinician import hantera as pages
from ..services.core import accounts as patient_accounts
from ..services.errors import ServiceError
from ..decorators import role_required
from . import bp
from .common import act, back_to, flash_error, form_int, load_moment, parse_date

MAX_DAYS = 3650
DAYS_ERROR = f"Dagar kvar måste vara ett heltal mellan 0 och {MAX_DAYS}."
UNTIL_ERROR = "Ange ett datum för vidmakthåll (ÅÅÅÅ-MM-DD)."


def other_units(enrollment: Enrollment) -> list[CareUnit]:
    """Units a moment can be handed over to."""
    return list(db.session.execute(
        db.select(CareUnit).where(CareUnit.id != enrollment.care_unit_id).order_by(CareUnit.name)
    ).scalars())


def linkable(enrollment: Enrollment) -> list[Enrollment]:
    """The patient's other moments in this unit (Länkade moment)."""
    return list(db.session.execute(
        db.select(Enrollment).where(Enrollment.patient_id == enrollment.patient_id, Enrollment.id != enrollment.id,
                                    Enrollment.care_unit_id == enrollment.care_unit_id)
    ).scalars())


@bp.route("/moment/<int:enrollment_id>")
@bp.route("/moment/<int:enrollment_id>/hantera")  # registered first: url_for builds this one
@role_required("behandlare")
def hantera(enrollment_id: int):
    """Hantera: summary, unhandled events, welcome text, modules with their steps and forms."""
    return _render_hantera(load_moment(enrollment_id, "Hantera"))


def _render_hantera(enrollment: Enrollment, activation_link: str | None = None) -> str:
    view = pages.hantera(enrollment, clock.now())
    return render_template(
        "clinician/hantera.html", enrollment=enrollment, view=view, active_moment_tab="hantera",
        clinicians=moments.eligible_clinicians(enrollment.care_unit_id), units=other_units(enrollment),
        linkable=linkable(enrollment), today=clock.today(), editing=request.args.get("redigera") == "1",
        activation_link=activation_link, activation_days=patient_accounts.ACTIVATION_DAYS,
    )


@bp.post("/moment/<int:enrollment_id>/aktiveringslank")
@role_required("behandlare")
def new_activation_link(enrollment_id: int):
    """Skapa ny aktiveringslänk: shown once, in this response only (never stored readable or redirected)."""
    enrollment = load_moment(enrollment_id, None)
    try:
        link = patient_accounts.new_activation_link(enrollment, user=current_user, membership=g.membership,
                                                    now=clock.now())
    except ServiceError as exc:
        flash_error(exc)
        return back_to("clinician.hantera", enrollment, "aktivering")
    response = make_response(_render_hantera(enrollment, activation_link=link))
    response.headers["Cache-Control"] = "no-store"  # the one-time link must not stay in a cache
    return response


def _module_action(enrollment_id: int, fn, success: str, **kwargs):
    enrollment = load_moment(enrollment_id, None)
    module_id = request.form.get("module", "")
    act(fn, enrollment, module_id, success=success, **kwargs)
    return back_to("clinician.hantera", enrollment, f"modul-{module_id}")


@bp.post("/moment/<int:enrollment_id>/modul/avklarad")
@role_required("behandlare")
def complete_module(enrollment_id: int):
    """Sätt till avklarad."""
    return _module_action(enrollment_id, moments.complete_module, "Modulen är satt till avklarad.")


@bp.post("/moment/<int:enrollment_id>/modul/aktuell")
@role_required("behandlare")
def activate_module(enrollment_id: int):
    """Sätt till aktuell, with Dagar kvar."""
    days = form_int("days", maximum=MAX_DAYS)
    if days is None:
        enrollment = load_moment(enrollment_id, None)
        flash(DAYS_ERROR, "error")
        return back_to("clinician.hantera", enrollment, f"modul-{request.form.get('module', '')}")
    return _module_action(enrollment_id, moments.activate_module, "Modulen är satt till aktuell.", days=days)


@bp.post("/moment/<int:enrollment_id>/modul/kommande")
@role_required("behandlare")
def upcoming_module(enrollment_id: int):
    """Sätt till kommande."""
    return _module_action(enrollment_id, moments.set_upcoming, "Modulen är satt till kommande.")


@bp.post("/moment/<int:enrollment_id>/modul/dagar")
@role_required("behandlare")
def days_left(enrollment_id: int):
    """Dagar kvar for a module."""
    enrollment = load_moment(enrollment_id, None)
    module_id = request.form.get("module", "")
    days = form_int("days", maximum=MAX_DAYS)
    if days is None:
        flash(DAYS_ERROR, "error")
    else:
        act(moments.set_days_left, enrollment, module_id, days, success="Dagar kvar är ändrat.")
    return back_to("clinician.hantera", enrollment, f"modul-{module_id}")


@bp.post("/moment/<int:enrollment_id>/modul/status")
@role_required("behandlare")
def patient_status(enrollment_id: int):
    """Invånarstatus for a module."""
    return _module_action(enrollment_id, moments.set_patient_status, "Invånarstatus är ändrad.",
                          status=request.form.get("status", ""))


@bp.post("/moment/<int:enrollment_id>/valkomsttext")
@role_required("behandlare")
def welcome_text(enrollment_id: int):
    """Redigera text / Spara: the moment's welcome text."""
    enrollment = load_moment(enrollment_id, None)
    act(moments.save_welcome_text, enrollment, request.form.get("text", ""), success="Välkomsttexten är sparad.")
    return back_to("clinician.hantera", enrollment, "valkomsttext")


@bp.post("/moment/<int:enrollment_id>/avsluta")
@role_required("behandlare")
def end(enrollment_id: int):
    """Avsluta with an end reason, optionally Vidmakthåll until a date."""
    enrollment = load_moment(enrollment_id, None)
    if not request.form.get("reason"):
        flash("Välj en avslutningsorsak.", "error")
        return back_to("clinician.hantera", enrollment, "avsluta")
    until = None
    if request.form.get("maintain"):
        until = parse_date(request.form.get("until"))
        if until is None:
            flash(UNTIL_ERROR, "error")
            return back_to("clinician.hantera", enrollment, "avsluta")
    act(moments.end_and_maintain, enrollment, request.form.get("reason", ""), until,
        success="Momentet är avslutat." + (f" Invånaren kan läsa till och med {until}." if until else ""))
    return back_to("clinician.hantera", enrollment, "avsluta")


@bp.post("/moment/<int:enrollment_id>/vidmakthall")
@role_required("behandlare")
def maintain(enrollment_id: int):
    """Vidmakthåll an ended moment until a date."""
    enrollment = load_moment(enrollment_id, None)
    until = parse_date(request.form.get("until"))
    if until is None:
        flash(UNTIL_ERROR, "error")
    else:
        act(moments.maintain_moment, enrollment, until, success=f"Momentet vidmakthålls till och med {until}.")
    return back_to("clinician.hantera", enrollment, "avsluta")


@bp.post("/moment/<int:enrollment_id>/behandlare")
@role_required("behandlare")
def change_clinician(enrollment_id: int):
    """Byte av behandlare."""
    enrollment = load_moment(enrollment_id, None)
    act(moments.change_clinician, enrollment, form_int("clinician", minimum=1) or 0,
        success="Ansvarig behandlare är bytt.")
    return back_to("clinician.hantera", enrollment, "byte-av-behandlare")


@bp.post("/moment/<int:enrollment_id>/overlamna")
@role_required("behandlare")
def hand_over(enrollment_id: int):
    """Överlämna to another unit; the moment then leaves this unit's lists."""
    enrollment = load_moment(enrollment_id, None)
    if act(moments.hand_over, enrollment, form_int("unit", minimum=1) or 0,
           success="Momentet är överlämnat till den andra vårdenheten."):
        return redirect(url_for("clinician.home"))
    return back_to("clinician.hantera", enrollment, "overlamna")


@bp.post("/moment/<int:enrollment_id>/lanka")
@role_required("behandlare")
def link(enrollment_id: int):
    """Länkade moment."""
    enrollment = load_moment(enrollment_id, None)
    act(moments.link_moment, enrollment, form_int("other", minimum=1) or 0, success="Momenten är länkade.")
    return back_to("clinician.hantera", enrollment, "lankade-moment")


@bp.post("/moment/<int:enrollment_id>/matbatteri")
@role_required("behandlare")
def battery(enrollment_id: int):
    """Starta mätbatteri."""
    enrollment = load_moment(enrollment_id, None)
    act(moments.start_battery, enrollment, request.form.get("battery", ""), success="Mätbatteriet är startat.")
    return back_to("clinician.hantera", enrollment, "matbatterier")


@bp.route("/moment/<int:enrollment_id>/svar/<int:response_id>")
@role_required("behandlare")
def answers(enrollment_id: int, response_id: int):
    """Submitted answers with the question texts the patient saw; the first opening marks them read."""
    enrollment = load_moment(enrollment_id, None)
    response = form_service.response_for_staff(enrollment, response_id)
    if response is None:
        abort(404)
    form_service.open_response(response, user=current_user, membership=g.membership, now=clock.now())
    return render_template("clinician/answers.html", enrollment=enrollment, response=response,
                           active_moment_tab="hantera")
