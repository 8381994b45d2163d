"""Egenskaper: a moment's properties on one page (read only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from engine.authoring.diff import diff_programs

from ...extensions import db
from ...models import Enrollment, Event
from ...content.programs import get_program
from ..core.rows import program_for
from .hantera import version_labels
from .links import LinkedMoment, linked_moments


@dataclass
class Properties:
    program: str
    version: str
    #: the installed version when it differs from the one the moment follows
    installed_version: str | None
    #: what changed from the moment's version to the installed one (one line per change)
    changes: list[str]
    unit: str
    clinician: str
    started_by: str
    started_at: datetime
    status: str
    end_reason: str | None
    ended_at: datetime | None
    maintain_until: date | None
    linked: list[LinkedMoment] = field(default_factory=list)


def properties(enrollment: Enrollment) -> Properties:
    """Everything Egenskaper shows for one moment."""
    pinned = program_for(enrollment)
    installed = get_program(enrollment.program_id)
    labels = version_labels(pinned, installed)
    changes: list[str] = []
    if labels["installed_version"] and installed is not None:
        for change in diff_programs(pinned, installed).changes:
            changes.append(f"{change.message} – {change.reason}" if change.reason else change.message)
    started_by = db.session.execute(
        db.select(Event.actor_name).where(Event.enrollment_id == enrollment.id, Event.type == "moment_started")
        .order_by(Event.at, Event.id).limit(1)).scalar_one_or_none()
    reason = pinned.end_reason(enrollment.end_reason) if enrollment.end_reason else None
    return Properties(
        program=pinned.title, version=labels["version"] or pinned.version,
        installed_version=labels["installed_version"], changes=changes,
        unit=enrollment.care_unit.display_name, clinician=enrollment.clinician.name,
        started_by=started_by or "Okänd", started_at=enrollment.started_at, status=enrollment.status,
        end_reason=reason.title if reason else enrollment.end_reason, ended_at=enrollment.ended_at,
        maintain_until=enrollment.maintain_until, linked=linked_moments(enrollment),
    )


__all__ = ["Properties", "properties"]
