"""Fixtures and helpers for the patient web tests (a plugin registered by tests/conftest.py).

A test module that needs the extra program `alla-typer` (tests/data/patient), with a form of every
question type, declares `pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)`. Moments are
started through the clinician's real service (`start`), and patients log in through the real login
form (`patient_login`). The fixtures need no import; the helpers below are imported by name.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data" / "patient"
PATIENT_PASSWORD = "demo1234"
JANE = "196108312460"
#: a second valid personnummer (check digit correct) for patient B
JOHN = "198112289874"


@pytest.fixture(scope="session")
def test_program():
    """The `alla-typer` test program, loaded once."""
    from engine.loader import load_program

    return load_program(DATA / "alla-typer.yaml")


def copy_alla_typer(folder: Path) -> Path:
    """A programs folder at `folder` with an editable copy of alla-typer's YAML and content."""
    folder.mkdir()
    shutil.copy(DATA / "alla-typer.yaml", folder / "alla-typer.yaml")
    shutil.copytree(DATA / "content", folder / "content")
    return folder


def with_alla_typer(request) -> dict:
    """PROGRAMS for `pytest.mark.app_config`: every program in programs/ plus `alla-typer`."""
    program = request.getfixturevalue("test_program")
    return {**request.getfixturevalue("programs"), program.id: program}


def with_an_untranslated_arabic_page(request) -> dict:
    """PROGRAMS for `pytest.mark.app_config`: `with_alla_typer`, with Tobakshjälpen's Arabic page B.2
    (bra-att-veta/abstinens) left out, so a test can show the Swedish fallback now that every page is translated."""
    from dataclasses import replace

    from engine.model import frozen_map
    from engine.translate import step_key

    programs = with_alla_typer(request)
    program = programs["tobakshjalpen"]
    arabic = program.translations["ar"]
    entries = {k: v for k, v in arabic.entries.items() if k != step_key("bra-att-veta", "abstinens", "text")}
    assert len(entries) == len(arabic.entries) - 1, "the Arabic page B.2 is no longer translated: drop this helper"
    translations = {**program.translations, "ar": replace(arabic, entries=frozen_map(entries))}
    return {**programs, program.id: replace(program, translations=frozen_map(translations))}


@pytest.fixture
def start(app, clock, clinician):
    """start(program_id="alla-typer", personnummer=JANE, password=PATIENT_PASSWORD, **patient) → Enrollment."""
    from web.extensions import db
    from web.services.clinician import moments
    from web.services.core import accounts as patient_accounts

    def do(program_id: str = "alla-typer", personnummer: str = JANE, password: str | None = PATIENT_PASSWORD,
           user=None, **patient):
        user = user or clinician
        names = {"first_name": patient.pop("first_name", "Jane"), "last_name": patient.pop("last_name", "Doe")}
        enrollment = moments.start_moment(personnummer=personnummer, program_id=program_id, user=user,
                                          membership=user.memberships[0], now=clock(), **names, **patient)
        if password and not enrollment.patient.password_hash:
            patient_accounts.set_password(enrollment.patient, password)
            db.session.commit()
        return enrollment

    return do


@pytest.fixture
def patient_login(client):
    """patient_login(personnummer=JANE, password=PATIENT_PASSWORD) logs in through the patient login form."""

    def do(personnummer: str = JANE, password: str = PATIENT_PASSWORD):
        response = client.post("/invanare/logga-in", data={"personnummer": personnummer, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def as_clinician(clinician, membership_of):
    """(user, membership) of the default clinician, for calling clinician services directly."""
    return clinician, membership_of(clinician)


@pytest.fixture
def membership_of():
    """membership_of(user) → the user's first membership."""
    return lambda user: user.memberships[0]


def step_url(enrollment, module_id: str = "start", step_id: str = "fragor") -> str:
    """The patient's URL of a step."""
    return f"/stod-och-behandling/{enrollment.id}/modul/{module_id}/{step_id}"


def form_url(enrollment, form_id: str = "alla", module_id: str = "start", step_id: str = "fragor") -> str:
    """Where a step's form posts."""
    return f"{step_url(enrollment, module_id, step_id)}/formular/{form_id}"


def valid_answers(**overrides) -> dict:
    """A complete, valid answer set for the `alla` form, as a browser posts it."""
    data = {"kort": "Jane", "lang": "Jag gillar promenader.", "antal": "3", "val": "host", "flera": ["te"],
            "skala": "7", "janej": "no", "datum": "2026-03-01", "tid": "07:30"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def html_text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def token_of(html: str, form_id: str = "alla") -> str:
    """The one-time submission token rendered into a form."""
    section = html[html.index(f'id="formular-{form_id}"'):]
    return re.search(r'name="stegvis-token" value="([0-9a-f]+)"', section).group(1)


def open_activity_plan(enrollment, clinician, now, name: str, scale: str, registration: str, invitation: str):
    """An active plan (a scale, a registration, an invitation) with an occasion open on Monday 2 March 2026 08:00,
    skippable and with comments, made through the clinician's services."""
    from datetime import date

    from web.services.clinician import activity

    membership = clinician.memberships[0]
    plan = activity.save_content(enrollment, None, name=name, user=clinician, now=now, elements=[
        {"kind": "scale", "text": scale, "min": 1, "max": 5},
        {"kind": "registration", "text": registration}, {"kind": "invitation", "text": invitation}])
    activity.save_schedule(plan, start=date(2026, 3, 2), times=[{"time": "08:00", "weekdays": ["mon"]}], until=None,
                           every_weeks=1, now=now)
    activity.save_settings(plan, fill_days_after=2, flag_missed=False, may_skip=True, allow_comments=True,
                           active=True, user=clinician, membership=membership, now=now)
    return plan


def without_translation(language: str, module_id: str):
    """PROGRAMS for `pytest.mark.app_config`: the installed programs, Tobakshjälpen's `language` lacking every text
    of one module (so a test of the Swedish fallback holds whatever content/ translates)."""

    def programs(request) -> dict:
        from dataclasses import replace

        installed = request.getfixturevalue("programs")
        program = installed["tobakshjalpen"]
        translation = program.translations[language]
        entries = {k: v for k, v in translation.entries.items() if not k.startswith(f"module/{module_id}/")}
        translation = replace(translation, entries=entries,
                              complete=tuple(m for m in translation.complete if m != module_id))
        return {**installed, "tobakshjalpen": replace(program, translations={**program.translations,
                                                                              language: translation})}

    return programs
