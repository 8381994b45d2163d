"""Händelser → Flaggor: choose flag types (with parameters) and handle open flags."""
from __future__ import annotations

from dataclasses import MISSING, fields
from typing import TYPE_CHECKING

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.moment import flags as engine_flags

from .. import clock
from ..decorators import role_required
from ..extensions import db
from ..models import Flag, FlagSubscription
from ..services.clinician import activity as activity_service
from ..services.clinician import flags as flag_service
from ..services.core.rows import program_for
from ..services.errors import ServiceError
from . import bp
from .common import act, back_to, load_moment

if TYPE_CHECKING:
    from engine.model import Program

#: parameter → (label, help) as the form shows it; "days" depends on the flag type
PARAM_LABELS = {
    "form": ("Formulär", "Lämna tomt för alla formulär."),
    "battery": ("Mätbatteri", "Lämna tomt för alla mätbatterier."),
    "plan": ("Aktivitetsplan", "Lämna tomt för alla aktivitetsplaner."),
    "module": ("Modul", None),
    "days_before": ("Dagar kvar när påminnelsen kommer", None),
    "date": ("Datum", None),
    "note": ("Anteckning", "Visas i flaggan."),
}
DAYS_LABELS = {
    "form_review": ("Dagar innan flaggan kommer om formuläret inte öppnats", "0 = direkt när det skickas in."),
    "patient_inactivity": ("Antal dagar utan aktivitet", None),
    "moment_ending_soon": ("Dagar före rekommenderad längd", None),
}


def param_specs(flag_type: str) -> list[dict]:
    """The parameters of a flag type with labels, widgets and whether they are required."""
    cls = engine_flags.RULES[flag_type]
    specs = []
    for f in fields(cls):
        if f.name == "since":
            continue
        label, help_ = DAYS_LABELS.get(flag_type, ("Antal dagar", None)) if f.name == "days" else PARAM_LABELS.get(
            f.name, (f.name, None))
        required = f.default is MISSING and f.default_factory is MISSING
        specs.append({"name": f.name, "label": label, "help": help_, "required": required,
                      "default": None if required else f.default})
    return specs


def describe_params(flag_type: str, params: dict | None, program: Program | None = None) -> str:
    """A subscription's parameters in words ("Antal dagar utan aktivitet: 7"); empty ones left out."""
    if flag_type not in engine_flags.RULES:
        return ""
    labels = {spec["name"]: spec["label"] for spec in param_specs(flag_type)}
    parts = []
    for name, value in (params or {}).items():
        if value in (None, ""):
            continue
        named = None
        if program is not None and name == "module":
            named = program.module(value)
        elif program is not None and name == "form":
            named = program.form(value)
        elif program is not None and name == "battery":
            named = program.battery(value)
        value = named.title if named is not None else value
        parts.append(f"{labels.get(name, name)}: {value}")
    return ", ".join(parts)


def _parse_params(flag_type: str) -> dict:
    params = {}
    for spec in param_specs(flag_type):
        raw = (request.form.get(spec["name"]) or "").strip()
        if not raw:
            continue
        if spec["name"] in ("days", "days_before"):
            if not raw.isdigit():  # said here with the field's label; the engine would name the parameter
                raise ServiceError(f"{spec['label']} måste vara ett heltal, 0 eller större.")
            params[spec["name"]] = int(raw)
        else:
            params[spec["name"]] = raw
    return params


@bp.route("/moment/<int:enrollment_id>/handelser")
@role_required("behandlare")
def flags(enrollment_id: int):
    """Flaggor: Skapa ny flagga (Välj flaggtyp), the subscriptions, open and handled flags."""
    enrollment = load_moment(enrollment_id, "Händelser: Flaggor")
    flag_type = request.args.get("flaggtyp") or None
    if flag_type is not None and flag_type not in engine_flags.RULES:
        flag_type = None
    subs = [s for s in flag_service.subscriptions_for(enrollment) if s.user_id == current_user.id] + list(
        db.session.execute(db.select(FlagSubscription).where(
            FlagSubscription.enrollment_id == enrollment.id, FlagSubscription.user_id != current_user.id)).scalars())
    handled = list(db.session.execute(
        db.select(Flag).where(Flag.enrollment_id == enrollment.id, Flag.handled_at.is_not(None))
        .order_by(Flag.handled_at.desc()).limit(20)).scalars())
    program = program_for(enrollment)
    return render_template(
        "clinician/flags.html", enrollment=enrollment, program=program, flag_type=flag_type,
        specs=param_specs(flag_type) if flag_type else [], groups=flag_service.FLAG_GROUPS,
        labels=engine_flags.LABELS, subscriptions=subs, open_flags=flag_service.open_flags(enrollment),
        handled=handled, plans=activity_service.plans_of(enrollment), active_moment_tab="handelser",
        describe_params=lambda flag_type, params: describe_params(flag_type, params, program),
        active_events_tab="flaggor",
    )


@bp.post("/moment/<int:enrollment_id>/handelser/flaggor")
@role_required("behandlare")
def add_flag(enrollment_id: int):
    """Skapa ny flagga for this moment or for all of the clinician's moments."""
    enrollment = load_moment(enrollment_id, None)
    flag_type = request.form.get("flaggtyp", "")
    if flag_type not in engine_flags.RULES:
        flash("Välj en flaggtyp.", "error")
        return back_to("clinician.flags", enrollment)
    try:
        flag_service.add_subscription(current_user, enrollment, flag_type, _parse_params(flag_type),
                                      all_moments=request.form.get("scope") == "alla", now=clock.now())
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("clinician.flags", enrollment_id=enrollment.id, flaggtyp=flag_type))
    flash(f"Flaggan {engine_flags.LABELS[flag_type]} är tillagd.", "success")
    return back_to("clinician.flags", enrollment)


@bp.post("/moment/<int:enrollment_id>/handelser/flaggor/<int:subscription_id>/ta-bort")
@role_required("behandlare")
def remove_flag(enrollment_id: int, subscription_id: int):
    """Ta bort one of the clinician's own flag subscriptions."""
    enrollment = load_moment(enrollment_id, None)
    sub = db.session.get(FlagSubscription, subscription_id)
    if sub is None or sub.enrollment_id not in (None, enrollment.id):
        abort(404)
    try:
        flag_service.remove_subscription(sub, current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash("Flaggan är borttagen.", "success")
    return back_to("clinician.flags", enrollment)


@bp.post("/moment/<int:enrollment_id>/handelser/flagga/<int:flag_id>/hantera")
@role_required("behandlare")
def handle_flag(enrollment_id: int, flag_id: int):
    """Hantera an open flag."""
    enrollment = load_moment(enrollment_id, None)
    flag = db.session.get(Flag, flag_id)
    if flag is None or flag.enrollment_id != enrollment.id:
        abort(404)
    act(flag_service.handle_flag, flag, success="Flaggan är hanterad.")
    return back_to("clinician.flags", enrollment)
