"""A patient's moment and its progress: Enrollment, EnrollmentModule, StepProgress, FormResponse."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, UTCDateTime, utcnow
from .people import CareUnit, Patient, User


class Enrollment(db.Model):
    """A moment: one patient's run of one program version, from start to end."""

    __tablename__ = "enrollment"
    __table_args__ = (Index("ix_enrollment_unit_status", "care_unit_id", "status"),
                      # with the ids (0021o) the overview's counts of moments with open flags merge it with the
                      # open flags' index, and its name filter joins it to the patients, from the indexes alone
                      Index("ix_enrollment_unit_status_ids", "care_unit_id", "status", "id", "patient_id"),
                      # the overview's Mina tab (migration 0006i); with the id (0019i), Att göra's count joins
                      # a clinician's moments to their open flags from the indexes alone
                      Index("ix_enrollment_unit_clinician_status", "care_unit_id", "clinician_id", "status", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    #: program id from the YAML, e.g. "tobakshjalpen"
    program_id: Mapped[str] = mapped_column(String(64))
    #: program version the moment was started on, e.g. "1.0.0"
    program_version: Mapped[str] = mapped_column(String(32))
    #: sha256 of the program source the moment was started on
    program_digest: Mapped[str] = mapped_column(String(64))
    #: the unit whose clinicians may see the moment (changes on Överlämna)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    #: ansvarig behandlare (changes on Byte av behandlare)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    #: active | maintenance (vidmakthåll, read-only) | ended
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: end reason id from the program's end_reasons
    end_reason: Mapped[str | None] = mapped_column(String(64))
    #: last day of read-only access in vidmakthåll
    maintain_until: Mapped[date | None] = mapped_column(Date)
    #: per-moment welcome text (Markdown); None = the program's default
    welcome_text: Mapped[str | None] = mapped_column(Text)
    #: last time the patient did anything (Senast aktiv); None = Aldrig
    last_active: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: moments linked to this one (länkade moment), enrollment ids as text
    linked: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: mätbatteri ids the clinician has started in this moment
    batteries: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: when the next self-starting mätbatteri falls due; NOT_SCHEDULED when none is left, NULL = not worked out yet
    next_battery_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: the earliest time a reminder timed from an answered date (e.g. the stop day) can be due, worked out by
    #: the tick; NOT_SCHEDULED when none can, NULL = not worked out yet (every change of the state sets NULL)
    next_anchored_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: the earliest time an inactivity flag (Invånare inaktivitet) of the moment's subscriptions can fall due,
    #: worked out by the tick; NOT_SCHEDULED when none can, NULL = not worked out yet (every change of the state
    #: and every new inactivity subscription that applies sets NULL)
    next_inactivity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient: Mapped[Patient] = relationship()
    care_unit: Mapped[CareUnit] = relationship()
    clinician: Mapped[User] = relationship()
    modules: Mapped[list["EnrollmentModule"]] = relationship(
        back_populates="enrollment", order_by="EnrollmentModule.position", cascade="all, delete-orphan"
    )
    steps: Mapped[list["StepProgress"]] = relationship(back_populates="enrollment", cascade="all, delete-orphan")
    #: open answer-alert flags whose hold was not released by hand: what alerts hold (web.services.core.holds);
    #: the patient's pages load them with the moment, in the same query
    holding_flags: Mapped[list["Flag"]] = relationship(  # noqa: F821  (web.models.events)
        "Flag", viewonly=True, order_by="Flag.raised_at",
        primaryjoin="and_(Flag.enrollment_id == Enrollment.id, Flag.type == 'answer_alert', "
                    "Flag.handled_at.is_(None), Flag.hold_released_at.is_(None))")


#: a module that counts in some figure of Statistik: reached, avklarad or aktuell (web.services.core.stat_facts)
COUNTED_MODULES = "activated_at IS NOT NULL OR state IN ('completed', 'current')"


class EnrollmentModule(db.Model):
    """One program module inside one moment: kommande/aktuell/avklarad, invånarstatus and days."""

    __tablename__ = "enrollment_module"
    __table_args__ = (UniqueConstraint("enrollment_id", "module_id"),
                      # Statistik's programflöde reads only the modules that count, from the index (0013s)
                      Index("ix_enrollment_module_counted", "enrollment_id",
                            postgresql_include=["module_id", "state", "activated_at", "completed_at"],
                            postgresql_where=text(COUNTED_MODULES), sqlite_where=text(COUNTED_MODULES)))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    #: module id from the YAML, e.g. "steg-1"
    module_id: Mapped[str] = mapped_column(String(64))
    #: order of the module in the program
    position: Mapped[int] = mapped_column(Integer)
    #: upcoming | current | completed
    state: Mapped[str] = mapped_column(String(16), default="upcoming")
    #: invånarstatus: hidden | read_write | read_only
    status: Mapped[str] = mapped_column(String(16), default="hidden")
    #: days the module is open from activation; None = no time limit (0 = no days at all)
    days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enrollment: Mapped[Enrollment] = relationship(back_populates="modules")


class StepProgress(db.Model):
    """How far the patient has come in one step (avsnitt): started (gul) or done (grön)."""

    __tablename__ = "step_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "module_id", "step_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(64))
    step_id: Mapped[str] = mapped_column(String(64))
    #: not_started | started | done
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment: Mapped[Enrollment] = relationship(back_populates="steps")


class FormResponse(db.Model):
    """A patient's answers to one form: a draft while editing, then submitted (read-only)."""

    __tablename__ = "form_response"
    __table_args__ = (Index("ix_form_response_enrollment_status", "enrollment_id", "status"),
                      # Statistik: a form's submissions per moment; Fagerström's first score from the index alone
                      Index("ix_form_response_form_status", "form_id", "status", "enrollment_id", "submitted_at", "id",
                            postgresql_include=["score"]))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    form_id: Mapped[str] = mapped_column(String(64))
    #: where the patient filled it in (a form may be shown in several steps)
    module_id: Mapped[str | None] = mapped_column(String(64))
    step_id: Mapped[str | None] = mapped_column(String(64))
    #: draft | submitted
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: question id → JSON answer (date "YYYY-MM-DD", time "HH:MM", choices as option ids)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: question id → {"text": question text, "options": {id: label}} as the patient saw them
    questions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: form title as the patient saw it
    form_title: Mapped[str] = mapped_column(String(255), default="")
    score: Mapped[float | None] = mapped_column(Float)
    #: score band label, e.g. "Mycket lågt beroende"
    band: Mapped[str | None] = mapped_column(String(255))
    #: subscale id → score
    subscales: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: first time a clinician opened the submitted answers; None = unread (a flag on the overview)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: idempotency token of the page the answers were submitted from: a double submit stores one submission
    submit_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: digest of the program version the answers were submitted under (FHIR: the questionnaire's version);
    #: None for drafts. `form_id` follows the moment to later versions; `given_form_id` stays the form's id
    #: in the version given under, whose question texts `questions` keeps.
    program_digest: Mapped[str | None] = mapped_column(String(64))
    given_form_id: Mapped[str | None] = mapped_column(String(64))

    enrollment: Mapped[Enrollment] = relationship()
    opened_by: Mapped[User | None] = relationship()
