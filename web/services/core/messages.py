"""Meddelanden: conversations between the clinician and the patient, with read flags per side."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy.orm.attributes import set_committed_value

from engine.moment import lifecycle

from ... import limits
from ...extensions import db
from ...models import Conversation, Enrollment, Membership, Message, Notice, Patient, User
from .unit import apply, transaction
from .rows import clinician_actor, patient_actor
from ..errors import ServiceError
from .notices import notify_patient_new_message
from .state_memo import commit_keeping_loaded

MAX_SUBJECT = limits.MAX_SUBJECT
MAX_BODY = limits.MAX_MESSAGE


def _check(body: str, subject: str | None, new: bool) -> tuple[str, str | None]:
    body = (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if new:
        subject = (subject or "").strip()
        if not subject:
            errors["subject"] = "Ange ett ämne."
        elif len(subject) > MAX_SUBJECT:
            errors["subject"] = f"Ämnet får vara högst {MAX_SUBJECT} tecken."
    if not body:
        errors["body"] = "Skriv ett meddelande."
    elif len(body) > MAX_BODY:
        errors["body"] = f"Meddelandet får vara högst {MAX_BODY} tecken."
    if errors:
        raise ServiceError("Meddelandet skickades inte.", errors)
    return body, subject


def _send(enrollment: Enrollment, *, actor, sender_kind: str, user: User | None, body: str,
          conversation: Conversation | None, subject: str | None, notify: bool, now: datetime
          ) -> tuple[Message, list[Notice]]:
    body, subject = _check(body, subject, conversation is None)
    if conversation is not None and conversation.enrollment_id != enrollment.id:
        raise ServiceError("Konversationen hör inte till momentet.")
    with transaction():
        engine_conversation = str(conversation.id) if conversation is not None else None
        if conversation is None:
            conversation = Conversation(enrollment_id=enrollment.id, subject=subject, started_by=sender_kind,
                                        created_at=now, last_message_at=now)
            db.session.add(conversation)
        conversation.last_message_at = now
        message = Message(
            conversation=conversation, sender_kind=sender_kind, sender_user_id=user.id if user else None,
            sender_name=actor.name, body=body, sent_at=now, notify=notify,
            read_by_patient_at=now if sender_kind == "patient" else None,
            read_by_clinician_at=now if sender_kind == "clinician" else None,
        )
        db.session.add(message)
        db.session.flush()
        apply(enrollment, lifecycle.send_message, now=now, actor=actor, conversation=engine_conversation,
              notify=notify, message_id=message.id)
        notices = notify_patient_new_message(enrollment, message, now) if notify else []
    return message, notices


def send_as_clinician(enrollment: Enrollment, *, body: str, user: User, membership: Membership, now: datetime,
                      conversation: Conversation | None = None, subject: str | None = None,
                      notify: bool = False) -> tuple[Message, list[Notice]]:
    """Skapa ny konversation (conversation None, with subject) or reply; notify queues SMS/e-mail notices."""
    return _send(enrollment, actor=clinician_actor(user, membership), sender_kind="clinician", user=user,
                 body=body, conversation=conversation, subject=subject, notify=notify, now=now)


def send_as_patient(enrollment: Enrollment, patient: Patient, *, body: str, now: datetime,
                    conversation: Conversation | None = None, subject: str | None = None) -> Message:
    """The patient starts a conversation (with subject) or replies."""
    if enrollment.patient_id != patient.id:
        raise ServiceError("Momentet hör inte till dig.")
    message, _ = _send(enrollment, actor=patient_actor(patient), sender_kind="patient", user=None, body=body,
                       conversation=conversation, subject=subject, notify=False, now=now)
    return message


def conversations(enrollment: Enrollment, *, with_messages: bool = False) -> list[Conversation]:
    """The moment's conversations, the most recently active first (`with_messages`: their messages,
    newest first, loaded in one more statement whatever the number of conversations)."""
    return list(db.session.execute(_conversations_statement(with_messages),
                                   {"enrollment_id": enrollment.id}).scalars())


@cache
def _conversations_statement(with_messages: bool):
    """The statement of `conversations`, built once (building and keying it with its loader option costs more
    CPU than running it)."""
    return (db.select(Conversation).where(Conversation.enrollment_id == db.bindparam("enrollment_id"))
            .options(*([db.selectinload(Conversation.messages)] if with_messages else []))
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc()))


def open_as_clinician(enrollment: Enrollment, now: datetime) -> tuple[list[Conversation], set[int]]:
    """The clinician opens Meddelanden: (conversations, ids of the patient's messages unread until now).

    Those messages are marked read now; the commit keeps the page's loaded rows (nothing else
    changed), and nothing is written when nothing was unread."""
    found = conversations(enrollment, with_messages=True)
    unread = [m for c in found for m in c.messages
              if m.sender_kind == "patient" and m.read_by_clinician_at is None]
    if unread:
        db.session.execute(db.update(Message).where(Message.id.in_([m.id for m in unread]))
                           .values(read_by_clinician_at=now).execution_options(synchronize_session=False))
        for message in unread:  # the loaded rows now say what the database says (not a change to flush)
            set_committed_value(message, "read_by_clinician_at", now)
        commit_keeping_loaded()
    return found, {m.id for m in unread}


def conversation_of(enrollment: Enrollment, conversation_id: int) -> Conversation | None:
    """A conversation if it belongs to the moment."""
    conv = db.session.get(Conversation, conversation_id)
    return conv if conv is not None and conv.enrollment_id == enrollment.id else None


def _mark(enrollment: Enrollment, from_kind: str, column, now: datetime) -> int:
    ids = db.select(Conversation.id).where(Conversation.enrollment_id == enrollment.id)
    result = db.session.execute(
        db.update(Message).where(Message.conversation_id.in_(ids), Message.sender_kind == from_kind,
                                 column.is_(None)).values({column: now})
    )
    db.session.commit()
    return result.rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult


def mark_read_by_patient(enrollment: Enrollment, now: datetime) -> int:
    """The patient opened their messages: the clinician's messages are read."""
    return _mark(enrollment, "clinician", Message.read_by_patient_at, now)


def unread_for_clinician(enrollment: Enrollment) -> int:
    """Patient messages no clinician has read yet."""
    return db.session.execute(
        db.select(db.func.count(Message.id)).join(Conversation).where(
            Conversation.enrollment_id == enrollment.id, Message.sender_kind == "patient",
            Message.read_by_clinician_at.is_(None))
    ).scalar_one()
