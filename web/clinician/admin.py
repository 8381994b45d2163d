"""The administrative tabs: Export, Personal, Användargrupper, Inställningar, Administration."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..ui.decorators import role_required
from ..personnummer import PersonnummerError, parse
from ..content.programs import all_programs
from ..services.core import access, audit
from ..services.clinician import admin as admin_service
from ..services.clinician import staff as staff_service
from ..services.clinician import unit_settings as settings_service
from ..services.clinician.days import MAX_DAYS
from ..services.errors import ServiceError
from .blueprint import bp
from ..ui.forms import first_error
from .forms import AdministrationForm, GroupsForm, HsaIdForm, StaffForm, unit_settings_form
from . import export as export_views


@bp.route("/personal", methods=["GET", "POST"])
@role_required("behorighetsadmin")
def staff():
    """Personal: the unit's staff; Lägg till personal."""
    values, errors = {}, {}
    if request.method == "POST":
        form = StaffForm()
        values = {k: form[k].data for k in ("name", "username", "email", "mobile", "hsa_id")}
        try:
            user = staff_service.create_staff(
                g.membership.care_unit, username=values["username"], name=values["name"],
                password=form.password.data or None, roles=form.roles.data, email=values["email"],
                mobile=values["mobile"], hsa_id=values["hsa_id"], actor=current_user, now=clock.now())
        except ServiceError as exc:
            errors = exc.fields
            flash(exc.message, "error")
        else:
            flash(f"{user.name} är tillagd i vårdenheten.", "success")
            return redirect(url_for("clinician.staff"))
    return render_template("admin/staff.html", members=staff_service.unit_members(g.membership.care_unit_id),
                           values=values, errors=errors, active_tab="personal"), 422 if errors else 200


@bp.route("/personal/<int:membership_id>/hsa-id", methods=["GET", "POST"])
@role_required("behorighetsadmin")
def staff_hsa_id(membership_id: int):
    """Ändra HSA-id: set, change or clear the HSA-id of a member of the unit (SITHS login finds them by it)."""
    member = admin_service.member_of_unit(membership_id, g.membership.care_unit_id)
    if member is None:
        abort(404)
    value, error = member.user.hsa_id or "", None
    if request.method == "POST":
        value = HsaIdForm().hsa_id.data
        try:
            changed = staff_service.set_hsa_id(member, value, actor=current_user, now=clock.now())
        except ServiceError as exc:
            error = exc.fields.get("hsa_id", exc.message)
            flash(exc.message, "error")
        else:
            done = "sparat" if member.user.hsa_id else "borttaget"
            flash(f"HSA-id för {member.user.name} är {done}." if changed else "Inget ändrades.",
                  "success" if changed else "info")
            return redirect(url_for("clinician.staff"))
    return render_template("admin/staff_hsa_id.html", member=member, value=value, error=error,
                           active_tab="personal"), 422 if error else 200


@bp.route("/anvandargrupper", methods=["GET", "POST"])
@role_required("behorighetsadmin")
def groups():
    """Användargrupper: who holds which role in the unit."""
    if request.method == "POST":
        form = GroupsForm()
        member = admin_service.member_of_unit(form.membership.data or 0, g.membership.care_unit_id)
        if member is None:
            abort(404)
        try:  # the service refuses (and audits) a change of one's own roles
            staff_service.set_roles(member, form.roles.data, actor=current_user, now=clock.now())
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(f"Rollerna för {member.user.name} är sparade.", "success")
        return redirect(url_for("clinician.groups"))
    return render_template("admin/groups.html", members=staff_service.unit_members(g.membership.care_unit_id),
                           audit=audit.for_unit(g.membership.care_unit_id), kinds=audit.KIND_LABELS,
                           active_tab="anvandargrupper")


@bp.route("/installningar", methods=["GET", "POST"])
@role_required("behorighetsadmin")
def settings():
    """Inställningar: the unit, the programs this Stegvis serves, and the unit's own settings (editable)."""
    unit_id = g.membership.care_unit_id
    flag_choices = settings_service.default_flag_choices()
    form = unit_settings_form(list(all_programs()), [t for t, _ in flag_choices])
    if request.method == "POST":
        if not form.validate():
            flash(first_error(form), "error")
        else:
            try:
                changed = settings_service.save(
                    unit_id, welcome_texts=form.welcome_texts(), offered=form.offered.data,
                    default_flags=form.default_flags.data, quiet_hours=form.quiet_hours.data,
                    maintain_days=form.maintain_days.data, user=current_user, now=clock.now(),
                    urgent_escalation_days=form.urgent_escalation_days.data)
            except ServiceError as exc:
                flash(exc.message, "error")
            else:
                flash("Inställningarna är sparade." if changed else "Inget ändrades.", "success" if changed else "info")
                return redirect(url_for("clinician.settings"))
    return render_template("admin/settings.html", unit=g.membership.care_unit, programs=all_programs(),
                           active_tab="installningar", settings=settings_service.unit_settings(unit_id),
                           flag_choices=flag_choices, changes=settings_service.changes(unit_id),
                           max_days=MAX_DAYS, key_labels=settings_service.KEY_LABELS)


@bp.route("/administration", methods=["GET", "POST"])
@role_required("invanaradmin")
def administration():
    """Administration: find a patient of the unit by personnummer (posted); their moments and access log."""
    raw = AdministrationForm().personnummer.data
    patient, error, log, moments = None, None, [], []
    if raw:
        try:
            digits = parse(raw)
        except PersonnummerError as exc:
            error = str(exc)
        else:
            patient = access.patient_in_unit(digits, g.membership)
            access.log_lookup(g.membership, patient, "Administration: åtkomstlogg", raw, clock.now())
            if patient is None:
                error = "Ingen invånare med det personnumret har moment i vårdenheten."
            else:
                log = access.access_log_for(patient)
                moments = admin_service.moments_in_unit(patient, g.membership.care_unit_id)
    return render_template("admin/administration.html", raw=raw, patient=patient, error=error, log=log,
                           moments=moments, searches=access.bulk_reads_for_unit(g.membership.care_unit_id),
                           active_tab="administration"), 422 if error else 200


@bp.route("/export", methods=["GET", "POST"])
@role_required("dataadmin")
def export():
    """Export: the unit's moments or answers as CSV, XLSX or FHIR (web/clinician/export.py)."""
    return export_views.export_page()
