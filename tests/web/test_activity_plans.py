"""Aktivitetsplaner: the three-step editor (innehåll, schema, inställningar)."""
from datetime import date

import pytest

from web.models import ActivityPlan, Event
from html_assert import has_element


@pytest.fixture
def base(client, login, clinician, moment):
    login(clinician)
    return f"/moment/{moment.id}/handelser/aktivitetsplaner"


def test_three_steps_create_an_activated_plan_and_an_event(client, base, db, moment):
    page = client.get(f"{base}/ny").get_data(as_text=True)
    for label in ("Registrering", "Skala", "Förväntning", "Tjänst", "Inbjudan"):
        assert f">{label}</button>" in page
    # step 1: adding an element re-renders the form; Nästa saves
    page = client.post(f"{base}/ny", data={"name": "Närvaro", "add": "scale"}).get_data(as_text=True)
    assert has_element(page, "input", name="element-kind-0", value="scale")
    response = client.post(f"{base}/ny", data={"name": "Närvaro", "element-kind-0": "scale",
                                               "element-text-0": "Hur starkt är suget?", "element-min-0": "0",
                                               "element-max-0": "10", "next": "1"})
    plan = db.session.execute(db.select(ActivityPlan)).scalar_one()
    assert response.headers["Location"] == f"{base}/{plan.id}/steg/2"
    # step 2: schedule
    response = client.post(f"{base}/{plan.id}/steg/2", data={
        "start": "2026-03-03", "repeat": "datum", "until": "2026-04-30", "every_weeks": "2",
        "time-0": "08:30", "day-0": ["mon", "thu"], "next": "1"})
    assert response.headers["Location"] == f"{base}/{plan.id}/steg/3"
    # step 3: settings
    response = client.post(f"{base}/{plan.id}/steg/3", data={"fill_days_after": "2", "flag_missed": "1",
                                                            "allow_comments": "1", "active": "1", "next": "1"})
    assert response.headers["Location"] == base
    db.session.refresh(plan)
    assert plan.elements == [{"kind": "scale", "text": "Hur starkt är suget?", "min": 0, "max": 10}]
    assert (plan.start_date, plan.repeat_until, plan.interval_weeks) == (date(2026, 3, 3), date(2026, 4, 30), 2)
    assert plan.times == [{"time": "08:30", "weekdays": ["mon", "thu"]}]
    assert (plan.fill_days_after, plan.flag_missed, plan.may_skip, plan.allow_comments, plan.active, plan.editor_step) \
        == (2, True, False, True, True, 3)
    assert db.session.execute(db.select(Event.text).where(Event.type == "activity_plan_added")).scalar_one() == \
        "Aktivitetsplan Närvaro skapades"
    listing = client.get(base).get_data(as_text=True)
    assert "Närvaro" in listing and "08:30 (Mån, Tors)" in listing and "Aktiverad" in listing


def test_a_time_that_is_not_a_whole_or_half_hour_is_refused(client, base, db):
    client.post(f"{base}/ny", data={"name": "Promenad", "element-kind-0": "registration",
                                    "element-text-0": "Gick du?", "next": "1"})
    plan = db.session.execute(db.select(ActivityPlan)).scalar_one()
    page = client.post(f"{base}/{plan.id}/steg/2", data={"start": "2026-03-03", "repeat": "tills-vidare",
                                                         "every_weeks": "1", "time-0": "14:15", "day-0": "mon",
                                                         "next": "1"}).get_data(as_text=True)
    assert "Tidpunkt 14:15: ange hel eller halvtimme, exempelvis 14:00, 17:30, 09:30." in page
    db.session.refresh(plan)
    assert plan.times == [] and plan.editor_step == 1


def test_a_plan_needs_a_name_and_an_element(client, base, db):
    page = client.post(f"{base}/ny", data={"name": "", "next": "1"}).get_data(as_text=True)
    assert "Ange ett namn på aktivitetsplanen." in page
    page = client.post(f"{base}/ny", data={"name": "Tom", "next": "1"}).get_data(as_text=True)
    assert "Lägg till minst ett innehållselement." in page
    assert db.session.execute(db.select(ActivityPlan)).first() is None


def test_step_three_cannot_be_reached_before_step_two(client, base, db):
    client.post(f"{base}/ny", data={"name": "Promenad", "element-kind-0": "registration", "next": "1"})
    plan = db.session.execute(db.select(ActivityPlan)).scalar_one()
    assert client.get(f"{base}/{plan.id}/steg/3").status_code == 404
    assert client.get(f"{base}/{plan.id}/steg/2").status_code == 200


def test_an_empty_added_time_row_is_dropped_and_a_time_without_a_time_is_named_by_its_number(client, base, db):
    client.post(f"{base}/ny", data={"name": "Promenad", "element-kind-0": "registration",
                                    "element-text-0": "Gick du?", "next": "1"})
    plan = db.session.execute(db.select(ActivityPlan)).scalar_one()
    schedule = {"start": "2026-03-03", "repeat": "tills-vidare", "every_weeks": "1", "time-0": "08:30",
                "day-0": "mon", "next": "1"}
    response = client.post(f"{base}/{plan.id}/steg/2", data={**schedule, "time-1": ""})
    assert response.headers["Location"] == f"{base}/{plan.id}/steg/3"
    db.session.refresh(plan)
    assert plan.times == [{"time": "08:30", "weekdays": ["mon"]}]
    page = client.post(f"{base}/{plan.id}/steg/2", data={**schedule, "time-1": "", "day-1": "tue"}
                       ).get_data(as_text=True)
    assert "Tidpunkt 2: ange en tid, exempelvis 14:00, 17:30, 09:30." in page


def test_aktiverad_starts_ticked_the_first_time_step_3_is_shown(client, base, db):
    client.post(f"{base}/ny", data={"name": "Promenad", "element-kind-0": "registration",
                                    "element-text-0": "Gick du?", "next": "1"})
    plan = db.session.execute(db.select(ActivityPlan)).scalar_one()
    client.post(f"{base}/{plan.id}/steg/2", data={"start": "2026-03-03", "repeat": "tills-vidare", "every_weeks": "1",
                                                  "time-0": "08:30", "day-0": "mon", "next": "1"})
    page = client.get(f"{base}/{plan.id}/steg/3").get_data(as_text=True)
    assert has_element(page, "input", name="active", value="1", checked=True)
    client.post(f"{base}/{plan.id}/steg/3", data={"fill_days_after": "5", "next": "1"})  # saved unticked
    page = client.get(f"{base}/{plan.id}/steg/3").get_data(as_text=True)
    assert has_element(page, "input", name="active", value="1", checked=False)
