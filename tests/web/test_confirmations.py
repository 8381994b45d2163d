"""Avsluta, Byte av behandlare and Överlämna ask first (issue 13, point 6): GET says what happens, POST does it."""
from stegvis_testing import reload_moment
from html_assert import elements
from web.models import Event


def _events(db):
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count(Event.id))).scalar_one()


def test_hantera_sends_avsluta_to_the_confirmation_page(client, logged_in, moment):
    page = client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)
    assert elements(page, "form", method="get", action=f"/moment/{moment.id}/avsluta/bekrafta")
    assert elements(page, "form", method="get", action=f"/moment/{moment.id}/behandlare/bekrafta")


def test_the_avsluta_confirmation_says_what_happens_and_writes_nothing(client, logged_in, moment, db):
    before = _events(db)
    response = client.get(f"/moment/{moment.id}/avsluta/bekrafta?reason=genomford&maintain=1&until=2026-06-30")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Avsluta momentet?" in page
    assert "Patienten kommer då inte längre åt programmet, säkerställ att patienten är medveten om detta." in page
    assert "<dt>Avslutningsorsak</dt><dd>Genomförd behandling</dd>" in page
    assert "<dt>Moment Vidmakthåll till och med</dt><dd>2026-06-30</dd>" in page
    assert elements(page, "input", type="hidden", name="reason", value="genomford")
    assert elements(page, "input", type="hidden", name="confirm", value="1")
    assert elements(page, "form", method="post", action=f"/moment/{moment.id}/avsluta")
    assert reload_moment(db, moment).status == "active" and _events(db) == before


def test_posting_avsluta_without_confirm_only_asks(client, logged_in, moment, db):
    response = client.post(f"/moment/{moment.id}/avsluta", data={"reason": "avbruten"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/moment/{moment.id}/avsluta/bekrafta?reason=avbruten"
    assert reload_moment(db, moment).status == "active"


def test_confirmed_avsluta_ends_the_moment(client, logged_in, moment, db):
    client.post(f"/moment/{moment.id}/avsluta", data={"reason": "avbruten", "confirm": "1"})
    assert (reload_moment(db, moment).status, reload_moment(db, moment).end_reason) == ("ended", "avbruten")


def test_an_unknown_end_reason_goes_back_with_a_message(client, logged_in, moment):
    page = client.get(f"/moment/{moment.id}/avsluta/bekrafta?reason=nej", follow_redirects=True).get_data(as_text=True)
    assert "Välj en avslutningsorsak." in page and "Avsluta momentet?" not in page


def test_byte_av_behandlare_confirmation_names_both(client, logged_in, moment, db, make_staff):
    colleague = make_staff("karin", name="Karin Kollega")
    page = client.get(f"/moment/{moment.id}/behandlare/bekrafta?clinician={colleague.id}").get_data(as_text=True)
    assert "Byta ansvarig behandlare?" in page
    assert "<dt>Nuvarande ansvarig behandlare</dt><dd>Marita Andersson</dd>" in page
    assert "<dt>Ny ansvarig behandlare</dt><dd>Karin Kollega</dd>" in page
    assert reload_moment(db, moment).clinician_id != colleague.id
    assert client.post(f"/moment/{moment.id}/behandlare", data={"clinician": colleague.id}).status_code == 303
    assert reload_moment(db, moment).clinician_id != colleague.id
    client.post(f"/moment/{moment.id}/behandlare", data={"clinician": colleague.id, "confirm": "1"})
    assert reload_moment(db, moment).clinician_id == colleague.id


def test_overlamna_confirmation_names_the_unit(client, logged_in, moment, db, other_unit):
    page = client.get(f"/moment/{moment.id}/overlamna/bekrafta?unit={other_unit.id}").get_data(as_text=True)
    assert "Överlämna momentet?" in page
    assert "<dt>Vårdenhet</dt><dd>Region Örebro län, Vårdcentralen Ekhagen</dd>" in page
    assert "syns inte längre här" in page
    assert reload_moment(db, moment).care_unit_id != other_unit.id
    client.post(f"/moment/{moment.id}/overlamna", data={"unit": other_unit.id, "confirm": "1"})
    assert reload_moment(db, moment).care_unit_id == other_unit.id
