"""What an irreversible action on a moment will do, for its confirmation page (read only: nothing is written)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...models import CareUnit, Enrollment
from ..core.rows import program_for
from ..errors import ServiceError
from .hantera import other_units
from .moments import eligible_clinicians

#: the manual's words for Avsluta
END_WARNING = "Patienten kommer då inte längre åt programmet, säkerställ att patienten är medveten om detta."
MAINTAIN_NOTE = "Innehållet bevaras under en begränsad period, patienten kan då bara läsa men inte kommentera."


@dataclass(frozen=True)
class Preview:
    """The confirmation page: a question, what will happen (paragraphs), the button and what is posted."""

    heading: str
    facts: list[tuple[str, str]]
    paragraphs: list[str]
    button: str
    hidden: dict[str, str]
    #: the Hantera section to go back to on Avbryt
    anchor: str


def end_preview(enrollment: Enrollment, reason_id: str, until: date | None) -> Preview:
    """Avsluta with `reason_id` (and Vidmakthåll until a date)."""
    reason = program_for(enrollment).end_reason(reason_id or "")
    if reason is None:
        raise ServiceError("Välj en avslutningsorsak.", {"reason": "Välj en avslutningsorsak."})
    facts = [("Avslutningsorsak", reason.title)]
    paragraphs = [END_WARNING]
    hidden = {"reason": reason.id}
    if until is not None:
        facts.append(("Moment Vidmakthåll till och med", until.isoformat()))
        paragraphs.append(MAINTAIN_NOTE)
        hidden.update(maintain="1", until=until.isoformat())
    return Preview("Avsluta momentet?", facts, paragraphs, "Avsluta", hidden, "avsluta")


def clinician_preview(enrollment: Enrollment, user_id: int | None) -> Preview:
    """Byte av behandlare to `user_id`."""
    new = next((u for u in eligible_clinicians(enrollment.care_unit_id) if u.id == user_id), None)
    if new is None:
        raise ServiceError("Välj en behandlare i vårdenheten.", {"clinician": "Välj en behandlare i vårdenheten."})
    if new.id == enrollment.clinician_id:
        raise ServiceError(f"{new.name} är redan ansvarig behandlare.")
    return Preview(
        "Byta ansvarig behandlare?",
        [("Nuvarande ansvarig behandlare", enrollment.clinician.name), ("Ny ansvarig behandlare", new.name)],
        [f"{new.name} blir ansvarig behandlare och får momentet under Mina. Du kan inte ångra bytet själv; "
         "det kan bara göras genom ett nytt byte av behandlare."],
        "Byt behandlare", {"clinician": str(new.id)}, "byte-av-behandlare")


def unit_preview(enrollment: Enrollment, unit_id: int | None) -> Preview:
    """Överlämna to the unit `unit_id`."""
    unit: CareUnit | None = next((u for u in other_units(enrollment) if u.id == unit_id), None)
    if unit is None:
        raise ServiceError("Välj en vårdenhet.", {"unit": "Välj en vårdenhet."})
    return Preview(
        "Överlämna momentet?",
        [("Vårdenhet", unit.display_name)],
        [f"Momentet flyttas till {unit.display_name} och syns inte längre här. "
         "Du kommer inte längre åt momentet och kan inte ta tillbaka det."],
        "Överlämna", {"unit": str(unit.id)}, "overlamna")
