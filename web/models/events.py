"""One history, many views: Event rows, and the flags raised from them (FlagSubscription, Flag)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, UTCDateTime, utcnow
from .enrollment import Enrollment, FormResponse
from .people import User


class Event(db.Model):
    """Something that happened in a moment (engine.moment.state.Event stored); the timeline reads these."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_enrollment_at", "enrollment_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    #: engine event type, e.g. "module.activated", "form.submitted", "message.sent"
    type: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: clinician | patient | system
    actor_kind: Mapped[str] = mapped_column(String(16))
    #: staff user id or patient id as text; "system" for the system
    actor_id: Mapped[str] = mapped_column(String(64))
    #: name as it was at the time ("Marita Andersson")
    actor_name: Mapped[str] = mapped_column(String(120))
    #: care unit as it was at the time ("Region Jönköpings län, Utbildningsenhet")
    actor_unit: Mapped[str | None] = mapped_column(String(255))
    module_id: Mapped[str | None] = mapped_column(String(64))
    step_id: Mapped[str | None] = mapped_column(String(64))
    form_id: Mapped[str | None] = mapped_column(String(64))
    #: the answers a form event is about (submitted answers reach the timeline once opened)
    form_response_id: Mapped[int | None] = mapped_column(ForeignKey("form_response.id", ondelete="SET NULL"))
    #: the message a message event is about
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    #: extra facts from the engine (days, reason, flag cause …)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: Swedish timeline text, e.g. "Modul Bra att veta startades"
    text: Mapped[str] = mapped_column(Text, default="")

    enrollment: Mapped[Enrollment] = relationship()
    form_response: Mapped[FormResponse | None] = relationship()


class FlagSubscription(db.Model):
    """A clinician's choice to be told about a flag type, for one moment or for all their moments."""

    __tablename__ = "flag_subscription"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    #: None = every moment where the user is ansvarig behandlare
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    #: flag type from engine.moment.flags, e.g. "form_saved", "inactivity"
    type: Mapped[str] = mapped_column(String(64))
    #: the type's parameters, e.g. {"days": 14} or {"module": "steg-2", "days_before": 2}
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


#: the open flags: few beside the handled ones, so Att göra and the overview's counts read partial indexes
OPEN_FLAG = "handled_at IS NULL"
#: the open urgent flags, as each dialect writes `Flag.urgent.is_(True)` (a partial index is used only
#: when the query states its condition the same way)
OPEN_URGENT = {"postgresql": "handled_at IS NULL AND urgent IS true", "sqlite": "handled_at IS NULL AND urgent IS 1"}


class Flag(db.Model):
    """A raised flag: something a clinician should act on or know; open until handled."""

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("enrollment_id", "cause_key"),
                      # Att göra's order (oldest first; keyset on raised_at, id)
                      Index("ix_flag_open_raised", "raised_at", "id",
                            postgresql_where=text(OPEN_FLAG), sqlite_where=text(OPEN_FLAG)),
                      # a moment's open flags: counts, "Har ohanterade händelser", the oldest per moment
                      Index("ix_flag_open_enrollment", "enrollment_id", "raised_at",
                            postgresql_where=text(OPEN_FLAG), sqlite_where=text(OPEN_FLAG)),
                      # the moments with open urgent flags (few): the overview counts and lists them first
                      Index("ix_flag_open_urgent", "enrollment_id",
                            postgresql_where=text(OPEN_URGENT["postgresql"]),
                            sqlite_where=text(OPEN_URGENT["sqlite"])))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    #: flag type, as in FlagSubscription.type
    type: Mapped[str] = mapped_column(String(64))
    #: stable key of what caused it, so the same cause never raises two flags
    cause_key: Mapped[str] = mapped_column(String(255))
    #: Swedish explanation shown to the clinician
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: None = open (counts on the overview)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: the subscription that asked for it (None when raised without one)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("flag_subscription.id", ondelete="SET NULL"))
    #: an urgent alert's flag: told to the responsible clinician at once, first in every list
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: when the unit's Behörighetsadmin was told that this urgent flag is still unhandled
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: what the alert holds was released by hand (Släpp spärren) while the flag stays open
    hold_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_released_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    enrollment: Mapped[Enrollment] = relationship()
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


# Att göra's order (urgent first, then the oldest; web.services.clinician.worklist.worklist_sort_key) read
# straight from an index, so a page stops after its rows instead of sorting every open flag of the region
Index("ix_flag_open_worklist", Flag.urgent.desc(), Flag.raised_at, Flag.id,
      postgresql_where=text(OPEN_FLAG), sqlite_where=text(OPEN_FLAG))
