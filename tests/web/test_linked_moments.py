"""Länkade moment are symmetric (issue 13, point 4): shown on both, never offered twice, removable, same unit only."""
import pytest

from html_assert import elements
from web.models import Enrollment, Event


@pytest.fixture
def moments(make_moment, clock):
    first = make_moment()
    clock.advance(days=1)
    return first, make_moment()


def _hantera(client, moment):
    return client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)


def _linked(db, moment):
    db.session.expire_all()
    return db.session.get(Enrollment, moment.id).linked


def _event_texts(db, moment):
    return db.session.execute(db.select(Event.text).where(
        Event.enrollment_id == moment.id, Event.type.in_(("moment_linked", "moment_unlinked"))).order_by(Event.id)
    ).scalars().all()


def test_a_link_shows_on_both_moments_by_program_unit_and_start(client, logged_in, moments, db):
    first, second = moments
    client.post(f"/moment/{first.id}/lanka", data={"other": second.id})
    assert (_linked(db, first), _linked(db, second)) == ([str(second.id)], [str(first.id)])
    on_first, on_second = _hantera(client, first), _hantera(client, second)
    assert elements(on_first, "a", href=f"/moment/{second.id}/hantera")
    assert "Tobakshjälpen, Region Jönköpings län, Utbildningsenhet, start 2026-03-03" in on_first
    assert elements(on_second, "a", href=f"/moment/{first.id}/hantera")
    assert "Tobakshjälpen, Region Jönköpings län, Utbildningsenhet, start 2026-03-02" in on_second
    assert "Länkat till moment:" not in on_first + on_second  # never the raw id
    # never offered twice: neither moment offers the other any more
    assert not elements(on_first, "select", id="other") and not elements(on_second, "select", id="other")
    assert _event_texts(db, first) == ["Momentet länkades till Tobakshjälpen, Region Jönköpings län, "
                                       "Utbildningsenhet, start 2026-03-03"]
    assert _event_texts(db, second) == ["Momentet länkades till Tobakshjälpen, Region Jönköpings län, "
                                        "Utbildningsenhet, start 2026-03-02"]


def test_linking_again_from_the_other_side_is_refused(client, logged_in, moments, db):
    first, second = moments
    client.post(f"/moment/{first.id}/lanka", data={"other": second.id})
    page = client.post(f"/moment/{second.id}/lanka", data={"other": first.id},
                       follow_redirects=True).get_data(as_text=True)
    assert "Momentet är redan länkat till" in page
    assert _linked(db, second) == [str(first.id)]


def test_ta_bort_lank_removes_it_from_both_with_an_event_on_each(client, logged_in, moments, db):
    first, second = moments
    client.post(f"/moment/{first.id}/lanka", data={"other": second.id})
    page = client.post(f"/moment/{second.id}/lanka/ta-bort", data={"other": first.id},
                       follow_redirects=True).get_data(as_text=True)
    assert "Länken är borttagen." in page
    assert (_linked(db, first), _linked(db, second)) == ([], [])
    assert _event_texts(db, first)[-1] == "Länken till Tobakshjälpen, Region Jönköpings län, Utbildningsenhet, " \
                                          "start 2026-03-03 togs bort"
    assert _event_texts(db, second)[-1] == "Länken till Tobakshjälpen, Region Jönköpings län, Utbildningsenhet, " \
                                           "start 2026-03-02 togs bort"
    assert elements(_hantera(client, first), "option", value=str(second.id))  # offered again


def test_only_moments_of_the_same_unit_can_be_linked(client, logged_in, moments, db, make_staff, other_unit, clock):
    first, _ = moments
    elsewhere = make_staff("annan", unit=other_unit)
    other = make_moment_in(db, elsewhere, clock)
    assert not elements(_hantera(client, first), "option", value=str(other.id))
    page = client.post(f"/moment/{first.id}/lanka", data={"other": other.id}, follow_redirects=True).get_data(as_text=True)
    assert "Bara moment i samma vårdenhet kan länkas." in page
    assert (_linked(db, first), _linked(db, other)) == ([], [])


def make_moment_in(db, user, clock):
    from web.services.clinician import moments as moment_service

    return moment_service.start_moment(personnummer="196108312460", program_id="tobakshjalpen", user=user,
                                       membership=user.memberships[0], now=clock())
