"""Meddelanden: conversations with the patient; the clinician may notify the patient's inbox."""
from __future__ import annotations

from flask import abort, flash, g, render_template, request
from flask_login import current_user

from .. import clock
from ..decorators import role_required
from ..services.core import messages as message_service
from ..services.errors import ServiceError
from . import bp
from .common import back_to, flash_error, load_moment


@bp.route("/moment/<int:enrollment_id>/meddelanden")
@role_required("behandlare")
def messages(enrollment_id: int):
    """All conversations, newest first; opening the tab marks the patient's messages read."""
    enrollment = load_moment(enrollment_id, "Meddelanden")
    conversations = message_service.conversations(enrollment)
    unread = {m.id for c in conversations for m in c.messages
              if m.sender_kind == "patient" and m.read_by_clinician_at is None}
    message_service.mark_read_by_clinician(enrollment, clock.now())
    return render_template("clinician/messages.html", enrollment=enrollment, conversations=conversations,
                           unread=unread, active_moment_tab="meddelanden", values=request.args)


def _send(enrollment, conversation=None):
    try:
        _, notices = message_service.send_as_clinician(
            enrollment, body=request.form.get("body", ""), subject=request.form.get("subject"),
            conversation=conversation, notify=bool(request.form.get("notify")), user=current_user,
            membership=g.membership, now=clock.now(),
        )
    except ServiceError as exc:
        flash_error(exc)
        return
    flash("Meddelandet är skickat.", "success")
    if request.form.get("notify"):
        if notices:
            channels = " och ".join(sorted({"sms" if n.channel == "sms" else "e-post" for n in notices}))
            flash(f"Invånaren aviseras via {channels}.", "info")
        else:
            flash("Invånaren har inget mobilnummer eller e-post: ingen avisering kunde skickas.", "error")


@bp.post("/moment/<int:enrollment_id>/meddelanden/ny")
@role_required("behandlare")
def new_conversation(enrollment_id: int):
    """Skapa ny konversation."""
    enrollment = load_moment(enrollment_id, None)
    _send(enrollment)
    return back_to("clinician.messages", enrollment)


@bp.post("/moment/<int:enrollment_id>/meddelanden/<int:conversation_id>")
@role_required("behandlare")
def reply(enrollment_id: int, conversation_id: int):
    """Reply in a conversation."""
    enrollment = load_moment(enrollment_id, None)
    conversation = message_service.conversation_of(enrollment, conversation_id)
    if conversation is None:
        abort(404)
    _send(enrollment, conversation)
    return back_to("clinician.messages", enrollment, f"konversation-{conversation.id}")
