"""Inställningar edited by Behörighetsadmin: each change is stored and audited (who, what, from, to, when)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.moment.reminders import QuietHoursError, parse_quiet_hours
from engine.moment.rules import MAX_DAYS

from ...extensions import db
from ...models import Enrollment, Membership, UnitSetting, UnitSettingChange, User
from ...content.programs import all_programs
from ..core.unit import transaction
from ..core.unit_settings import UnitSettings, rows, unit_settings
from ..errors import ServiceError
from .flag_params import param_specs
from .flags import FLAG_GROUPS, LABELS, add_subscription

__all__ = ["UnitSettings", "unit_settings", "save", "default_flag_choices", "offered_programs", "changes",
           "apply_to_new_moment"]


#: how the audit list names each setting
KEY_LABELS = {"welcome_text": "välkomsttext", "offered_programs": "erbjudna program", "default_flags": "flaggor för nya moment",
              "quiet_hours": "tysta timmar", "maintain_days": "vidmakthåll, dagar",
              "urgent_escalation_days": "brådskande flaggor till Behörighetsadmin, arbetsdagar"}
#: the most working days an urgent flag may wait before Behörighetsadmin is told
MAX_ESCALATION_DAYS = 10


def default_maintain_until(unit_id: int, today):
    """The Vidmakthåll date Avsluta proposes: today + the unit's default days (None without a default)."""
    from datetime import timedelta

    days = unit_settings(unit_id).maintain_days
    return today + timedelta(days=days) if days else None


def default_flag_choices() -> list[tuple[str, str]]:
    """Flag types a unit can subscribe new moments to: those that need no parameters."""
    return [(t, LABELS[t]) for _, types in FLAG_GROUPS for t in types
            if not any(spec["required"] for spec in param_specs(t))]


def offered_programs(unit_id: int) -> dict:
    """The installed programs the unit offers under Starta nytt moment."""
    offered = unit_settings(unit_id).offered_programs
    return {pid: p for pid, p in all_programs().items() if offered is None or pid in offered}


def save(unit_id: int, *, welcome_texts: dict[str, str], offered: list[str], default_flags: list[str],
         quiet_hours: str, maintain_days: int | None, user: User, now: datetime,
         urgent_escalation_days: int | None = None) -> int:
    """Store the unit's settings; one audit row per changed value. Returns the number of changes."""
    installed = all_programs()
    quiet = (quiet_hours or "").strip()
    try:
        parse_quiet_hours(quiet)
    except QuietHoursError as exc:
        raise ServiceError("Tysta timmar anges som TT:MM-TT:MM, till exempel 21:00-08:00, eller lämnas tomma.",
                           {"quiet_hours": "Ange till exempel 21:00-08:00."}) from exc
    if maintain_days is not None and not 1 <= maintain_days <= MAX_DAYS:
        raise ServiceError(f"Vidmakthåll kan vara 1–{MAX_DAYS} dagar.", {"maintain_days": "Ogiltigt antal dagar."})
    if urgent_escalation_days is not None and not 1 <= urgent_escalation_days <= MAX_ESCALATION_DAYS:
        raise ServiceError(f"Brådskande flaggor kan vänta 1–{MAX_ESCALATION_DAYS} arbetsdagar.",
                           {"urgent_escalation_days": "Ogiltigt antal arbetsdagar."})
    offered = [p for p in installed if p in offered]
    if not offered:
        raise ServiceError("Välj minst ett program som vårdenheten erbjuder.", {"offered": "Välj minst ett program."})
    allowed_flags = {t for t, _ in default_flag_choices()}
    wanted: dict[tuple[str, str], Any] = {
        ("offered_programs", ""): None if len(offered) == len(installed) else offered,
        ("default_flags", ""): [t for t in default_flags if t in allowed_flags],
        ("quiet_hours", ""): quiet or None,
        ("maintain_days", ""): maintain_days,
        ("urgent_escalation_days", ""): urgent_escalation_days,
    }
    for pid, program in installed.items():
        text = (welcome_texts.get(pid) or "").replace("\r\n", "\n").strip()
        wanted[("welcome_text", pid)] = None if text in ("", program.welcome_text.strip()) else text
    changed = 0
    with transaction():
        stored = rows(unit_id)
        for (key, pid), value in wanted.items():
            row = stored.get((key, pid))
            old = row.value if row is not None else None
            if old == value:
                continue
            if value is None:
                db.session.delete(row)
            elif row is None:
                db.session.add(UnitSetting(care_unit_id=unit_id, key=key, program_id=pid, value=value,
                                           updated_at=now, updated_by_id=user.id))
            else:
                row.value, row.updated_at, row.updated_by_id = value, now, user.id
            db.session.add(UnitSettingChange(care_unit_id=unit_id, user_id=user.id, key=key, program_id=pid,
                                             old_value=old, new_value=value, at=now))
            changed += 1
    return changed


def changes(unit_id: int, limit: int = 20) -> list[UnitSettingChange]:
    """The latest audited changes of the unit's settings, newest first."""
    return list(db.session.execute(
        db.select(UnitSettingChange).where(UnitSettingChange.care_unit_id == unit_id)
        .order_by(UnitSettingChange.at.desc(), UnitSettingChange.id.desc()).limit(limit)).scalars())


def apply_to_new_moment(enrollment: Enrollment, user: User, membership: Membership, now: datetime) -> None:
    """A moment just started (and committed): the unit's welcome text and default flag subscriptions."""
    settings = unit_settings(membership.care_unit_id)
    text = settings.welcome_texts.get(enrollment.program_id)
    if text:
        with transaction():
            enrollment.welcome_text = text
    for flag_type in settings.default_flags:
        try:
            add_subscription(user, enrollment, flag_type, {}, all_moments=False, now=now)
        except ServiceError:  # a type the program cannot raise: nothing to subscribe to
            continue
