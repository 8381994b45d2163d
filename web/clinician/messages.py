"""Meddelanden: conversations with the patient; the clinician may notify the patient's inbox."""
from __future__ import annotations

from flask import abort, flash, g, render_template
from flask_login import current_user

from .. import clock
from ..services.core import messages as message_service
from ..services.errors import ServiceError
from ..services.types import Enrollment
from .blueprint import bp
from .common import back_to, flash_error, staff_moment
from .forms import MessageForm


@bp.route("/moment/<int:enrollment_id>/meddelanden")
@staff_moment("Meddelanden", state=False)
def messages(enrollment: Enrollment):
    """All conversations, newest first; opening the tab marks the patient's messages read."""
    conversations, unread = message_service.open_as_clinician(enrollment, clock.now())
    return render_template("clinician/messages.html", enrollment=enrollment, conversations=conversations,
                           unread=unread, active_moment_tab="meddelanden")


def _send(enrollment, conversation=None):
    form = MessageForm()
    try:
        _, notices = message_service.send_as_clinician(
            enrollment, body=form.body.data, subject=form.subject.data,
            conversation=conversation, notify=form.notify.data, user=current_user,
            membership=g.membership, now=clock.now(),
        )
    except ServiceError as exc:
        flash_error(exc)
        return
    flash("Meddelandet är skickat.", "success")
    if form.notify.data:
        if notices:
            channels = " och ".join(sorted({"sms" if n.channel == "sms" else "e-post" for n in notices}))
            flash(f"Invånaren aviseras via {channels}.", "info")
        else:
            flash("Invånaren har inget mobilnummer eller e-post: ingen avisering kunde skickas.", "error")


@bp.post("/moment/<int:enrollment_id>/meddelanden/ny")
@staff_moment()
def new_conversation(enrollment: Enrollment):
    """Skapa ny konversation."""
    _send(enrollment)
    return back_to("clinician.messages", enrollment)


@bp.post("/moment/<int:enrollment_id>/meddelanden/<int:conversation_id>")
@staff_moment()
def reply(enrollment: Enrollment, conversation_id: int):
    """Reply in a conversation."""
    conversation = message_service.conversation_of(enrollment, conversation_id)
    if conversation is None:
        abort(404)
    _send(enrollment, conversation)
    return back_to("clinician.messages", enrollment, f"konversation-{conversation.id}")
