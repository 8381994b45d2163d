"""Issue 13.1: a time-based flag whose condition already holds when it is added fires — once, not history."""
from web.models import Flag, FlagSubscription
from web.services.core import messages


def _flags(db):
    return [tuple(r) for r in db.session.execute(db.select(Flag.type, Flag.text).order_by(Flag.id))]


def test_a_date_reminder_for_today_fires_when_it_is_saved_and_the_tick_adds_nothing(
        client, logged_in, make_moment, db, clock, tick):
    moment = make_moment()
    clock.advance(hours=3)  # 12:00, after the reminder day's midnight
    client.post(f"/moment/{moment.id}/handelser/flaggor",
                data={"flaggtyp": "date_reminder", "date": "2026-03-02", "note": "Ring Jane"})
    assert _flags(db) == [("date_reminder", "Påminnelse 2026-03-02: Ring Jane")]
    clock.advance(days=2)
    tick()
    assert _flags(db) == [("date_reminder", "Påminnelse 2026-03-02: Ring Jane")]
    assert "Påminnelse 2026-03-02: Ring Jane" in client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)


def test_a_date_reminder_for_today_on_all_moments_fires_for_the_others_at_the_next_tick(
        client, logged_in, make_moment, db, clock, tick):
    first, second = make_moment(), make_moment(personnummer="197503121233", first_name="Anna")
    clock.advance(hours=3)
    client.post(f"/moment/{first.id}/handelser/flaggor",
                data={"flaggtyp": "date_reminder", "date": "2026-03-02", "note": "", "scope": "alla"})
    assert db.session.execute(db.select(Flag.enrollment_id)).scalars().all() == [first.id]
    tick()
    assert sorted(db.session.execute(db.select(Flag.enrollment_id)).scalars()) == sorted([first.id, second.id])


def test_a_date_reminder_for_a_past_day_is_refused(client, logged_in, make_moment, db):
    moment = make_moment()
    page = client.post(f"/moment/{moment.id}/handelser/flaggor",
                       data={"flaggtyp": "date_reminder", "date": "2026-03-01", "note": "För sent"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Datumet har redan passerat. Välj dagens datum eller ett senare." in page
    assert db.session.execute(db.select(FlagSubscription)).first() is None


def test_inactivity_of_one_day_on_a_moment_inactive_for_two_days_fires_at_the_tick(
        client, logged_in, make_moment, db, clock, tick):
    first, second = make_moment(), make_moment(personnummer="197503121233", first_name="Anna")
    clock.advance(days=2)
    client.post(f"/moment/{first.id}/handelser/flaggor",
                data={"flaggtyp": "patient_inactivity", "days": "1", "scope": "alla"})
    tick()
    text = "Invånaren har inte varit aktiv sedan momentet startade 2026-03-02 09:00 (1 dag)."
    assert sorted(tuple(r) for r in db.session.execute(db.select(Flag.enrollment_id, Flag.text))) == sorted(
        [(first.id, text), (second.id, text)])
    clock.advance(days=3)
    tick()
    assert db.session.execute(db.select(db.func.count(Flag.id))).scalar_one() == 2  # same stretch: once


def test_only_the_current_stretch_of_inactivity_fires_not_the_past_ones(
        client, logged_in, make_moment, db, clock, tick):
    moment = make_moment()
    clock.advance(days=3)
    messages.send_as_patient(moment, moment.patient, subject="Hej", body="Jag är här", now=clock())  # 03-05 09:00
    clock.advance(days=3)
    client.post(f"/moment/{moment.id}/handelser/flaggor", data={"flaggtyp": "patient_inactivity", "days": "1"})
    tick()
    assert _flags(db) == [("patient_inactivity",
                           "Invånaren har inte varit aktiv på 1 dag (senast aktiv 2026-03-05 09:00).")]
