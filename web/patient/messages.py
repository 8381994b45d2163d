"""Meddelanden for the patient: conversations with unread counts, a new conversation, replies."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import clock
from ..services.core import messages as message_service
from ..services.patient import program as patient_service
from ..services.errors import ServiceError
from ..services.patient.program import MomentView
from .blueprint import bp, moment_required
from .forms import MessageForm


@bp.route("/stod-och-behandling/<int:enrollment_id>/meddelanden/")
@moment_required()
def messages(view: MomentView):
    """The conversation list, newest first, with the number of unread messages in each."""
    return render_template(
        "patient/messages.html", view=view, conversations=message_service.conversations(view.enrollment),
        unread=patient_service.unread_by_conversation(view.enrollment),
    )


def _send(view: MomentView, form: MessageForm, conversation=None, subject: str | None = None):
    """Send the posted message: (redirect to its conversation, None), or (None, the rejection)."""
    try:
        message = message_service.send_as_patient(view.enrollment, g.patient, body=form.body.data,
                                                  now=clock.now(), conversation=conversation, subject=subject)
    except ServiceError as exc:
        flash(gettext(exc.message), "error")  # fixed messages (web.i18n.MARKED_MESSAGES)
        return None, exc
    flash(gettext("Meddelandet är skickat.") if conversation is None else gettext("Svaret är skickat."), "success")
    return redirect(url_for("patient.conversation", enrollment_id=view.enrollment.id,
                            conversation_id=message.conversation_id)), None


@bp.route("/stod-och-behandling/<int:enrollment_id>/meddelanden/ny", methods=["GET", "POST"])
@moment_required()
def new_conversation(view: MomentView):
    """Skapa ny konversation: a subject and the first message."""
    rejected, form = None, MessageForm()
    if request.method == "POST":
        done, rejected = _send(view, form, subject=form.subject.data)
        if done:
            return done
    return render_template("patient/new_conversation.html", view=view, errors=rejected.fields if rejected else {},
                           form=form.data), 422 if rejected else 200


@bp.route("/stod-och-behandling/<int:enrollment_id>/meddelanden/<int:conversation_id>", methods=["GET", "POST"])
@moment_required()
def conversation(view: MomentView, conversation_id: int):
    """One conversation (newest message first) with a reply box; opening it marks the clinician's messages read."""
    conv = message_service.conversation_of(view.enrollment, conversation_id)
    if conv is None:
        abort(404)
    rejected, form = None, MessageForm()
    if request.method == "POST":
        done, rejected = _send(view, form, conversation=conv)
        if done:
            return done
    unread_ids = {m.id for m in conv.messages if m.sender_kind == "clinician" and m.read_by_patient_at is None}
    patient_service.mark_conversation_read(conv, clock.now())
    return render_template("patient/conversation.html", view=view, conv=conv, unread_ids=unread_ids,
                           errors=rejected.fields if rejected else {}, form=form.data), 422 if rejected else 200
