"""Messages between clinician and patient: Conversation and Message."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
from .enrollment import Enrollment


class Conversation(db.Model):
    """A thread of messages inside one moment (Skapa ny konversation)."""

    __tablename__ = "conversation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    #: clinician | patient
    started_by: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: time of the newest message, for ordering
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime)

    enrollment: Mapped[Enrollment] = relationship()
    messages: Mapped[list["Message"]] = relationship(
        back_populates="conversation", order_by="Message.sent_at.desc(), Message.id.desc()",
        cascade="all, delete-orphan",
    )


class Message(db.Model):
    """One message; each side has its own read flag."""

    __tablename__ = "message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    #: clinician | patient
    sender_kind: Mapped[str] = mapped_column(String(16))
    #: the staff member who wrote it (None for the patient)
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: sender's name as it was when sent
    sender_name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: None = the patient has not read it (always set for the patient's own messages)
    read_by_patient_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: None = no clinician has read it (always set for clinicians' messages)
    read_by_clinician_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "Avisera till inkorgen i e-tjänsterna" was ticked: a notice was queued
    notify: Mapped[bool] = mapped_column(Boolean, default=False)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
