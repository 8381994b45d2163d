"""Administration → Aviseringar: the unit's notices that could not be delivered, and Försök igen."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from .. import clock
from ..ui.decorators import current_membership, role_required
from .delivery import cancelled_notices, failed_count, failed_notices, notice_of_unit, retry_failed
from .templates import TEMPLATES

bp = Blueprint("notices", __name__)
#: channel → the word administrators read
CHANNEL_LABELS = {"sms": "Sms", "email": "E-post"}
#: why a notice of this template was cancelled (Notice.status "cancelled")
CANCEL_REASONS = {"patient_activation": "Avbruten – länken ersattes"}


@bp.route("/administration/aviseringar")
@role_required("invanaradmin")
def failed():
    """The unit's failed notices, newest first, with the last error of each."""
    unit_id = g.membership.care_unit_id
    return render_template("admin/notices.html", notices=failed_notices(unit_id),
                           cancelled=cancelled_notices(unit_id), CANCEL_REASONS=CANCEL_REASONS,
                           CHANNEL_LABELS=CHANNEL_LABELS, TEMPLATES=TEMPLATES, active_tab="administration")


@bp.route("/administration/aviseringar/<int:notice_id>/forsok-igen", methods=["POST"])
@role_required("invanaradmin")
def retry(notice_id: int):
    """Försök igen: queue a failed notice again with a fresh set of attempts."""
    notice = notice_of_unit(notice_id, g.membership.care_unit_id)
    if notice is None or notice.status != "failed":
        abort(404)
    retry_failed(notice, clock.now())
    flash("Aviseringen skickas igen.", "success")
    return redirect(url_for("notices.failed"))


@bp.app_context_processor
def failed_notice_count():
    """`failed_notice_count()` for the Administration page's card (0 outside a unit)."""
    def count() -> int:
        membership = g.get("membership") or current_membership()
        return failed_count(membership.care_unit_id) if membership else 0

    return {"failed_notice_count": count}
