"""The outbox: Notice rows written in the same transaction as the change they announce."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, UTCDateTime


class Notice(db.Model):
    """An SMS or e-mail to send. Never carries health content, only "you have something new in Stegvis"."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: sms | email
    channel: Mapped[str] = mapped_column(String(8))
    #: patient | staff
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    #: phone number or e-mail address at the time of queueing
    address: Mapped[str] = mapped_column(String(254))
    #: template name, e.g. "new_message", "flag_raised"
    template: Mapped[str] = mapped_column(String(64))
    #: template values (no health content)
    context: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: queued | sending | sent | failed | cancelled (an activation link that was superseded)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: e.g. "message:42:sms"; the same cause never queues two notices
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id", ondelete="SET NULL"))
