"""Answer alerts, the stop-day rule and follow-ups that start themselves, through the web services and the tick.

Tobakshjälpen's withdrawal form (Hur mår du? Abstinensbesvär) alerts at low mood 3 or 4; the 3-month
follow-up battery starts itself 90 days after the stop day answered in 1.4 Min stoppdag.
"""
from datetime import date, time, timedelta

import pytest

from web.models import Enrollment, Event, Flag
from web.services.clinician import moments
from web.services.errors import ServiceError
from web.services.patient import answers

CALM = {"sug": 0, "irritation": 0, "angslan": 0, "rastloshet": 0, "koncentration": 0, "somn": 0, "aptit": 0,
        "sjalvmordstankar": False}


def _steg_2_open(moment, clinician, clock):
    moments.activate_module(moment, "steg-2", days=None, user=clinician, membership=clinician.memberships[0],
                            now=clock())


def test_low_mood_alerts_the_clinician_without_any_subscription(db, make_moment, clinician, clock):
    moment = make_moment()
    _steg_2_open(moment, clinician, clock)
    clock.advance(hours=1)
    answers.submit_form(moment, moment.patient, "abstinens", {**CALM, "nedstamdhet": 4}, now=clock(),
                        module_id="steg-2")
    flags = db.session.execute(db.select(Flag).where(Flag.enrollment_id == moment.id)).scalars().all()
    assert [(f.type, f.raised_at) for f in flags] == [("answer_alert", clock())]
    assert "Mycket nedstämd eller ledsen (3 eller 4 av 4)" in flags[0].text
    timeline = db.session.execute(db.select(Event.text).where(Event.type == "flag_raised")).scalars().all()
    assert any(t.startswith("Svar kräver uppmärksamhet:") for t in timeline)


def test_low_mood_2_raises_no_alert(db, make_moment, clinician, clock):
    moment = make_moment()
    _steg_2_open(moment, clinician, clock)
    answers.submit_form(moment, moment.patient, "abstinens", {**CALM, "nedstamdhet": 2}, now=clock(),
                        module_id="steg-2")
    assert db.session.execute(db.select(Flag)).scalars().all() == []


def test_the_patient_reads_the_alert_feedback_before_the_score_band(client, db, make_moment, clinician, clock):
    from web.services.core.accounts import set_password

    moment = make_moment()
    _steg_2_open(moment, clinician, clock)
    answers.submit_form(moment, moment.patient, "abstinens", {**CALM, "nedstamdhet": 4}, now=clock(),
                        module_id="steg-2")
    set_password(moment.patient, "ett-langt-demolosenord")
    db.session.commit()
    login = client.post("/invanare/logga-in", data={"personnummer": "19610831-2460",
                                                    "password": "ett-langt-demolosenord"})
    assert login.status_code == 302, login.get_data(as_text=True)
    page = client.get(f"/stod-och-behandling/{moment.id}/modul/steg-2/abstinensbesvar").get_data(as_text=True)
    alert = page.index('class="alert-feedback"')
    assert "Du har svarat att du är mycket nedstämd eller ledsen." in page[alert:]
    assert "ring 112" in page[alert:]
    band = page.find('class="band-feedback"')
    assert band == -1 or alert < band  # the alert first, whatever the score band says


def test_a_stop_day_more_than_14_days_ahead_is_refused_with_the_authored_message(db, make_moment, clock):
    moment = make_moment()
    far = (clock() + timedelta(days=20)).date()
    with pytest.raises(ServiceError) as caught:
        answers.submit_form(moment, moment.patient, "stoppdag", {"stoppdag": far, "tilltro": 7}, now=clock(),
                            module_id="steg-1")
    assert "stoppdag" in caught.value.fields
    assert db.session.execute(db.select(db.func.count()).select_from(Event).where(
        Event.type == "form_submitted")).scalar_one() == 0


def test_the_3_month_follow_up_starts_itself_90_days_after_the_stop_day(db, make_moment, clock, tick):
    moment = make_moment()
    stop_day = clock().date() + timedelta(days=10)  # 2026-03-12
    answers.submit_form(moment, moment.patient, "stoppdag", {"stoppdag": stop_day, "tilltro": 7}, now=clock(),
                        module_id="steg-1")
    from engine.localtime import at_local
    from web.services.operations.batteries import auto_battery_candidates

    stored = db.session.get(Enrollment, moment.id)
    assert stored.next_battery_at == at_local(date(2026, 6, 10), time(9, 0))  # kept by the action itself
    assert auto_battery_candidates(clock()) == []  # a steady tick does not read this moment
    clock.advance(days=99)  # 2026-06-09: the stop day + 89 days, one day early
    tick()
    assert db.session.get(Enrollment, moment.id).batteries == []
    clock.advance(days=2)  # 2026-06-11 09:00, after 2026-06-10 09:00 (stop day + 90 days)
    report = tick()
    assert report.batteries == 1
    db.session.expire_all()
    assert db.session.get(Enrollment, moment.id).batteries == ["uppfoljning-3-manader"]
    started = db.session.execute(db.select(Event).where(Event.type == "battery_started")).scalar_one()
    assert started.actor_kind == "system" and "startades automatiskt" in started.text
    assert started.at.date() == date(2026, 6, 10)
    flags = db.session.execute(db.select(Flag.type)).scalars().all()
    assert flags == ["battery_started"]
    assert tick().batteries == 0  # once per moment
    db.session.expire_all()
    # the next one (6 months after the stop day) is what the tick waits for now
    assert db.session.get(Enrollment, moment.id).next_battery_at == at_local(date(2026, 9, 8), time(9, 0))
