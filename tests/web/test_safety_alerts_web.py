"""Urgent alerts and holds through the web (issue 23), on SQLite and PostgreSQL.

The program is tests/data/safety/sakerhet.yaml: "Frågor om din hälsa" (halsa) alerts urgently on
thoughts of self-harm (`tankar`) and, on psychiatric medication (`medicin`), holds the stop-day form
and step 1.2 until the clinician has handled the flag.
"""
from datetime import time, timedelta
from pathlib import Path

import pytest

from patient_support import html_text

from web.models import Event, Flag, FormResponse, Notice
from web.services.clinician import flags as flag_service
from web.services.clinician.hantera import hantera
from web.services.clinician.overview import overview_page
from web.services.errors import ServiceError
from web.services.operations.tick import run_tick
from web.services.patient import answers

SAFETY = Path(__file__).resolve().parents[1] / "data" / "safety" / "sakerhet.yaml"
CALM = {"tankar": False, "medicin": False}


def with_sakerhet(request) -> dict:
    """PROGRAMS: every program in programs/ plus the safety test program."""
    from engine.loader import load_program

    return {**request.getfixturevalue("programs"), "sakerhet": load_program(SAFETY)}


pytestmark = pytest.mark.app_config(PROGRAMS=with_sakerhet, BASE_URL="https://stegvis.example.se")


@pytest.fixture
def marita(db, clinician):
    """The responsible clinician, with e-mail and mobile but every notice setting off and no subscription."""
    clinician.email, clinician.mobile = "marita@example.se", "+46701234567"
    clinician.notify_email = clinician.notify_sms = False
    db.session.commit()
    return clinician


@pytest.fixture
def moment(start, marita):
    return start("sakerhet", user=marita)


def _submit(moment, clock, form_id="halsa", module_id="start", **answers_):
    return answers.submit_form(moment, moment.patient, form_id, {**CALM, **answers_} if form_id == "halsa"
                               else answers_, now=clock(), module_id=module_id)


def _notices(db, template):
    return db.session.execute(db.select(Notice).where(Notice.template == template)
                              .order_by(Notice.channel)).scalars().all()


# ---------------------------------------------------------------- urgent


def test_an_urgent_alert_emails_and_texts_the_clinician_at_once_without_a_subscription(db, moment, marita, clock):
    _submit(moment, clock, tankar=True)
    [flag] = db.session.execute(db.select(Flag)).scalars().all()
    assert (flag.type, flag.urgent, flag.raised_at) == ("answer_alert", True, clock())
    urgent = _notices(db, "urgent_flag")
    assert [(n.channel, n.address, n.recipient_user_id, n.next_attempt_at) for n in urgent] == [
        ("email", "marita@example.se", marita.id, clock()), ("sms", "+46701234567", marita.id, clock())]
    assert _notices(db, "flag_raised") == []  # not the batched kind as well
    [event] = db.session.execute(db.select(Event).where(Event.type == "flag_raised")).scalars().all()
    assert event.text.startswith("Brådskande – Svar kräver uppmärksamhet: Tankar på att skada sig själv")


def test_an_urgent_notice_is_neutral(app):
    from web.notify.templates import render

    for channel in ("email", "sms"):
        body = render("urgent_flag", channel, "https://stegvis.example.se/logga-in").body
        assert "brådskande händelse" in body
        for word in ("skada", "tankar", "Säkerhetsprov", "Jane", "självmord", "formulär"):
            assert word.lower() not in body.lower()


def test_a_non_urgent_alert_waits_for_the_clinicians_notice_setting(db, moment, clock):
    _submit(moment, clock, medicin=True)
    assert [f.urgent for f in db.session.execute(db.select(Flag)).scalars()] == [False]
    assert _notices(db, "urgent_flag") == [] and _notices(db, "flag_raised") == []


def test_urgent_flags_stand_first_in_hantera_and_handelser_though_older(db, moment, clock):
    _submit(moment, clock, tankar=True)
    clock.advance(hours=2)
    _submit(moment, clock, medicin=True)
    texts = [f.text.split(":")[0] for f in hantera(moment, clock()).open_flags]
    assert texts == ["Tankar på att skada sig själv", "Läkemedel mot psykisk ohälsa"]
    assert [f.urgent for f in flag_service.open_flags(moment)] == [True, False]


def test_the_overview_lists_moments_with_urgent_flags_first_and_marks_the_row(db, start, moment, marita, clock):
    other = start("sakerhet", personnummer="198112289874", user=marita, first_name="Adam", last_name="Andersson")
    _submit(other, clock, medicin=True)  # Andersson sorts before Doe, with a non-urgent flag
    _submit(moment, clock, tankar=True)
    page = overview_page(marita.memberships[0], tab="mina")
    assert [r.name for r in page.rows] == ["Andersson, Adam", "Doe, Jane"]
    assert [(r.name, r.urgent_flags) for r in page.urgent] == [("Doe, Jane", 1)]
    assert [r.urgent_flags for r in page.rows] == [0, 1]


def test_the_overview_page_shows_brådskande_first(client, login, moment, marita, clock):
    _submit(moment, clock, tankar=True)
    login(marita)
    page = html_text(client.get("/oversikt/mina"))
    assert page.index("Brådskande händelser") < page.index("<table")
    assert "1 brådskande flagga" in page


def test_handling_the_urgent_flag_takes_it_off_the_overview_list(db, moment, marita, clock):
    _submit(moment, clock, tankar=True)
    [flag] = flag_service.open_flags(moment)
    flag_service.handle_flag(flag, user=marita, membership=marita.memberships[0], now=clock())
    assert overview_page(marita.memberships[0], tab="mina").urgent == []


# ---------------------------------------------------------------- escalation


@pytest.fixture
def admin(make_staff):
    return make_staff("bo.admin", roles="behorighetsadmin", name="Bo Admin", email="bo@example.se")


def test_an_urgent_flag_unhandled_for_a_working_day_reaches_behorighetsadmin_once(db, moment, admin, clock):
    # Monday 2026-03-02 09:00: one working day later is Tuesday 09:00
    _submit(moment, clock, tankar=True)
    clock.advance(hours=23, minutes=59)
    run_tick(clock(), deliver=False)
    assert _notices(db, "urgent_unhandled") == []
    clock.advance(minutes=1)
    assert run_tick(clock(), deliver=False).escalated == 1
    [notice] = _notices(db, "urgent_unhandled")
    assert (notice.address, notice.recipient_user_id) == ("bo@example.se", admin.id)
    assert run_tick(clock() + timedelta(hours=5), deliver=False).escalated == 0
    [event] = db.session.execute(db.select(Event).where(Event.type == "urgent_escalated")).scalars().all()
    assert event.text == "Brådskande flagga ohanterad sedan 2026-03-02 09:00: Behörighetsadmin aviserades"


def test_a_friday_evening_flag_escalates_on_monday_and_a_handled_one_never(db, moment, admin, clock, marita):
    clock.advance(days=4, hours=11)  # Friday 2026-03-06 20:00
    _submit(moment, clock, tankar=True)
    clock.advance(days=2, hours=23)  # Monday 19:00
    assert run_tick(clock(), deliver=False).escalated == 0
    clock.advance(hours=1)  # Monday 20:00
    [flag] = flag_service.open_flags(moment)
    flag_service.handle_flag(flag, user=marita, membership=marita.memberships[0], now=clock())
    assert run_tick(clock(), deliver=False).escalated == 0
    assert _notices(db, "urgent_unhandled") == []


def test_a_units_setting_gives_more_working_days(db, moment, admin, clock):
    from web.models import UnitSetting

    db.session.add(UnitSetting(care_unit_id=moment.care_unit_id, key="urgent_escalation_days", program_id="",
                               value=2, updated_at=clock()))
    db.session.commit()
    _submit(moment, clock, tankar=True)
    assert run_tick(clock() + timedelta(days=1), deliver=False).escalated == 0
    assert run_tick(clock() + timedelta(days=2), deliver=False).escalated == 1


# ---------------------------------------------------------------- holds


def test_a_held_form_cannot_be_submitted_even_by_a_crafted_post(client, db, moment, patient_login, clock):
    _submit(moment, clock, medicin=True)
    patient_login()
    url = f"/stod-och-behandling/{moment.id}/modul/start/stoppdag/formular/stoppdag"
    response = client.post(url, data={"stoppdag": "2026-03-09", "stegvis-atgard": "skicka",
                                      "stegvis-token": "0" * 32})
    assert response.status_code == 422
    assert "Din behandlare behöver titta på dina svar om läkemedel" in html_text(response)
    submitted = db.session.execute(db.select(FormResponse.form_id).where(FormResponse.status == "submitted"))
    assert submitted.scalars().all() == ["halsa"]
    with pytest.raises(ServiceError):
        _submit(moment, clock, form_id="stoppdag", stoppdag=clock().date())


def test_the_patient_sees_what_waits_and_can_still_write_to_the_clinician(client, moment, patient_login, clock):
    _submit(moment, clock, medicin=True)
    patient_login()
    step = html_text(client.get(f"/stod-och-behandling/{moment.id}/modul/start/stoppdag"))
    assert "Det här väntar på din behandlare." in step
    assert "Din behandlare behöver titta på dina svar om läkemedel innan du väljer stoppdag." in step
    assert f'href="/stod-och-behandling/{moment.id}/meddelanden/ny"' in step
    assert 'name="stoppdag"' not in step  # no form to fill in
    home = html_text(client.get(f"/stod-och-behandling/{moment.id}/"))
    assert "Det här väntar på din behandlare." in home
    module = html_text(client.get(f"/stod-och-behandling/{moment.id}/modul/start/"))
    assert module.count('<span class="held-label">Väntar på din behandlare</span>') == 1  # step 1.2 only
    assert client.get(f"/stod-och-behandling/{moment.id}/meddelanden/ny").status_code == 200
    sent = client.post(f"/stod-och-behandling/{moment.id}/meddelanden/ny",
                       data={"subject": "Mina läkemedel", "body": "Jag tar klozapin."})
    assert sent.status_code == 302


def test_hantera_shows_the_hold_and_releasing_it_by_hand_is_audited(client, db, login, moment, marita, clock):
    _submit(moment, clock, medicin=True)
    login(marita)
    page = html_text(client.get(f"/moment/{moment.id}/hantera"))
    assert "Spärrat tills du har tittat" in page
    assert "formuläret Min stoppdag, avsnitt 1.2 Min stoppdag" in page and "Läkemedel mot psykisk ohälsa" in page
    [flag] = flag_service.open_flags(moment)
    response = client.post(f"/moment/{moment.id}/handelser/flagga/{flag.id}/slapp-sparren")
    assert response.status_code == 302
    db.session.refresh(flag)
    assert flag.hold_released_by_id == marita.id and flag.handled_at is None
    [event] = db.session.execute(db.select(Event).where(Event.type == "hold_released")).scalars().all()
    assert (event.actor_name, event.text) == ("Marita Andersson", "Spärren släpptes (Läkemedel mot psykisk ohälsa): "
                                                                  "formuläret Min stoppdag, avsnitt 1.2 Min stoppdag")
    assert "Spärrat tills du har tittat" not in html_text(client.get(f"/moment/{moment.id}/hantera"))
    _submit(moment, clock, form_id="stoppdag", stoppdag=clock().date())  # now accepted


def test_handling_the_flag_releases_the_hold(db, moment, marita, clock):
    _submit(moment, clock, medicin=True)
    with pytest.raises(ServiceError):
        answers.view_step(moment, moment.patient, "start", "stoppdag", now=clock())
    [flag] = flag_service.open_flags(moment)
    flag_service.handle_flag(flag, user=marita, membership=marita.memberships[0], now=clock())
    answers.view_step(moment, moment.patient, "start", "stoppdag", now=clock())
    _submit(moment, clock, form_id="stoppdag", stoppdag=clock().date())
    with pytest.raises(ServiceError, match="redan"):
        flag_service.release_hold(flag, user=marita, membership=marita.memberships[0], now=clock())


def test_a_flag_that_holds_nothing_cannot_be_released(db, moment, marita, clock):
    _submit(moment, clock, tankar=True)
    [flag] = flag_service.open_flags(moment)
    with pytest.raises(ServiceError, match="spärrar inget"):
        flag_service.release_hold(flag, user=marita, membership=marita.memberships[0], now=clock())


# ---------------------------------------------------------------- author preview


@pytest.mark.sqlite_only
def test_the_author_preview_says_what_the_tried_answers_alerts_do(app, clock):
    from werkzeug.datastructures import MultiDict

    from engine.loader import load_program
    from web.services.author import alert_effects, try_form

    program = load_program(SAFETY)
    tried = try_form(program.form("halsa"), MultiDict({"tankar": "yes", "medicin": "yes"}), clock())
    assert alert_effects(program, [tried]) == [
        "Frågor om din hälsa: larmet Tankar på att skada sig själv är brådskande – ansvarig behandlare får e-post "
        "och sms direkt (utan innehåll), flaggan står först i listorna och Behörighetsadmin aviseras om den inte "
        "hanteras.",
        "Frågor om din hälsa: larmet Läkemedel mot psykisk ohälsa spärrar formuläret Min stoppdag, avsnitt 1.2 Min "
        "stoppdag tills flaggan är hanterad. Invånaren ser: Din behandlare behöver titta på dina svar om läkemedel "
        "innan du väljer stoppdag."]
    calm = try_form(program.form("halsa"), MultiDict({"tankar": "no", "medicin": "no"}), clock())
    assert alert_effects(program, [calm]) == []


def test_an_urgent_flag_the_tick_raises_in_a_batch_is_told_at_once_too(db, moment, marita, clock):
    """A submission whose flag was never stored (e.g. an older version's bug): the tick raises it with the
    moment's time-driven flags, through the batch, and the urgent notice goes out as from the unit of work."""
    from web.models import FlagSubscription

    _submit(moment, clock, tankar=True)
    submitted_at = clock()
    db.session.execute(db.delete(Notice))
    db.session.execute(db.delete(Flag))
    db.session.execute(db.delete(Event).where(Event.type == "flag_raised"))
    db.session.add(FlagSubscription(user_id=marita.id, enrollment_id=moment.id, type="patient_inactivity",
                                    params={"days": 1}, created_at=clock()))
    db.session.commit()
    clock.advance(days=2)
    assert run_tick(clock(), deliver=False).flags == 2
    urgent = db.session.execute(db.select(Flag).where(Flag.urgent.is_(True))).scalar_one()
    assert urgent.raised_at == submitted_at
    assert [(n.channel, n.recipient_user_id) for n in _notices(db, "urgent_flag")] == [
        ("email", marita.id), ("sms", marita.id)]


# ---------------------------------------------------------------- pick: first


def test_follow_ups_stay_on_the_first_stop_day_after_a_new_one(db, moment, clock, tick):
    from engine.localtime import at_local
    from stegvis_testing import reload_moment
    from web.services.core.rows import build_state

    first = clock().date() + timedelta(days=7)
    _submit(moment, clock, form_id="stoppdag", stoppdag=first)
    clock.advance(days=20)
    _submit(moment, clock, form_id="stoppdag", stoppdag=clock().date() + timedelta(days=3))  # after a relapse
    db.session.expire_all()
    assert dict(build_state(moment).anchor_dates) == {"stoppdag/stoppdag@first": first}
    due = at_local(first + timedelta(days=30), time(9))  # 30 days after the first stop day, not the new one
    clock.at = due - timedelta(minutes=1)  # (advance() adds wall-clock time: this range crosses the DST change)
    tick()
    assert reload_moment(db, moment).batteries in (None, [])
    clock.advance(minutes=1)
    tick()
    assert reload_moment(db, moment).batteries == ["en-manad"]
