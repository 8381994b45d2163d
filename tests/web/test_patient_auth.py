"""Patient login with personnummer and password, activation by one-time link, logout and rate limiting."""
import pytest

from patient_support import JANE, JOHN, PATIENT_PASSWORD, html_text, with_alla_typer

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)


def test_patient_logs_in_with_personnummer_and_password_and_lands_on_stod_och_behandling(client, start, db):
    enrollment = start()
    response = client.post("/invanare/logga-in", data={"personnummer": "19610831-2460", "password": PATIENT_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/stod-och-behandling/")
    page = html_text(client.get("/stod-och-behandling/"))
    assert "Mina stöd- och behandlingsprogram" in page
    assert f'href="/stod-och-behandling/{enrollment.id}/"' in page
    assert enrollment.patient.last_login is not None


def test_wrong_password_is_rejected_with_a_message(client, start):
    start()
    response = client.post("/invanare/logga-in", data={"personnummer": JANE, "password": "fel-losenord"})
    assert response.status_code == 200
    assert "Fel personnummer eller lösenord." in html_text(response)
    assert client.get("/stod-och-behandling/").status_code == 302


def test_login_is_blocked_after_repeated_failures_even_with_the_right_password(client, start, app):
    start()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/invanare/logga-in", data={"personnummer": JANE, "password": "fel-losenord"})
    response = client.post("/invanare/logga-in", data={"personnummer": JANE, "password": PATIENT_PASSWORD})
    assert response.status_code == 429
    assert "För många misslyckade inloggningar" in html_text(response)


def test_anonymous_visitor_is_sent_to_the_patient_login_with_next(client, start):
    enrollment = start()
    response = client.get(f"/stod-och-behandling/{enrollment.id}/")
    assert response.status_code == 302
    assert "/invanare/logga-in?next=" in response.headers["Location"]
    login = client.post(response.headers["Location"], data={"personnummer": JANE, "password": PATIENT_PASSWORD})
    assert login.headers["Location"].rstrip("?").endswith(f"/stod-och-behandling/{enrollment.id}/")


def test_logout_ends_the_session_and_only_accepts_post(client, start, patient_login):
    start()
    patient_login()
    assert client.get("/invanare/logga-ut").status_code == 405
    assert client.post("/invanare/logga-ut").status_code == 302
    assert client.get("/stod-och-behandling/").status_code == 302


def test_starting_a_moment_queues_a_neutral_activation_notice_with_a_one_time_link(client, start, db):
    from web.models import Notice

    enrollment = start(personnummer=JOHN, first_name="John", last_name="Doe", mobile="0701112233", password=None)
    notice = db.session.execute(db.select(Notice).where(Notice.template == "patient_activation")).scalar_one()
    assert notice.channel == "sms" and notice.address == "0701112233"
    assert notice.recipient_patient_id == enrollment.patient_id
    assert notice.context["path"].startswith("/invanare/aktivera/")
    token = notice.context["path"].rsplit("/", 1)[-1]
    assert enrollment.patient.activation_token != token  # only a hash is stored

    form = client.get(notice.context["path"])
    assert form.status_code == 200 and "Aktivera ditt konto" in html_text(form)
    mismatch = client.post(notice.context["path"], data={"password": "hemligt-losen-123", "confirm": "annat-123"})
    assert "Lösenorden är inte lika." in html_text(mismatch)
    done = client.post(notice.context["path"], data={"password": "hemligt-losen-123", "confirm": "hemligt-losen-123"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/invanare/logga-in")
    assert client.get(notice.context["path"]).status_code == 404  # the link works once
    login = client.post("/invanare/logga-in", data={"personnummer": JOHN, "password": "hemligt-losen-123"})
    assert login.status_code == 302


def test_activation_link_expires(client, start, db, clock):
    from web.models import Notice

    start(personnummer=JOHN, first_name="John", last_name="Doe", email="john@example.se", password=None)
    path = db.session.execute(db.select(Notice.context)).scalar_one()["path"]
    clock.advance(days=15)
    assert client.get(path).status_code == 404


def test_a_patient_with_a_password_gets_no_activation_link(start, db, make_patient):
    from web.models import Notice
    from web.services.core.accounts import set_password

    set_password(make_patient(mobile="0701112233"), PATIENT_PASSWORD)
    db.session.commit()
    start()
    assert db.session.execute(db.select(Notice).where(Notice.template == "patient_activation")).first() is None


def test_pending_activations_lists_the_link_for_the_demo(start, clock):
    from web.services.core.accounts import pending_activations

    enrollment = start(personnummer=JOHN, first_name="John", last_name="Doe", mobile="0701112233", password=None)
    [(patient, path)] = pending_activations(clock())
    assert patient.id == enrollment.patient_id and path.startswith("/invanare/aktivera/")


def test_staff_login_page_links_to_the_patient_login(client):
    assert 'href="/invanare/logga-in"' in html_text(client.get("/logga-in"))
