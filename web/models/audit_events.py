"""AuditEvent: who changed accounts and access (roles, staff, logins, logouts, passwords)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class AuditEvent(db.Model):
    """One security-relevant event; names are copied in, so the row outlives renamed or removed accounts."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_unit_at", "care_unit_id", "at"),
                      Index("ix_audit_event_subject", "subject_key"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: login, login_failed, logout, password_changed, roles_changed, staff_created, staff_deactivated
    kind: Mapped[str] = mapped_column(String(40))
    #: who did it ("staff:<id>" / "patient:<id>") and their name then; None for an anonymous visitor
    actor_key: Mapped[str | None] = mapped_column(String(40))
    actor_name: Mapped[str | None] = mapped_column(String(120))
    #: whose account it concerns, and their name then
    subject_key: Mapped[str | None] = mapped_column(String(40))
    subject_name: Mapped[str | None] = mapped_column(String(120))
    #: the care unit it happened in (role changes, new staff), None for logins and passwords
    care_unit_id: Mapped[int | None] = mapped_column(Integer)
    #: in Swedish, e.g. "Roller: Behandlare → Behandlare, Behörighetsadmin"
    what: Mapped[str] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(64))
