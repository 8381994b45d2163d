"""Shared fixtures for the web tests: apps on SQLite and PostgreSQL, clients, logins and factories.

Every test that asks for `app` runs once per database backend (STEGVIS_TEST_DATABASES, default
"sqlite,postgresql"); `@pytest.mark.sqlite_only` runs it on SQLite alone, and a test may also
parametrize "backend" itself. PostgreSQL is the server at STEGVIS_TEST_PG_URL; each test session
creates its own database there (stegvis_test_<pid>) and drops it at the end. The schema is built
once per session through the real Alembic migrations; after each test every table is emptied.

`@pytest.mark.app_config(KEY=value, …)` (on a test, a class or a module's `pytestmark`) adds to the
app's configuration; a callable value is called with the test's `request` (to use other fixtures).

The fixtures of the support modules below are available to every test without an import; their
helper functions and constants are imported by name (`from patient_support import html_text`).
"""
from __future__ import annotations

import os

import pytest

from stegvis_testing import BACKENDS, PASSWORD, PG_ADMIN_URL, PROJECT_ROOT, FrozenClock

pytest_plugins = [
    "notify_support",  # smtp, sms: real SMTP server and SMS gateway on loopback
    "patient_support",  # test_program, start, patient_login, as_clinician, membership_of
    "patient_e2e_support",  # phone, axe: browser pages at 360 px and axe-core
    "html_validator",  # html_pages: the W3C Nu Html Checker, run once per session
]


def pytest_configure(config):
    config.addinivalue_line("markers", "app_config(**values): add to the app's configuration (callables get "
                                       "the test's request)")
    config.addinivalue_line("markers", "sqlite_only: run on SQLite alone, whatever STEGVIS_TEST_DATABASES says")


def pytest_generate_tests(metafunc):
    """Run every test that uses `backend` once per backend (SQLite only under `sqlite_only`), unless the
    test parametrizes "backend" itself."""
    if "backend" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs["argnames"]
        if "backend" in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return
    backends = ["sqlite"] if metafunc.definition.get_closest_marker("sqlite_only") else BACKENDS
    metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture(scope="session")
def programs():
    """Every program in programs/, loaded once for the whole session."""
    from web.content.programs import load_programs

    return load_programs(PROJECT_ROOT / "programs")


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    import psycopg

    name = f"stegvis_test_{os.getpid()}"
    admin = _psycopg_url(PG_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """Backend name → database URL with the migrated schema (built lazily, once per session)."""
    from web import create_app
    from commands.operators import database as manage

    built: dict[str, str] = {}

    def get(backend: str, request) -> str:
        if backend not in built:
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'stegvis.db'}"
            elif backend == "postgresql":
                url = request.getfixturevalue("pg_url")
            else:
                raise ValueError(f"unknown backend {backend!r} in STEGVIS_TEST_DATABASES")
            app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                              "PROGRAMS": request.getfixturevalue("programs")})
            manage.upgrade(app)
            with app.app_context():
                from web.extensions import db

                db.engine.dispose()
            built[backend] = url
        return built[backend]

    return get


def _empty_all_tables(db) -> None:
    """Delete every row (children first) so the next test starts from an empty, migrated schema."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(db.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def clock():
    """The frozen clock the app uses (2026-03-02 09:00 Stockholm time)."""
    return FrozenClock()


@pytest.fixture
def backend(request):
    """The database backend of this test run ("sqlite" or "postgresql"), parametrized above."""
    return request.param


@pytest.fixture
def app_config(backend, database_urls, programs, clock, request):
    """The test configuration plus the test's `app_config` marks (the closest mark wins); override by
    marking, by parametrising or by editing before `app` is created."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "SQLALCHEMY_DATABASE_URI": database_urls(backend, request),
        "PROGRAMS": programs,
        "CLOCK": clock,
        "WTF_CSRF_ENABLED": False,
        "DATA_DIR": str(request.getfixturevalue("tmp_path")),
        # tests move the frozen clock by hours and days with a client logged in; tests/security uses
        # the real session timeouts
        "SESSION_IDLE_MINUTES_STAFF": 10 * 365 * 24 * 60,
        "SESSION_IDLE_MINUTES_PATIENT": 10 * 365 * 24 * 60,
        "SESSION_ABSOLUTE_HOURS": 10 * 365 * 24,
        # administrators log in with the password alone unless a test asks for TOTP (tests/web/test_totp.py)
        "TOTP_REQUIRED_ROLES": "",
    }
    for mark in reversed(list(request.node.iter_markers("app_config"))):
        if mark.args:
            raise TypeError("pytest.mark.app_config takes keyword arguments only: app_config(BASE_URL=…)")
        config.update({key: value(request) if callable(value) else value for key, value in mark.kwargs.items()})
    return config


@pytest.fixture
def app(app_config):
    """A fresh app on the chosen backend with an app context pushed; tables are emptied afterwards."""
    from web import create_app
    from web.extensions import db

    app = create_app(app_config)
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        db.session.rollback()
        _empty_all_tables(db)
        db.session.remove()
        db.engine.dispose()
        ctx.pop()


@pytest.fixture
def db(app):
    """The SQLAlchemy extension (use db.session)."""
    from web.extensions import db

    return db


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A click runner for the app's CLI."""
    return app.test_cli_runner()


# --- factories -----------------------------------------------------------------------------------


@pytest.fixture
def make_unit(app):
    """make_unit(name="Utbildningsenhet", region="Region Jönköpings län") → CareUnit."""
    from web.extensions import db
    from web.models import CareUnit, Region

    def make(name: str = "Utbildningsenhet", region: str = "Region Jönköpings län") -> CareUnit:
        reg = db.session.execute(db.select(Region).where(Region.name == region)).scalar_one_or_none()
        if reg is None:
            reg = Region(name=region)
            db.session.add(reg)
        existing = db.session.execute(
            db.select(CareUnit).where(CareUnit.region == reg, CareUnit.name == name)).scalar_one_or_none()
        if existing is not None:
            return existing
        unit = CareUnit(region=reg, name=name)
        db.session.add(unit)
        db.session.commit()
        return unit

    return make


@pytest.fixture
def unit(make_unit):
    """The default care unit: Region Jönköpings län, Utbildningsenhet."""
    return make_unit()


@pytest.fixture
def other_unit(make_unit):
    """A second unit in another region, whose data the first unit must never see."""
    return make_unit("Vårdcentralen Ekhagen", "Region Örebro län")


@pytest.fixture
def make_staff(app, unit):
    """make_staff(username, roles="behandlare", unit=unit, name=None, units=None) → User (password PASSWORD)."""
    from web.extensions import db
    from web.models import Membership, User
    from web.auth.core.passwords import hash_password

    counter = iter(range(1, 10_000))

    def make(username: str | None = None, roles: str = "behandlare", unit=unit, name: str | None = None,
             units=None, **fields) -> User:
        n = next(counter)
        username = username or f"behandlare{n}"
        user = User(username=username, name=name or f"Behandlare {n}", password_hash=hash_password(PASSWORD),
                    **fields)
        for u in units or [unit]:
            user.memberships.append(Membership(care_unit=u, roles=roles))
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def clinician(make_staff):
    """Marita Andersson, Behandlare in the default unit."""
    return make_staff("marita.andersson", name="Marita Andersson")


@pytest.fixture
def make_patient(app, clock):
    """make_patient(personnummer="196108312460", first_name="Jane", last_name="Doe", **fields) → Patient."""
    from web.extensions import db
    from web.models import Patient

    def make(personnummer: str = "196108312460", first_name: str = "Jane", last_name: str = "Doe", **fields):
        patient = Patient(personnummer=personnummer, first_name=first_name, last_name=last_name,
                          created_at=clock(), **fields)
        db.session.add(patient)
        db.session.commit()
        return patient

    return make


@pytest.fixture
def make_moment(app, clock, clinician, make_patient):
    """make_moment(personnummer=…, user=clinician, **patient fields) → Enrollment started now via the service."""
    from web.extensions import db
    from web.models import Patient
    from web.services.clinician import moments

    def make(personnummer: str = "196108312460", user=None, unit_id: int | None = None, **patient):
        user = user or clinician
        membership = user.membership(unit_id) if unit_id else user.memberships[0]
        patient.setdefault("first_name", "Jane")
        patient.setdefault("last_name", "Doe")
        if not db.session.execute(db.select(Patient.id).where(Patient.personnummer == personnummer)).first():
            make_patient(personnummer, **patient)
        return moments.start_moment(personnummer=personnummer, program_id="tobakshjalpen", user=user,
                                    membership=membership, now=clock())

    return make


@pytest.fixture
def moment(make_moment):
    """A moment of Tobakshjälpen for Jane Doe, started by Marita now (a test file may define its own)."""
    return make_moment()


@pytest.fixture
def logged_in(client, login, clinician):
    """Marita logged in (returns her)."""
    return login(clinician)


@pytest.fixture
def login(client):
    """login(user, unit=None) logs a staff member in through the login form (and picks the unit)."""

    def do(user, unit=None):
        response = client.post("/logga-in", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        if unit is not None or len(user.memberships) > 1:
            chosen = unit.id if unit is not None else user.memberships[0].care_unit_id
            assert client.post("/valj-vardenhet", data={"unit": chosen}).status_code == 302
        return user

    return do


@pytest.fixture
def login_patient(client):
    """login_patient(patient): a patient session (the patient login itself belongs to the patient web)."""

    def do(patient):
        with client.session_transaction() as session:
            session["_user_id"] = patient.get_id()
            session["_fresh"] = True
        return patient

    return do


@pytest.fixture
def count_queries(app):
    """count_queries() → a context manager whose value is the list of SQL statements run inside it."""
    from contextlib import contextmanager

    from sqlalchemy import event

    from web.extensions import db

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def tick(app, clock):
    """tick() runs the worker's pass at the frozen clock's time (time-based flags, reminders), no delivery."""
    from web.services.operations.tick import run_tick

    return lambda: run_tick(clock(), deliver=False)


# --- the browser (tests/e2e and tests/oidc) ---------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (Playwright's own download cannot run offline), quiet and sandbox-free for CI."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def base_url():
    """No fixed base URL: each test serves its own app (replaces pytest-base-url's, deprecated under pytest 9)."""
    return None
