"""Who looked at what: AccessLog; and LoginAttempt, which rate-limits logins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
from .people import CareUnit, Patient, User


class AccessLog(db.Model):
    """One read of a patient's record by staff (every moment page view, every answers view); or, with `hits`
    set and no patient, one search or identified export that returned many (the patients shown get a row each)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_patient_at", "patient_id", "at"),
                      Index("ix_access_log_unit_hits_at", "care_unit_id", "at", postgresql_where=text("hits IS NOT NULL"),
                            sqlite_where=text("hits IS NOT NULL")))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    #: the unit the user was working in
    care_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    #: None once the patient has been purged (gallring keeps the log of who read what, de-identified)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"))
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id", ondelete="SET NULL"))
    #: what was viewed, in Swedish, e.g. "Hantera", "Formulärsvar: 1.2 Sammanställ dina tobaksvanor"
    what: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: a read of many records (a search, an identified export): how many patients it returned; None for one record
    hits: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship()
    care_unit: Mapped[CareUnit | None] = relationship()
    patient: Mapped[Patient | None] = relationship()


class LoginAttempt(db.Model):
    """A login attempt; recent failures per user name and per address block further tries."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"), Index("ix_login_attempt_ip_at", "ip", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the user name typed, lower-case (also for names that do not exist)
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
