"""The administrative tabs: Export, Personal, Användargrupper, Inställningar, Administration."""
from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from engine.moment import lifecycle

from .. import clock
from ..decorators import role_required
from ..extensions import db
from ..models import ROLES, Enrollment, Membership
from ..personnummer import PersonnummerError, parse
from ..programs import all_programs
from ..services.core import access, audit
from ..services.clinician import staff as staff_service
from ..services.core.rows import build_state
from ..services.errors import ServiceError
from . import bp


@bp.route("/personal", methods=["GET", "POST"])
@role_required("behorighetsadmin")
def staff():
    """Personal: the unit's staff; Lägg till personal."""
    values, errors = {}, {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("name", "username", "email", "mobile")}
        roles = [r for r in request.form.getlist("roles") if r in ROLES]
        try:
            user = staff_service.create_staff(
                g.membership.care_unit, username=values["username"], name=values["name"],
                password=request.form.get("password") or None, roles=roles, email=values["email"],
                mobile=values["mobile"], actor=current_user, now=clock.now())
        except ServiceError as exc:
            errors = exc.fields
            flash(exc.message, "error")
        else:
            flash(f"{user.name} är tillagd i vårdenheten.", "success")
            return redirect(url_for("clinician.staff"))
    return render_template("admin/staff.html", members=staff_service.unit_members(g.membership.care_unit_id),
                           values=values, errors=errors, active_tab="personal"), 422 if errors else 200


@bp.route("/anvandargrupper", methods=["GET", "POST"])
@role_required("behorighetsadmin")
def groups():
    """Användargrupper: who holds which role in the unit."""
    if request.method == "POST":
        member_id = request.form.get("membership", "")
        member = db.session.get(Membership, int(member_id)) if member_id.isdigit() and len(member_id) < 10 else None
        if member is None or member.care_unit_id != g.membership.care_unit_id:
            abort(404)
        roles = [r for r in request.form.getlist("roles") if r in ROLES]
        if member.id == g.membership.id and "behorighetsadmin" not in roles:
            flash("Du kan inte ta bort din egen roll Behörighetsadmin.", "error")
        else:
            try:
                staff_service.set_roles(member, roles, actor=current_user, now=clock.now())
            except ServiceError as exc:
                flash(exc.message, "error")
            else:
                flash(f"Rollerna för {member.user.name} är sparade.", "success")
        return redirect(url_for("clinician.groups"))
    return render_template("admin/groups.html", members=staff_service.unit_members(g.membership.care_unit_id),
                           audit=audit.for_unit(g.membership.care_unit_id), kinds=audit.KIND_LABELS,
                           active_tab="anvandargrupper")


@bp.route("/installningar")
@role_required("behorighetsadmin")
def settings():
    """Inställningar: the unit and the programs this Stegvis serves (id, version, digest)."""
    return render_template("admin/settings.html", unit=g.membership.care_unit, programs=all_programs(),
                           active_tab="installningar")


@bp.route("/administration")
@role_required("invanaradmin")
def administration():
    """Administration: find a patient of the unit by personnummer; their moments and access log."""
    raw = request.args.get("personnummer", "").strip()
    patient, error, log, moments = None, None, [], []
    if raw:
        try:
            digits = parse(raw)
        except PersonnummerError as exc:
            error = str(exc)
        else:
            patient = access.patient_in_unit(digits, g.membership)
            if patient is None:
                error = "Ingen invånare med det personnumret har moment i vårdenheten."
            else:
                access.log_access(g.membership, patient, "Administration: åtkomstlogg", clock.now())
                log = access.access_log_for(patient)
                moments = list(db.session.execute(
                    db.select(Enrollment).where(Enrollment.patient_id == patient.id,
                                                Enrollment.care_unit_id == g.membership.care_unit_id)
                    .order_by(Enrollment.started_at.desc())).scalars())
    return render_template("admin/administration.html", raw=raw, patient=patient, error=error, log=log,
                           moments=moments, active_tab="administration"), 422 if error else 200


EXPORT_COLUMNS = ("moment", "program", "version", "status", "startdatum", "slutdatum", "avslutningsorsak",
                  "moduler_avklarade", "moduler_totalt", "dagar_i_momentet")


@bp.route("/export")
@role_required("dataadmin")
def export():
    """Export: the unit's moments without names or personnummer, as CSV (?format=csv downloads)."""
    if request.args.get("format") != "csv":
        return render_template("admin/export.html", columns=EXPORT_COLUMNS, active_tab="export")
    now = clock.now()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    rows = db.session.execute(
        db.select(Enrollment).where(Enrollment.care_unit_id == g.membership.care_unit_id).order_by(Enrollment.id)
    ).scalars()
    for e in rows:
        state = build_state(e)
        done, total = lifecycle.modules_completed(state)
        writer.writerow([e.id, e.program_id, e.program_version, lifecycle.moment_status(state, now),
                         clock.format_date(e.started_at), clock.format_date(e.ended_at), e.end_reason or "",
                         done, total, lifecycle.days_in_moment(state, now)])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=stegvis-moment.csv"})
