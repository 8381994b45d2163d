"""Hantera → Skapa ny aktiveringslänk: a patient without mobile and e-mail can still get an account."""
import re

import pytest

from web.models import AccessLog, Event, Notice, Patient
from web.services.core.accounts import patient_for_token, set_password, token_hash

NOT_ACTIVATED = "Invånaren har inte aktiverat sitt konto ännu."
BUTTON = ">Skapa ny aktiveringslänk</button>"
BASE_URL = "https://stegvis.example.se"


@pytest.fixture
def app_config(app_config):
    """The shared configuration plus the public address links point to."""
    return {**app_config, "BASE_URL": BASE_URL}


@pytest.fixture
def moment(make_moment):
    """Jane's moment; she has neither mobile nor e-mail, so no activation notice could be sent."""
    return make_moment()


@pytest.fixture
def hantera(client, login, clinician, moment):
    login(clinician)
    return lambda: client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)


def _create(client, moment):
    return client.post(f"/moment/{moment.id}/aktiveringslank")


def _link(html: str) -> str:
    return re.search(r'id="aktiveringslank" class="activation-link" type="text" readonly value="([^"]+)"',
                     html).group(1)


def _patient(db, moment) -> Patient:
    db.session.expire_all()
    return db.session.get(Patient, moment.patient_id)


def test_a_patient_without_addresses_got_no_notice_and_hantera_offers_a_new_link(hantera, db):
    assert db.session.execute(db.select(Notice)).first() is None
    page = hantera()
    assert NOT_ACTIVATED in page and BUTTON in page
    assert 'id="aktiveringslank"' not in page  # no link until the clinician asks for one


def test_hantera_says_nothing_about_activation_once_the_patient_has_a_password(hantera, db, moment):
    set_password(moment.patient, "hemligt-losen-123")
    db.session.commit()
    page = hantera()
    assert NOT_ACTIVATED not in page and BUTTON not in page


def test_the_new_link_is_shown_once_and_lets_the_patient_set_a_password(app, client, hantera, db, moment):
    response = _create(client, moment)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "En ny aktiveringslänk är skapad. Tidigare länkar fungerar inte längre." in page
    link = _link(page)
    assert link.startswith(f"{BASE_URL}/invanare/aktivera/")
    token = link.rsplit("/", 1)[-1]
    assert _patient(db, moment).activation_token == token_hash(token)  # only the hash is stored
    assert token not in hantera()  # shown once: a later visit does not show it again

    with app.app_context():
        patient_web = app.test_client()
        path = link.removeprefix(BASE_URL)
        assert patient_web.get(path).status_code == 200
        done = patient_web.post(path, data={"password": "hemligt-losen-123", "confirm": "hemligt-losen-123"})
        assert done.status_code == 302
        login = patient_web.post("/invanare/logga-in", data={"personnummer": "19610831-2460",
                                                             "password": "hemligt-losen-123"})
        assert login.status_code == 302
    assert NOT_ACTIVATED not in hantera()


def test_a_new_link_makes_the_previous_one_stop_working(client, login, clinician, make_moment, db, clock):
    moment = make_moment(mobile="0701234567")
    login(clinician)
    first = db.session.execute(db.select(Notice).where(Notice.template == "patient_activation")).scalar_one()
    old_token = first.context["path"].rsplit("/", 1)[-1]
    assert patient_for_token(old_token, clock()) is not None

    new_link = _link(_create(client, moment).get_data(as_text=True))

    assert patient_for_token(old_token, clock()) is None
    assert client.get(first.context["path"]).status_code == 404
    assert patient_for_token(new_link.rsplit("/", 1)[-1], clock()).id == moment.patient_id
    # a patient with a mobile number is also sent the new link, as when the moment started
    notices = db.session.execute(db.select(Notice).where(Notice.template == "patient_activation")
                                 .order_by(Notice.id)).scalars().all()
    assert [(n.channel, n.address, n.context["url"]) for n in notices[1:]] == [("sms", "0701234567", new_link)]


def test_creating_a_link_is_recorded_in_the_timeline_and_the_access_log(client, hantera, db, moment, clinician,
                                                                         unit, clock):
    clock.advance(hours=2)
    _create(client, moment)

    event = db.session.execute(db.select(Event).where(Event.type == "activation_link_created")).scalar_one()
    assert (event.text, event.actor_kind, event.actor_name, event.at) == (
        "Aktiveringslänk skapades av Marita Andersson", "clinician", "Marita Andersson", clock())
    assert "Aktiveringslänk skapades av Marita Andersson" in client.get(
        f"/moment/{moment.id}/tidslinje").get_data(as_text=True)
    rows = db.session.execute(db.select(AccessLog).where(AccessLog.what.not_in(["Hantera", "Tidslinje"]))).scalars().all()
    assert [(r.user_id, r.care_unit_id, r.patient_id, r.enrollment_id, r.what, r.at) for r in rows] == [
        (clinician.id, unit.id, moment.patient_id, moment.id, "Hantera: Skapa ny aktiveringslänk", clock())]


def test_no_link_is_made_for_a_patient_who_already_activated(client, hantera, db, moment):
    set_password(moment.patient, "hemligt-losen-123")
    db.session.commit()

    response = _create(client, moment)

    assert response.status_code == 302 and response.headers["Location"].endswith("/hantera#aktivering")
    assert "Invånaren har redan aktiverat sitt konto." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert _patient(db, moment).activation_token is None
    assert db.session.execute(db.select(Event).where(Event.type == "activation_link_created")).first() is None
