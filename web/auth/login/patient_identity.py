"""How patients (invånare) prove who they are: identity providers behind one small interface.

Today: personnummer + a password the patient chose through a one-time activation link. In a
regional deployment BankID (through the region's IdP) replaces it: a provider that returns the same
`Patient` for a verified personnummer, configured with PATIENT_IDENTITY_PROVIDER — the views, the
session and every access rule stay as they are.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from flask import current_app

from ..core.passwords import verify_password
from ...personnummer import PersonnummerError, parse
from ...services.core.accounts import patient_with_personnummer
from ...services.types import Patient


class PatientIdentityProvider(ABC):
    """Turns what the patient typed into their Patient row, or None when it does not check out."""

    #: shown on the login page, e.g. "Personnummer och lösenord"
    label: str = ""
    #: whether the login form asks for a password (a BankID provider asks only for the personnummer)
    uses_password: bool = True

    @abstractmethod
    def authenticate(self, personnummer: str, secret: str) -> Patient | None:
        """The patient these credentials belong to, or None."""


class LocalPatientPasswordProvider(PatientIdentityProvider):
    """Personnummer and an argon2-hashed password set on activation."""

    label = "Personnummer och lösenord"

    def authenticate(self, personnummer: str, secret: str) -> Patient | None:
        """The patient with this personnummer and password, or None (also for a malformed number)."""
        try:
            digits = parse(personnummer)
        except PersonnummerError:
            verify_password(None, secret)  # the same argon2 cost as for a real account
            return None
        patient = patient_with_personnummer(digits)
        # argon2 runs whether or not the account exists (a dummy hash then): timing tells nothing
        if not verify_password(patient.password_hash if patient is not None else None, secret) or patient is None:
            return None
        return patient


def patient_provider() -> PatientIdentityProvider:
    """The configured patient identity provider (PATIENT_IDENTITY_PROVIDER; default: local passwords)."""
    factory = current_app.config.get("PATIENT_IDENTITY_PROVIDER") or LocalPatientPasswordProvider
    return factory()


class OidcPatientProvider:
    """Patients log in with e-legitimation (BankID through the region's OpenID provider); matched by
    personnummer. `start` gives the provider's URL, `complete` the Patient (created on first login)."""

    label = "E-legitimation"
    audience = "patient"

    def start(self, redirect_uri: str, now_ts: float) -> tuple[str, dict]:
        from ...services.core import oidc

        return oidc.begin(self.audience, redirect_uri, now_ts)

    def complete(self, pending: dict | None, args: dict, now, now_ts: float):
        """(Patient, Identity); raises oidc.OidcRefused with a Swedish message."""
        from ...services.core import oidc, oidc_accounts

        identity = oidc.finish(pending, args, now_ts)
        return oidc_accounts.patient_for(identity, now), identity


def patient_oidc_provider() -> OidcPatientProvider | None:
    """The patients' OpenID provider when one is configured (STEGVIS_OIDC_[PATIENT_]ISSUER), else None."""
    from ...services.core import oidc

    return OidcPatientProvider() if oidc.enabled("patient") else None
