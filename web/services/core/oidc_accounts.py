"""Who an OpenID Connect identity is in Stegvis: staff by HSA-id, patients by personnummer; what an HSA-id is.

An unknown staff identity is refused (accounts are created by a Behörighetsadmin). An unknown patient
gets a Patient row on first login (name from the ID token): they see Stöd och behandling with nothing
in it until a clinician starts a moment, and the clinician's "never logged in" warning no longer shows.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Patient, User
from ...personnummer import PersonnummerError, parse
from ..errors import ServiceError
from .oidc import Identity, OidcRefused

UNKNOWN_STAFF = ("Du är inloggad hos din identitetsleverantör, men det finns inget aktivt personalkonto i Stegvis "
                 "med ditt HSA-id. Kontakta din behörighetsadmin.")
NO_PERSONNUMMER = "Inloggningen gav inget giltigt personnummer. Du är inte inloggad."

#: SE, the organisation number (10 digits, or 12 with the prefix 16), a hyphen, 1–31 letters or digits
HSA_ID_PATTERN = re.compile(r"SE(?:16)?[0-9]{10}-[A-Z0-9]{1,31}")
HSA_ID_INVALID = ("HSA-id:t ska skrivas som SE, organisationsnumret, ett bindestreck och 1–31 bokstäver eller "
                  "siffror, till exempel SE2321000016-1003.")
HSA_ID_TAKEN = "HSA-id:t används redan av en annan användare."


def staff_for(identity: Identity) -> User:
    """The active staff account with this HSA-id, or OidcRefused."""
    hsa_id = normalise_hsa_id(identity.identifier)
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


def normalise_hsa_id(raw: str | None) -> str | None:
    """An HSA-id as stored and as `staff_for` looks it up: trimmed, upper case; None when empty."""
    return (raw or "").strip().upper() or None


def hsa_id_problem(hsa_id: str | None, user_id: int | None) -> str | None:
    """Why staff account `user_id` (None: an account not created yet) cannot have this normalised HSA-id."""
    if hsa_id is None:
        return None
    if not HSA_ID_PATTERN.fullmatch(hsa_id):
        return HSA_ID_INVALID
    holder = db.session.execute(db.select(User.id).where(User.hsa_id == hsa_id)).scalar_one_or_none()
    return HSA_ID_TAKEN if holder is not None and holder != user_id else None


def flush_hsa_id(hsa_id: str | None, message: str) -> None:
    """Flush the caller's change; losing the race for an HSA-id (the unique column) becomes ServiceError
    `message` with HSA_ID_TAKEN on the field, after the transaction is rolled back."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if hsa_id is not None and db.session.execute(db.select(User.id).where(User.hsa_id == hsa_id)).first():
            raise ServiceError(message, {"hsa_id": HSA_ID_TAKEN}) from None
        raise

