"""Tidslinje: filters Alla / Flaggor / Formulär / Meddelanden / Modul, date range, Veckovis."""
import pytest

from web.services.core import messages

from web.services.clinician import moments


@pytest.fixture
def moment(make_moment, clinician, clock):
    moment = make_moment()
    membership = clinician.memberships[0]
    clock.advance(days=8, hours=3, minutes=10)  # 2026-03-10 12:10
    moments.complete_module(moment, "steg-1", user=clinician, membership=membership, now=clock())
    moments.activate_module(moment, "steg-2", days=14, user=clinician, membership=membership, now=clock())
    messages.send_as_clinician(moment, subject="Steg 2", body="Nu börjar Steg 2.", user=clinician,
                               membership=membership, now=clock())
    return moment


@pytest.fixture
def timeline(client, login, clinician, moment):
    login(clinician)

    def get(query=""):
        return client.get(f"/moment/{moment.id}/tidslinje{query}").get_data(as_text=True)

    return get


def test_entries_say_what_when_who_and_unit(timeline):
    page = timeline()
    assert "Modul Steg 2 Uppstart och stoppfasen – var nyfiken och aktiv startades" in page
    assert "2026-03-10 12:10 av Marita Andersson (Region Jönköpings län, Utbildningsenhet)" in page
    assert "Ny konversation från Marita Andersson" in page


def test_the_modul_filter_shows_module_events_only(timeline):
    page = timeline("?typ=modul")
    assert "Modul Steg 1 Uppvärmning och förberedelser – lägg en bra grund sattes till avklarad" in page
    assert "Modul Steg 2 Uppstart och stoppfasen – var nyfiken och aktiv startades" in page
    assert "Ny konversation" not in page
    assert "Momentet Tobakshjälpen startades" not in page


def test_the_meddelanden_filter_shows_messages_only(timeline):
    page = timeline("?typ=meddelanden")
    assert "Ny konversation från Marita Andersson" in page
    assert "startades" not in page.split('id="historik"')[1]


def test_filters_combine(timeline):
    page = timeline("?typ=meddelanden&typ=modul")
    assert "Ny konversation" in page and "sattes till avklarad" in page


def test_a_date_range_limits_the_entries(timeline):
    page = timeline("?fran=2026-03-02&till=2026-03-05")
    assert "Modul Inledning startades" in page
    assert "sattes till avklarad" not in page


def test_veckovis_shows_one_week_with_links_to_the_others(timeline):
    page = timeline("?period=vecka&fran=2026-03-11")
    assert "2026-03-09 – 2026-03-15" in page
    assert "sattes till avklarad" in page and "Modul Inledning startades" not in page
    assert "Föregående vecka" in page and "fran=2026-03-02" in page


def test_an_end_before_the_start_is_explained(timeline):
    assert "Slutdatum ligger före startdatum." in timeline("?fran=2026-03-10&till=2026-03-01")


def test_viewing_the_timeline_is_logged(timeline, db):
    from web.models import AccessLog

    timeline()
    assert db.session.execute(db.select(AccessLog.what)).scalars().all() == ["Tidslinje"]


def test_entries_are_read_as_rows_not_event_objects(moment, db):
    """A long moment has hundreds of events: the timeline reads the columns it shows, no Event objects
    (their loading was a sixth of the whole-period page), with every entry's fields and category as before."""
    from sqlalchemy import event

    from web.models import Event
    from web.services.clinician.timeline import category_of, timeline

    loaded = []

    def count(target, context):
        loaded.append(target)

    event.listen(Event, "load", count)
    try:
        entries = timeline(moment, categories=None, start=None, end=None)
    finally:
        event.remove(Event, "load", count)
    assert not loaded
    events = db.session.execute(db.select(Event).where(Event.enrollment_id == moment.id)
                                .order_by(Event.at.desc(), Event.id.desc())).scalars().all()
    assert [(e.text, e.at, e.actor_name, e.type, e.category) for e in entries] == \
        [(e.text, e.at, e.actor_name, e.type, category_of(e.type)) for e in events
         if not (e.type == "form_submitted" and e.form_response_id)]
    assert {"modul", "meddelanden"} <= {e.category for e in entries}
