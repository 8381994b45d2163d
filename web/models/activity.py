"""Aktivitetsplaner: ActivityPlan (what, when, settings) and the patient's ActivityRegistration rows."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, UTCDateTime, utcnow
from .enrollment import Enrollment


class ActivityPlan(db.Model):
    """A recurring activity the patient fills in, built in three steps (content, schedule, settings)."""

    __tablename__ = "activity_plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: content elements: [{"kind": registration|scale|expectation|service|invitation, "text": str, "min", "max"}]
    elements: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    start_date: Mapped[date | None] = mapped_column(Date)
    #: time slots: [{"time": "HH:MM" (whole or half hour), "weekdays": ["mon", …, "sun"]}]
    times: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: last day of the repetition; None = tills vidare
    repeat_until: Mapped[date | None] = mapped_column(Date)
    #: 1 = varje vecka, 2 = varannan vecka …
    interval_weeks: Mapped[int] = mapped_column(Integer, default=1)
    #: the patient may fill in up to this many days after the occasion
    fill_days_after: Mapped[int] = mapped_column(Integer, default=5)
    #: flagga behandlare vid missad aktivitet
    flag_missed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: invånare kan välja att hoppa över
    may_skip: Mapped[bool] = mapped_column(Boolean, default=False)
    #: tillåt kommentarer
    allow_comments: Mapped[bool] = mapped_column(Boolean, default=False)
    #: aktiverad: shown to the patient
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    #: highest editor step saved (1 content, 2 schedule, 3 settings = complete)
    editor_step: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    registrations: Mapped[list["ActivityRegistration"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ActivityRegistration.occasion_at"
    )


class ActivityRegistration(db.Model):
    """The patient's registration for one scheduled occasion of a plan (done or skipped)."""

    __tablename__ = "activity_registration"
    __table_args__ = (UniqueConstraint("plan_id", "occasion_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("activity_plan.id", ondelete="CASCADE"))
    #: the scheduled occasion this registration answers
    occasion_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: done | skipped
    status: Mapped[str] = mapped_column(String(16), default="done")
    #: element index as text → value (number for Skala, text for Registrering …)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    plan: Mapped[ActivityPlan] = relationship(back_populates="registrations")
