"""Länkade moment: symmetric links between moments of the same patient in the same unit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from engine.localtime import local_date
from engine.moment import links as engine_links

from ...extensions import db
from ...models import Enrollment, Membership, User
from ...content.programs import get_program
from ..core.rows import clinician_actor
from ..core.unit import apply, transaction
from ..errors import ServiceError


@dataclass(frozen=True)
class LinkedMoment:
    id: int
    #: "Tobakshjälpen, Region Jönköpings län, Utbildningsenhet, start 2026-03-02"
    label: str


def label(enrollment: Enrollment) -> str:
    """How a moment is named on the other one: program, unit and start date."""
    program = get_program(enrollment.program_id)
    return (f"{program.title if program else enrollment.program_id}, {enrollment.care_unit.display_name}, "
            f"start {local_date(enrollment.started_at).isoformat()}")


@cache
def _others_statement() -> Any:
    """The statement of `_patients_others`, built once (building and keying it costs more than running it)."""
    return db.select(Enrollment).where(
        Enrollment.patient_id == db.bindparam("patient_id"), Enrollment.id != db.bindparam("enrollment_id")
    ).order_by(Enrollment.started_at, Enrollment.id)


def _patients_others(enrollment: Enrollment) -> list[Enrollment]:
    return list(db.session.execute(_others_statement(), {
        "patient_id": enrollment.patient_id, "enrollment_id": enrollment.id}).scalars())


def _is_linked(a: Enrollment, b: Enrollment) -> bool:
    """Either side's record counts (older links were stored on one side only)."""
    return str(b.id) in (a.linked or []) or str(a.id) in (b.linked or [])


def for_hantera(enrollment: Enrollment) -> tuple[list[LinkedMoment], list[LinkedMoment]]:
    """(linked, linkable) with one query: what Hantera's Länkade moment shows and offers."""
    others = _patients_others(enrollment)
    return ([LinkedMoment(o.id, label(o)) for o in others if _is_linked(enrollment, o)],
            [LinkedMoment(o.id, label(o)) for o in others
             if o.care_unit_id == enrollment.care_unit_id and not _is_linked(enrollment, o)])


def linked_moments(enrollment: Enrollment) -> list[LinkedMoment]:
    """The moments linked to this one, whichever side the link was made from."""
    return [LinkedMoment(o.id, label(o)) for o in _patients_others(enrollment) if _is_linked(enrollment, o)]


def _other_of(enrollment: Enrollment, other_id: int) -> Enrollment:
    other = db.session.get(Enrollment, other_id) if other_id else None
    if other is None or other.id == enrollment.id or other.patient_id != enrollment.patient_id:
        raise ServiceError("Välj ett annat moment för samma invånare.", {"other": "Välj ett moment."})
    if other.care_unit_id != enrollment.care_unit_id:
        raise ServiceError("Bara moment i samma vårdenhet kan länkas.", {"other": "Välj ett moment i vårdenheten."})
    return other


def link(enrollment: Enrollment, other_id: int, *, user: User, membership: Membership, now: datetime) -> None:
    """Länka two moments of the same patient in the same unit; both get the link and an event."""
    other = _other_of(enrollment, other_id)
    if _is_linked(enrollment, other):
        raise ServiceError(f"Momentet är redan länkat till {label(other)}.")
    actor = clinician_actor(user, membership)
    with transaction():
        apply(enrollment, engine_links.link, str(other.id), label(other), now=now, actor=actor)
        apply(other, engine_links.link, str(enrollment.id), label(enrollment), now=now, actor=actor)


def unlink(enrollment: Enrollment, other_id: int, *, user: User, membership: Membership, now: datetime) -> None:
    """Ta bort länk: from both moments, with an event on each timeline."""
    other = db.session.get(Enrollment, other_id) if other_id else None
    if other is None or other.patient_id != enrollment.patient_id or not _is_linked(enrollment, other):
        raise ServiceError("Momenten är inte länkade.")
    actor = clinician_actor(user, membership)
    with transaction():
        for one, two in ((enrollment, other), (other, enrollment)):
            if str(two.id) in (one.linked or []):  # older links were stored on one side only
                apply(one, engine_links.unlink, str(two.id), label(two), now=now, actor=actor)
