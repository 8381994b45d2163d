"""Inställningar per vårdenhet (UnitSetting rows) read where they apply: moment start, Hantera, delivery."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ...extensions import db
from ...models import UnitSetting
from .reads import read

KEYS = ("welcome_text", "offered_programs", "default_flags", "quiet_hours", "maintain_days", "urgent_escalation_days")


@dataclass
class UnitSettings:
    #: program id → the unit's default welcome text for new moments
    welcome_texts: dict[str, str] = field(default_factory=dict)
    #: programs the unit offers under Starta nytt moment (None = every installed program)
    offered_programs: list[str] | None = None
    #: flag types new moments subscribe the starting clinician to
    default_flags: list[str] = field(default_factory=list)
    #: SMS quiet hours for the unit's patients, "21:00-08:00" ("" = none; None = the service's default)
    quiet_hours: str | None = None
    #: Vidmakthåll: default number of days offered when a moment ends
    maintain_days: int | None = None
    #: working days an urgent flag may stay unhandled before Behörighetsadmin is told (None = the service's)
    urgent_escalation_days: int | None = None


@cache
def _rows_statement() -> Any:
    """The statement of `rows`, built once (Hantera asks on every view; building it costs more than running it)."""
    return db.select(UnitSetting).where(UnitSetting.care_unit_id == db.bindparam("unit_id"))


def rows(unit_id: int) -> dict[tuple[str, str], UnitSetting]:
    """The unit's stored settings as UnitSetting objects (to change them)."""
    return {(r.key, r.program_id): r for r in db.session.execute(_rows_statement(), {"unit_id": unit_id}).scalars()}


@cache
def _values_statement() -> Any:
    """The statement of `unit_settings`: the stored values only, as rows (read on every Hantera view)."""
    return db.select(UnitSetting.key, UnitSetting.program_id, UnitSetting.value).where(
        UnitSetting.care_unit_id == db.bindparam("unit_id"))


def unit_settings(unit_id: int | None) -> UnitSettings:
    """The unit's settings, defaults where nothing is stored."""
    out = UnitSettings()
    if unit_id is None:
        return out
    for key, program_id, value in read(_values_statement(), {"unit_id": unit_id}):
        if key == "welcome_text" and value:
            out.welcome_texts[program_id] = value
        elif key == "offered_programs":
            out.offered_programs = list(value) if value is not None else None
        elif key == "default_flags":
            out.default_flags = list(value or [])
        elif key == "quiet_hours":
            out.quiet_hours = value
        elif key == "maintain_days":
            out.maintain_days = value
        elif key == "urgent_escalation_days":
            out.urgent_escalation_days = value
    return out
