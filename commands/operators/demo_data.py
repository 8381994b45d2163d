"""`stegvis demo`: a database with a region, a unit, staff and three patients, one of them mid-program.

Seeding is idempotent: every row is looked up by its natural key first, so running the demo
twice neither fails nor duplicates anything.
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask

from web.extensions import db
from web.models import CareUnit, Enrollment, FlagSubscription, Membership, Patient, Region, User
from web.auth.core.passwords import hash_password
from web.content.programs import get_program

PASSWORD = "demo1234"
REGION = "Region Jönköpings län"
UNITS = ("Utbildningsenhet", "Vårdcentralen Norrahammar")
STAFF = (
    # username, name, roles per unit (first unit, second unit or None)
    ("marita.andersson", "Marita Andersson", "behandlare", None),
    ("admin", "Admin Adminsson", "behorighetsadmin behandlare invanaradmin dataadmin",
     "behorighetsadmin behandlare invanaradmin dataadmin"),
)
#: staff contact details and notice settings (Min profil); notices land in <data dir>/outbox without SMTP
STAFF_CONTACT = {
    "marita.andersson": {"email": "marita.andersson@example.se", "notify_email": True},
}
PATIENTS = (
    # personnummer, first, last, e-mail, mobile, has logged in
    ("196108312460", "Jane", "Doe", "jane.doe@example.se", "070-174 06 05", True),
    ("197503121233", "Anna", "Andersson", None, "0707654321", False),
    ("198811244568", "Erik", "Svensson", "erik.svensson@example.se", None, False),
)
JANE = "196108312460"
ANNA = "197503121233"


def secret_key(data_dir: str | Path) -> str:
    """The demo's session key: generated once and kept (mode 0600) in the data folder."""
    path = Path(data_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def _get_or_add(model, defaults: dict | None = None, **key):
    row = db.session.execute(db.select(model).filter_by(**key)).scalar_one_or_none()
    if row is None:
        row = model(**key, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    return row


def seed(app: Flask, now: datetime) -> dict:
    """Create the demo data that is missing; returns what exists (for the printed summary)."""
    with app.app_context():
        region = _get_or_add(Region, name=REGION)
        units = [_get_or_add(CareUnit, region_id=region.id, name=name) for name in UNITS]
        users = {}
        for username, name, first_roles, second_roles in STAFF:
            user = _get_or_add(User, {"name": name, "password_hash": hash_password(PASSWORD),
                                      **STAFF_CONTACT.get(username, {})}, username=username)
            for unit, roles in zip(units, (first_roles, second_roles)):
                if roles and user.membership(unit.id) is None:
                    user.memberships.append(Membership(care_unit_id=unit.id, roles=roles))
            users[username] = user
        for pnr, first, last, email, mobile, logged_in in PATIENTS:
            _get_or_add(Patient, {
                "first_name": first, "last_name": last, "email": email, "mobile": mobile,
                "notify_email": bool(email), "notify_sms": bool(mobile), "created_at": now - timedelta(days=30),
                "last_login": now - timedelta(days=1) if logged_in else None,
                "password_hash": hash_password(PASSWORD) if logged_in else None,
            }, personnummer=pnr)
        db.session.commit()
        marita = users["marita.andersson"]
        _seed_subscriptions(marita, now)
        if get_program("tobakshjalpen") is not None:  # when its file does not load, the demo shows why
            _seed_jane(marita, marita.membership(units[0].id), now)
            _seed_anna(marita, marita.membership(units[0].id), now)
        return {"units": [u.display_name for u in units], "staff": [u.username for u in users.values()]}


#: flag types Marita is told about by e-mail in the demo (for all her moments)
DEMO_SUBSCRIPTIONS = (("new_message", {}), ("form_saved", {}), ("patient_inactivity", {"days": 7}))


def _seed_subscriptions(marita: User, now: datetime) -> None:
    """Marita's flag choices (Händelser → Flaggor), so the demo sends her e-mail notices."""
    have = set(db.session.execute(db.select(FlagSubscription.type).where(
        FlagSubscription.user_id == marita.id, FlagSubscription.enrollment_id.is_(None))).scalars())
    for flag_type, params in DEMO_SUBSCRIPTIONS:
        if flag_type not in have:
            db.session.add(FlagSubscription(user_id=marita.id, enrollment_id=None, type=flag_type,
                                            params=params, created_at=now - timedelta(days=30)))
    db.session.commit()


def _has_moment(personnummer: str) -> Patient | None:
    patient = db.session.execute(db.select(Patient).where(Patient.personnummer == personnummer)).scalar_one()
    exists = db.session.execute(db.select(Enrollment.id).where(Enrollment.patient_id == patient.id)).first()
    return None if exists else patient


def _seed_jane(marita: User, membership: Membership, now: datetime) -> None:
    """Jane Doe in Tobakshjälpen: Steg 1 partly done, a submitted form, a message each way."""
    from web.services.patient import answers as forms
    from web.services.core import messages
    from web.services.clinician import moments

    patient = _has_moment(JANE)
    if patient is None:
        return
    start = now - timedelta(days=8)
    moment = moments.start_moment(personnummer=JANE, program_id="tobakshjalpen", user=marita,
                                  membership=membership, now=start)
    messages.send_as_clinician(
        moment, subject="Välkommen", user=marita, membership=membership, now=start + timedelta(minutes=5),
        body="Hej Jane! Välkommen till Tobakshjälpen. Svara gärna på det här meddelandet så vet jag att allt fungerar.",
    )
    day = start + timedelta(days=1)
    forms.view_step(moment, patient, "inledning", "valkommen", now=day)
    forms.view_step(moment, patient, "steg-1", "motivation", now=day + timedelta(minutes=10))
    forms.submit_form(moment, patient, "skal", {"skal": ["halsa", "pengar"], "viktigt": 8,
                                                "egna_ord": "Jag vill orka leka med barnbarnen."},
                      now=day + timedelta(minutes=20), module_id="steg-1", step_id="motivation")
    forms.view_step(moment, patient, "steg-1", "tobaksvanor", now=day + timedelta(minutes=30))
    conversation = messages.conversations(moment)[0]
    messages.mark_read_by_patient(moment, day + timedelta(minutes=35))  # she read it before replying
    messages.send_as_patient(moment, patient, conversation=conversation, now=day + timedelta(minutes=40),
                             body="Hej! Det fungerar bra. Jag har börjat läsa Steg 1.")


def _seed_anna(marita: User, membership: Membership, now: datetime) -> None:
    """Anna Andersson: a moment started two days ago; she has never logged in."""
    from web.services.clinician import moments

    if _has_moment(ANNA) is None:
        return
    moments.start_moment(personnummer=ANNA, program_id="tobakshjalpen", user=marita, membership=membership,
                         now=now - timedelta(days=2))
