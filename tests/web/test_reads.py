"""`read` (web.services.core.reads): a column select on the session's connection gives what `db.session.execute`
gives — pending changes flushed first, nothing flushed inside no_autoflush — without the ORM's execution layer."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from web.models import Conversation, Message
from web.services.core.reads import read
from web.services.patient import program as patient_program


def _unread(db, moment):
    return db.select(db.func.count(Message.id)).join(Conversation).where(
        Conversation.enrollment_id == moment.id, Message.sender_kind == "clinician",
        Message.read_by_patient_at.is_(None))


def _pending_message(db, moment, clock):
    conversation = Conversation(enrollment_id=moment.id, subject="Hej", started_by="clinician", created_at=clock.at,
                                last_message_at=clock.at)
    db.session.add(conversation)
    db.session.flush()
    db.session.add(Message(conversation_id=conversation.id, sender_kind="clinician", sender_name="Marita",
                           body="Hur går det?", sent_at=clock.at))  # pending: not flushed


def test_read_sees_pending_changes_as_session_execute_does(db, make_moment, clock):
    moment = make_moment()
    before = db.session.execute(_unread(db, moment)).scalar_one()
    _pending_message(db, moment, clock)
    assert db.session.new  # the message waits for a flush
    assert read(_unread(db, moment)).scalar_one() == before + 1
    assert not db.session.new
    assert patient_program.unread_messages(moment) == before + 1  # a page's unread count, through read


def test_read_inside_no_autoflush_leaves_pending_changes_as_session_execute_does(db, make_moment, clock):
    moment = make_moment()
    before = db.session.execute(_unread(db, moment)).scalar_one()
    _pending_message(db, moment, clock)
    with db.session.no_autoflush:
        assert read(_unread(db, moment)).scalar_one() == before == db.session.execute(_unread(db, moment)).scalar_one()
        assert db.session.new


def test_read_runs_in_the_sessions_transaction_without_the_orm_execute_layer(db, make_moment):
    moment = make_moment()
    heard: list[object] = []
    listener = lambda state: heard.append(state.statement)  # noqa: E731
    event.listen(Session, "do_orm_execute", listener)
    try:
        connection = db.session.connection()
        rows = read(db.select(Message.id).join(Conversation).where(Conversation.enrollment_id == moment.id)).all()
        assert db.session.connection() is connection  # the same transaction: no new connection was taken
        db.session.execute(db.select(Message.id))
    finally:
        event.remove(Session, "do_orm_execute", listener)
    assert len(heard) == 1  # session.execute's, not read's
    assert rows == []
