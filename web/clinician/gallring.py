"""Gallring (Behörighetsadmin): Gallra invånare with a confirmation listing what will be deleted; receipts."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import clock
from ..ui.decorators import role_required
from ..personnummer import PersonnummerError, parse
from ..services.core import access
from ..services.operations import gallring as service
from .blueprint import bp
from .forms import PurgeForm, ReceiptQuery


def _find(raw: str):
    """(patient, moment ids, error) for a personnummer typed by the admin."""
    try:
        digits = parse(raw)
    except PersonnummerError as exc:
        return None, [], str(exc)
    patient = access.patient_in_unit(digits, g.membership)
    # the answer (moments here or not) is itself a read about the person: logged either way
    access.log_lookup(g.membership, patient, "Gallring", raw, clock.now())
    if patient is None:
        return None, [], "Ingen invånare med det personnumret har moment i vårdenheten."
    ids = service.ended_in_unit(patient, g.membership.care_unit_id, clock.now())
    if not ids:
        return patient, [], "Invånaren har inga avslutade moment i vårdenheten att gallra."
    return patient, ids, None


@bp.route("/administration/gallring", methods=["GET", "POST"])
@role_required("behorighetsadmin")
def purge():
    """Gallra invånare: search, confirm (counts per kind), purge; the receipts of every purge."""
    form = PurgeForm()  # request.form only: a personnummer in the query string is not read
    raw = form.personnummer.data
    patient, ids, error, planned = None, [], None, None
    if raw:
        patient, ids, error = _find(raw)
    if request.method == "POST" and ids and form.bekrafta.data == "ja":
        receipt = service.purge(service.plan(patient.id, ids), rule=service.MANUAL_RULE, now=clock.now(),
                                user_id=current_user.id, user_name=current_user.name,
                                unit_id=g.membership.care_unit_id, live_session=session)
        flash(f"Invånaren är gallrad. Kvitto nummer {receipt.id}.", "success")
        return redirect(url_for("clinician.purge", kvitto=receipt.id))
    if patient is not None and ids:
        planned = service.plan(patient.id, ids)
    return render_template("admin/gallring.html", raw=raw, patient=patient, error=error, planned=planned,
                           receipts=service.receipts(), highlight=ReceiptQuery(request.args).kvitto.data,
                           months=current_app.config["RETENTION_MONTHS"],
                           active_tab="gallring"), 422 if error and request.method == "POST" else 200
