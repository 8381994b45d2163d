"""Avsluta, Vidmakthåll, Byte av behandlare, Överlämna and Länkade moment."""
from datetime import date

from stegvis_testing import reload_moment
from web.models import Enrollment, Event


def test_avsluta_needs_an_end_reason(client, logged_in, moment, db):
    page = client.post(f"/moment/{moment.id}/avsluta", data={"confirm": "1", "reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "Välj en avslutningsorsak." in page
    assert reload_moment(db, moment).status == "active"


def test_avsluta_ends_the_moment_and_moves_it_to_avslutade(client, logged_in, moment, db, clock):
    hantera = client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)
    assert '<option value="genomford">Genomförd behandling</option>' in hantera
    client.post(f"/moment/{moment.id}/avsluta", data={"confirm": "1", "reason": "genomford"})
    ended = reload_moment(db, moment)
    assert (ended.status, ended.end_reason, ended.ended_at) == ("ended", "genomford", clock())
    assert "Doe, Jane" in client.get("/oversikt/avslutade").get_data(as_text=True)
    page = client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)
    assert "Sätt till avklarad" not in page and "Vidmakthåll till och med" in page


def test_avsluta_with_vidmakthall_keeps_read_access_until_the_date(client, logged_in, moment, db):
    client.post(f"/moment/{moment.id}/avsluta", data={"confirm": "1", "reason": "genomford", "maintain": "1", "until": "2026-06-30"})
    ended = reload_moment(db, moment)
    assert (ended.status, ended.maintain_until) == ("maintenance", date(2026, 6, 30))
    assert "Vidmakthåll till och med 2026-06-30" in client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)


def test_vidmakthall_in_the_past_is_refused_and_the_moment_stays_active(client, logged_in, moment, db):
    page = client.post(f"/moment/{moment.id}/avsluta", data={"confirm": "1", "reason": "genomford", "maintain": "1",
                                                            "until": "2026-01-01"},
                       follow_redirects=True).get_data(as_text=True)
    assert "ligger före i dag" in page
    assert reload_moment(db, moment).status == "active"  # the end was rolled back with the failed vidmakthåll


def test_vidmakthall_later_on_an_ended_moment(client, logged_in, moment, db):
    client.post(f"/moment/{moment.id}/avsluta", data={"confirm": "1", "reason": "avbruten"})
    client.post(f"/moment/{moment.id}/vidmakthall", data={"until": "2026-04-01"})
    assert reload_moment(db, moment).maintain_until == date(2026, 4, 1)


def test_byte_av_behandlare_moves_the_moment_to_the_colleagues_mina(client, logged_in, moment, db, make_staff):
    colleague = make_staff("karin", name="Karin Kollega")
    client.post(f"/moment/{moment.id}/behandlare", data={"confirm": "1", "clinician": colleague.id})
    assert reload_moment(db, moment).clinician_id == colleague.id
    assert db.session.execute(db.select(Event.text).where(Event.type == "clinician_changed")).scalar_one() == \
        "Ansvarig behandlare byttes från Marita Andersson till Karin Kollega"
    assert "Doe, Jane" not in client.get("/oversikt/mina").get_data(as_text=True)


def test_byte_av_behandlare_only_to_a_clinician_of_the_unit(client, logged_in, moment, db, make_staff, other_unit):
    stranger = make_staff("okand", unit=other_unit)
    page = client.post(f"/moment/{moment.id}/behandlare", data={"confirm": "1", "clinician": stranger.id},
                       follow_redirects=True).get_data(as_text=True)
    assert "Välj en behandlare i vårdenheten." in page
    assert reload_moment(db, moment).clinician_id != stranger.id


def test_overlamna_hands_the_moment_to_another_unit_and_it_disappears_here(client, logged_in, moment, db, other_unit):
    response = client.post(f"/moment/{moment.id}/overlamna", data={"confirm": "1", "unit": other_unit.id})
    assert response.headers["Location"] == "/"
    assert reload_moment(db, moment).care_unit_id == other_unit.id
    assert client.get(f"/moment/{moment.id}/hantera").status_code == 404
    assert db.session.execute(db.select(Event.text).where(Event.type == "handed_over")).scalar_one() == \
        "Momentet överlämnades till Region Örebro län, Vårdcentralen Ekhagen"


def test_lankade_moment_links_two_moments_of_the_same_patient(client, logged_in, moment, make_moment, db, clock):
    clock.advance(days=1)
    second = make_moment()
    client.post(f"/moment/{moment.id}/lanka", data={"other": second.id})
    assert reload_moment(db, moment).linked == [str(second.id)]
    assert db.session.get(Enrollment, second.id).linked == [str(moment.id)]  # both ways
