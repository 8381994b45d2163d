"""Patient accounts: activation by one-time link, login bookkeeping, and Inställningar (notices).

The activation link is created when a moment starts for a patient without a password, or when the
clinician asks for a new one on Hantera (shown once, to hand over to a patient without mobile and
e-mail). Only a hash of its token is stored, so a copy of the database cannot be used to take over
an account; the link itself travels in a Notice whose text is neutral (no health content).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from typing import cast
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request

from engine.moment.rules import make_event

from ...extensions import db
from ...models import Enrollment, Membership, Notice, Patient, User
from ...auth.core import password_policy
from ...contact import contact_errors
from ...auth.core.passwords import hash_password
from .access import add_access_log
from .rows import clinician_actor, record_events
from .unit import transaction
from ..errors import ServiceError
from .notices import queue_notice
from .logins import PATIENT_PREFIX, begin_attempt as _begin_attempt, login_blocked as _login_blocked, \
    record_login as _record_login

#: how long an activation link works
ACTIVATION_DAYS = 14
MIN_PASSWORD = 8
MAX_PASSWORD = 200
#: login attempts are counted under this prefix so a personnummer never collides with a staff user name
LOGIN_PREFIX = PATIENT_PREFIX
ACTIVATION_PATH = "/invanare/aktivera/"


def token_hash(token: str) -> str:
    """sha256 hex of an activation token (what the database keeps)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _base_url() -> str:
    # BASE_URL is the public address notices link to (web.notify settings)
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"


def issue_activation(patient: Patient, now: datetime, enrollment: Enrollment | None = None) -> str | None:
    """Create a one-time activation link for a patient without a password and queue it; returns the link.

    Runs in the caller's transaction. Returns None when the patient already has a password.
    The notice goes to every address the patient has; with none, the clinician hands the link over.
    """
    if patient.password_hash:
        return None
    cancel_activation_notices(patient)
    token = secrets.token_urlsafe(32)
    patient.activation_token = token_hash(token)
    patient.activation_expires_at = now + timedelta(days=ACTIVATION_DAYS)
    path = f"{ACTIVATION_PATH}{token}"
    link = f"{_base_url()}{path}"
    db.session.flush()  # the patient needs an id for the notice
    for channel in ("sms", "email"):
        queue_notice(channel=channel, recipient=patient, template="patient_activation",
                     key=f"activation:{patient.id}:{patient.activation_token[:16]}:{channel}", now=now,
                     context={"url": link, "path": path, "days": ACTIVATION_DAYS}, enrollment=enrollment)
    return link


def cancel_activation_notices(patient: Patient) -> int:
    """Cancel the patient's queued activation notices (their link is superseded); returns how many.

    Runs in the caller's transaction. A notice already sent, or being sent, is left alone; delivery
    only claims queued notices, so a cancelled one is never sent.
    """
    notices = db.session.execute(db.select(Notice).where(
        Notice.recipient_patient_id == patient.id, Notice.template == "patient_activation",
        Notice.status == "queued")).scalars().all()
    for notice in notices:
        notice.status = "cancelled"
    return len(notices)


def new_activation_link(enrollment: Enrollment, *, user: User, membership: Membership, now: datetime) -> str:
    """Skapa ny aktiveringslänk (Hantera): a fresh link for the clinician to hand over; older links stop working.

    The link is also queued to any address the patient has; the timeline and the access log record
    who created it, in the same transaction.
    """
    patient = enrollment.patient
    if patient.password_hash:
        raise ServiceError("Invånaren har redan aktiverat sitt konto.")
    with transaction():
        link = issue_activation(patient, now, enrollment)
        # a web-only event type (Event.type is a str; the engine's EventType lists the engine's own)
        record_events(enrollment, [make_event("activation_link_created", now,  # type: ignore[arg-type]
                                              clinician_actor(user, membership),
                                              f"Aktiveringslänk skapades av {user.name}")])
        add_access_log(membership, patient, "Hantera: Skapa ny aktiveringslänk", now, enrollment)
    return cast(str, link)  # never None: the patient has no password (checked above)


def pending_activations(now: datetime) -> list[tuple[Patient, str]]:
    """(patient, activation path) for every unused, unexpired link that was queued as a notice (`stegvis demo`)."""
    rows = db.session.execute(
        db.select(Patient, Notice).join(Notice, Notice.recipient_patient_id == Patient.id).where(
            Notice.template == "patient_activation", Patient.activation_token.is_not(None),
            Patient.activation_expires_at > now).order_by(Patient.id, Notice.id.desc())
    ).all()
    found: dict[int, tuple[Patient, str]] = {}
    for patient, notice in rows:
        path = (notice.context or {}).get("path", "")
        token = path.rsplit("/", 1)[-1]
        if patient.id not in found and token and token_hash(token) == patient.activation_token:
            found[patient.id] = (patient, path)
    return list(found.values())


def patient_for_token(token: str, now: datetime) -> Patient | None:
    """The patient whose unexpired activation link this is, or None."""
    if not token or len(token) > 100:
        return None
    patient = db.session.execute(
        db.select(Patient).where(Patient.activation_token == token_hash(token))
    ).scalar_one_or_none()
    if patient is None or patient.activation_expires_at is None or patient.activation_expires_at < now:
        return None
    return patient


def activate(token: str, password: str, confirm: str, now: datetime) -> Patient:
    """Set the first password through an activation link; the link stops working."""
    patient = patient_for_token(token, now)
    if patient is None:
        raise ServiceError("Länken är ogiltig eller för gammal. Be din behandlare om en ny.")
    errors = {}
    reason = password_policy.problem(password, personal=(patient.personnummer, patient.personnummer[2:]))
    if reason:
        errors["password"] = reason
    elif password != confirm:
        errors["confirm"] = "Lösenorden är inte lika."
    if errors:
        raise ServiceError("Lösenordet kunde inte sparas.", errors)
    patient.password_hash = hash_password(password)
    patient.activation_token = None
    patient.activation_expires_at = None
    cancel_activation_notices(patient)
    db.session.commit()
    return patient


def set_password(patient: Patient, password: str) -> None:
    """Set a patient's password directly (demo data and administrators)."""
    patient.password_hash = hash_password(password)
    patient.activation_token = None
    patient.activation_expires_at = None


def login_blocked(personnummer: str, ip: str, now: datetime) -> bool:
    """True when too many patient logins failed lately for this number or from this address."""
    return _login_blocked(LOGIN_PREFIX + _compact(personnummer), ip, now)


def record_login(personnummer: str, ip: str, success: bool, now: datetime, patient: Patient | None = None) -> None:
    """Store a patient login attempt (and the patient's last login on success)."""
    _record_login(LOGIN_PREFIX + _compact(personnummer), ip, success, now, patient)


def begin_login(personnummer: str, ip: str, now: datetime):
    """Record a patient login attempt before the password check: (attempt, blocked) (core.logins)."""
    return _begin_attempt(LOGIN_PREFIX + _compact(personnummer), ip, now)


def _compact(personnummer: str) -> str:
    return re.sub(r"[\s-]", "", personnummer or "")[:40]


def update_settings(patient: Patient, *, mobile: str, email: str, notify_sms: bool, notify_email: bool) -> None:
    """Inställningar: mobile number, e-mail and which notices the patient wants; a notice needs its address."""
    mobile, email = (mobile or "").strip(), (email or "").strip()
    errors = {}
    errors.update(contact_errors(email=email, mobile=mobile))
    if notify_sms and not mobile and "mobile" not in errors:
        errors["mobile"] = "Ange ett mobilnummer för att få sms-aviseringar."
    if notify_email and not email and "email" not in errors:
        errors["email"] = "Ange en e-postadress för att få e-postaviseringar."
    if errors:
        raise ServiceError("Inställningarna kunde inte sparas.", errors)
    patient.mobile, patient.email = mobile or None, email or None
    patient.notify_sms, patient.notify_email = notify_sms, notify_email
    db.session.commit()


def patient_with_personnummer(digits: str) -> Patient | None:
    """The patient with this personnummer (12 digits), or None."""
    return db.session.execute(db.select(Patient).where(Patient.personnummer == digits)).scalar_one_or_none()
