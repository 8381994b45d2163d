"""Who an OpenID Connect identity is in Stegvis: staff by HSA-id, patients by personnummer.

An unknown staff identity is refused (accounts are created by a Behörighetsadmin). An unknown patient
gets a Patient row on first login (name from the ID token): they see Stöd och behandling with nothing
in it until a clinician starts a moment, and the clinician's "never logged in" warning no longer shows.
"""
from __future__ import annotations

from datetime import datetime

from ...extensions import db
from ...models import Patient, User
from ...personnummer import PersonnummerError, parse
from .oidc import Identity, OidcRefused

UNKNOWN_STAFF = ("Du är inloggad hos din identitetsleverantör, men det finns inget aktivt personalkonto i Stegvis "
                 "med ditt HSA-id. Kontakta din behörighetsadmin.")
NO_PERSONNUMMER = "Inloggningen gav inget giltigt personnummer. Du är inte inloggad."


def staff_for(identity: Identity) -> User:
    """The active staff account with this HSA-id, or OidcRefused."""
    hsa_id = identity.identifier.strip().upper()
    user = db.session.execute(db.select(User).where(User.hsa_id == hsa_id)).scalar_one_or_none() if hsa_id else None
    if user is None or not user.active:
        raise OidcRefused(UNKNOWN_STAFF, f"no active staff account with HSA-id {hsa_id or '(none)'}")
    return user


def patient_for(identity: Identity, now: datetime) -> Patient:
    """The patient with this personnummer; created (without a moment) on their first login."""
    try:
        digits = parse(identity.identifier)
    except PersonnummerError:
        raise OidcRefused(NO_PERSONNUMMER, "no valid personnummer in the identity") from None
    patient = db.session.execute(db.select(Patient).where(Patient.personnummer == digits)).scalar_one_or_none()
    if patient is None:
        given, family = identity.given_name, identity.family_name
        if not (given or family) and identity.name:
            given, _, family = identity.name.partition(" ")
        patient = Patient(personnummer=digits, first_name=given[:80], last_name=family[:80], created_at=now)
        db.session.add(patient)
        db.session.flush()
    return patient


def set_hsa_id(user: User, hsa_id: str | None) -> None:
    """Link a staff account to its HSA-id (`stegvis` admin commands and tests)."""
    user.hsa_id = (hsa_id or "").strip().upper() or None
    db.session.commit()
