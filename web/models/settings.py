"""Inställningar per vårdenhet: UnitSetting (one value per unit, key and program) and its audit trail."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, UTCDateTime
from .people import CareUnit, User


class UnitSetting(db.Model):
    """One setting of a unit, e.g. key "welcome_text" for program "tobakshjalpen" ("" = the whole unit)."""

    __tablename__ = "unit_setting"
    __table_args__ = (UniqueConstraint("care_unit_id", "key", "program_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id", ondelete="CASCADE"), index=True)
    #: welcome_text | offered_programs | default_flags | quiet_hours | maintain_days
    key: Mapped[str] = mapped_column(String(64))
    #: the program the value is for; "" for unit-wide settings
    program_id: Mapped[str] = mapped_column(String(64), default="")
    #: the value as JSON (text, list of program ids, list of {type, params}, "21:00-08:00", days)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    care_unit: Mapped[CareUnit] = relationship()


class UnitSettingChange(db.Model):
    """Audit trail of Inställningar: who changed which setting of a unit, from what to what, when."""

    __tablename__ = "unit_setting_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    key: Mapped[str] = mapped_column(String(64))
    program_id: Mapped[str] = mapped_column(String(64), default="")
    old_value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
