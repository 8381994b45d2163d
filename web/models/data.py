"""The data side: de-identified statistics rows that outlive gallring, export logs and purge receipts.

Nothing here holds personal data: no patient id, personnummer, name or free text. StatRecord and
StatModule keep, per purged moment, exactly the facts the statistics page counts (docs/statistics.md).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, UTCDateTime


class StatRecord(db.Model):
    """One purged moment, de-identified: where, which program, which month, how it ended, outcomes."""

    __tablename__ = "stat_record"
    __table_args__ = (Index("ix_stat_record_unit_month", "care_unit_id", "started_month"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    program_id: Mapped[str] = mapped_column(String(64))
    #: the ansvarig behandlare when purged (staff, not patient data): the "clinician" filter
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: "YYYY-MM" (UTC) of the start and end; never the day (the only day kept: fu…_due_on, below)
    started_month: Mapped[str] = mapped_column(String(7))
    ended_month: Mapped[str | None] = mapped_column(String(7))
    #: active | maintenance | ended, when purged (always ended today)
    status: Mapped[str] = mapped_column(String(16))
    end_reason: Mapped[str | None] = mapped_column(String(64))
    #: the moment was put in vidmakthåll after it ended
    maintained: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Fagerström (FTND or FTND for snus) score of the first submission; None = not answered
    fagerstrom: Mapped[int | None] = mapped_column(Integer)
    #: per follow-up (3, 6, 12 months): answered, 7-day point abstinent, continuously abstinent (Russell
    #: Standard, web.services.core.stat_outcomes), and when it counts in the ITT denominator: `due_at_purge`
    #: (it already did when purged) or else `due_on`, the day it falls due ('YYYY-MM-DD'; None = never)
    fu3_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    fu3_point: Mapped[bool] = mapped_column(Boolean, default=False)
    fu3_continuous: Mapped[bool] = mapped_column(Boolean, default=False)
    fu6_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    fu6_point: Mapped[bool] = mapped_column(Boolean, default=False)
    fu6_continuous: Mapped[bool] = mapped_column(Boolean, default=False)
    fu12_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    fu12_point: Mapped[bool] = mapped_column(Boolean, default=False)
    fu12_continuous: Mapped[bool] = mapped_column(Boolean, default=False)
    fu3_due_at_purge: Mapped[bool] = mapped_column(Boolean, default=False)
    fu3_due_on: Mapped[str | None] = mapped_column(String(10))
    fu6_due_at_purge: Mapped[bool] = mapped_column(Boolean, default=False)
    fu6_due_on: Mapped[str | None] = mapped_column(String(10))
    fu12_due_at_purge: Mapped[bool] = mapped_column(Boolean, default=False)
    fu12_due_on: Mapped[str | None] = mapped_column(String(10))


class StatModule(db.Model):
    """One module of a purged moment: reached, completed, days from activation to completion."""

    __tablename__ = "stat_module"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stat_record_id: Mapped[int] = mapped_column(ForeignKey("stat_record.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(64))
    reached: Mapped[bool] = mapped_column(Boolean, default=False)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    days: Mapped[int | None] = mapped_column(Integer)


class ExportLog(db.Model):
    """One export: who, from which unit, what (kind, format, filters), how many rows, identified or not."""

    __tablename__ = "export_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: None for the command line (`stegvis export`), which logs the operating-system user in user_name
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120))
    care_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    #: moments | answers
    kind: Mapped[str] = mapped_column(String(16))
    #: csv | xlsx | fhir
    format: Mapped[str] = mapped_column(String(8))
    #: the filters used: from, to, program, unit
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    #: True = personnummer instead of pseudonyms (needs Dataadmin and a purpose)
    identified: Mapped[bool] = mapped_column(Boolean, default=False)
    purpose: Mapped[str | None] = mapped_column(Text)


class PurgeReceipt(db.Model):
    """A gallring receipt: who, when, which rule, how many rows of each kind; no personal data."""

    __tablename__ = "purge_receipt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120))
    #: the unit the purge was made from (None for `stegvis gallra`, which covers every unit)
    care_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    #: the rule in words, e.g. "Avslutade moment äldre än 24 månader (STEGVIS_RETENTION_MONTHS)"
    rule: Mapped[str] = mapped_column(String(255))
    patients: Mapped[int] = mapped_column(Integer, default=0)
    #: kind of row (Swedish label) → number deleted
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
