"""Server-side sessions: logout, role removal and timeouts end them; the id rotates; cookies are hardened."""
import pytest

from stegvis_testing import PASSWORD
from web.models import WebSession
from web.auth.core.sessions import cookie_name


def _cookie(client, app):
    cookie = client.get_cookie(cookie_name(app))
    return cookie.value if cookie else None


def _replay(client, app, value):
    client.set_cookie(cookie_name(app), value)


def test_a_replayed_staff_cookie_after_logout_gets_the_login_page(client, app, clinician, login, make_moment):
    moment = make_moment()
    login(clinician)
    stolen = _cookie(client, app)
    assert client.get(f"/moment/{moment.id}/hantera").status_code == 200
    client.post("/logga-ut")
    _replay(client, app, stolen)
    response = client.get(f"/moment/{moment.id}/hantera")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in")
    assert "Jane" not in response.get_data(as_text=True)


def test_a_replayed_patient_cookie_after_logout_gets_the_login_page(client, app, make_moment, db):
    moment = make_moment()
    patient = moment.patient
    from web.auth.core.passwords import hash_password

    patient.password_hash = hash_password(PASSWORD)
    db.session.commit()
    assert client.post("/invanare/logga-in", data={"personnummer": "19610831-2460",
                                                   "password": PASSWORD}).status_code == 302
    stolen = _cookie(client, app)
    assert client.get("/invanare/installningar").status_code == 200
    client.post("/invanare/logga-ut")
    _replay(client, app, stolen)
    response = client.get("/invanare/installningar")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/invanare/logga-in")


def test_the_session_id_changes_at_login(client, app, clinician):
    client.get("/logga-in")
    with client.session_transaction() as session:
        session["before"] = "x"
    before = _cookie(client, app)
    client.post("/logga-in", data={"username": "marita.andersson", "password": PASSWORD})
    after = _cookie(client, app)
    assert before and after and before != after
    _replay(client, app, before)
    assert client.get("/oversikt/alla").headers["Location"].startswith("/logga-in")


def test_the_session_id_changes_when_the_unit_changes(client, app, make_staff, unit, other_unit, login):
    user = make_staff("anna.berg", units=[unit, other_unit])
    login(user, unit)
    before = _cookie(client, app)
    assert client.post("/valj-vardenhet", data={"unit": other_unit.id}).status_code == 302
    assert _cookie(client, app) != before
    _replay(client, app, before)
    assert client.get("/oversikt/alla").headers["Location"].startswith("/logga-in")


def test_staff_sessions_end_after_30_idle_minutes(client, clinician, login, clock):
    login(clinician)
    clock.advance(minutes=29)
    assert client.get("/oversikt/alla").status_code == 200
    clock.advance(minutes=29)  # 29 minutes since the last request: still alive
    assert client.get("/oversikt/alla").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/oversikt/alla").headers["Location"].startswith("/logga-in")


def test_patient_sessions_end_after_15_idle_minutes(client, make_moment, login_patient, clock):
    patient = make_moment().patient
    login_patient(patient)
    clock.advance(minutes=14)
    assert client.get("/invanare/installningar").status_code == 200
    clock.advance(minutes=16)
    assert client.get("/invanare/installningar").status_code == 302


@pytest.mark.parametrize("app_config_extra", [{"SESSION_IDLE_MINUTES_STAFF": 5}])
def test_the_idle_limit_is_configurable(client, clinician, login, clock, app_config_extra):
    login(clinician)
    clock.advance(minutes=6)
    assert client.get("/oversikt/alla").headers["Location"].startswith("/logga-in")


def test_sessions_end_after_12_hours_however_active(client, clinician, login, clock):
    login(clinician)
    for _ in range(12 * 3 + 1):  # 12 h 20 min after login
        clock.advance(minutes=20)
        response = client.get("/oversikt/alla")
    assert response.headers["Location"].startswith("/logga-in")


def test_removing_a_role_ends_that_persons_sessions(client, app, make_staff, clinician, login, db):
    login(clinician)
    from web.services.clinician import staff

    staff.set_roles(clinician.memberships[0], ["invanaradmin"])
    assert db.session.execute(db.select(WebSession).where(WebSession.user_key == clinician.get_id())).first() is None
    assert client.get("/oversikt/alla").headers["Location"].startswith("/logga-in")


def test_sessions_live_in_the_database_and_survive_a_new_app(client, app, app_config, clinician, login):
    from web import create_app

    login(clinician)
    value = _cookie(client, app)
    other_app = create_app(app_config)
    other_process = other_app.test_client()
    other_process.set_cookie("stegvis", value)
    try:
        assert other_process.get("/oversikt/alla").status_code == 200
    finally:
        with other_app.app_context():
            from web.extensions import db

            db.engine.dispose()


def test_the_cookie_holds_only_a_random_id(client, app, clinician, login, db):
    login(clinician)
    value = _cookie(client, app)
    assert len(value) >= 43 and "." not in value  # no signed payload, just 256 random bits
    assert db.session.get(WebSession, value) is None  # the table stores a hash, not the id


@pytest.mark.parametrize("app_config_extra", [{"BASE_URL": "https://stegvis.example.se"}])
def test_https_cookies_are_secure_with_the_host_prefix(app, clinician, app_config_extra):
    client = app.test_client()
    response = client.post("/logga-in", data={"username": "marita.andersson", "password": PASSWORD},
                           base_url="https://stegvis.example.se")
    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-stegvis=")
    assert "Secure" in header and "HttpOnly" in header and "Path=/" in header and "Domain" not in header



def test_the_tick_removes_sessions_past_the_absolute_timeout(app, client, clinician, login, clock, db, tick):
    login(clinician)
    clock.advance(hours=11)
    tick()
    assert db.session.execute(db.select(db.func.count(WebSession.id))).scalar_one() == 1
    clock.advance(hours=2)
    tick()
    assert db.session.execute(db.select(db.func.count(WebSession.id))).scalar_one() == 0
