"""Dagar kvar (issue 13, point 2): "Ingen tidsgräns" is chosen explicitly, 0 means no days left, unchanged saves nothing."""
from pathlib import Path

import pytest

from html_assert import elements
from web.models import EnrollmentModule, Event

ROOT = Path(__file__).resolve().parents[2]
STEG_1 = "Steg 1 Uppvärmning och förberedelser – lägg en bra grund"


@pytest.fixture
def hantera(client, login, clinician, moment):
    login(clinician)
    return lambda: client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)


def _days(db, moment, module_id="steg-1"):
    db.session.expire_all()
    return db.session.execute(db.select(EnrollmentModule.days).where(
        EnrollmentModule.enrollment_id == moment.id, EnrollmentModule.module_id == module_id)).scalar_one()


def _days_events(db):
    return db.session.execute(db.select(Event.text).where(Event.type == "days_changed").order_by(Event.id)).scalars().all()


def _post(client, moment, **data):
    return client.post(f"/moment/{moment.id}/modul/dagar", data={"module": "steg-1", **data},
                       follow_redirects=True).get_data(as_text=True)


def _patient_module(app, moment):
    """The patient's module page, in a client and app context of its own (the staff login stays apart)."""
    patient = app.test_client()
    with patient.session_transaction() as session:
        session["_user_id"] = moment.patient.get_id()
        session["_fresh"] = True
    with app.app_context():
        return patient.get(f"/stod-och-behandling/{moment.id}/modul/steg-1/").get_data(as_text=True)


def test_an_unchanged_save_records_nothing_and_says_so(client, hantera, moment, db):
    hantera()
    page = _post(client, moment, days="7")
    assert "Inget ändrades." in page and "Dagar kvar är ändrat." not in page
    assert _days_events(db) == [] and _days(db, moment) == 7


def test_ingen_tidsgrans_is_a_checkbox_and_saving_it_unchanged_keeps_it(client, hantera, moment, db):
    hantera()
    _post(client, moment, days="", no_limit="1")
    assert _days(db, moment) is None
    assert _days_events(db) == [f"Dagar kvar för modul {STEG_1} ändrades till ingen tidsgräns"]
    page = hantera()
    assert elements(page, "input", id="ingen-grans-steg-1", type="checkbox", name="no_limit", checked=True)
    assert elements(page, "input", id="dagar-steg-1", value="")
    assert "Inget ändrades." in _post(client, moment, days="", no_limit="1")
    assert len(_days_events(db)) == 1


def test_zero_days_left_keeps_the_limit_and_shows_that_time_is_up(client, hantera, moment, db, app):
    hantera()
    page = _post(client, moment, days="0")
    assert "Dagar kvar är ändrat." in page
    assert _days(db, moment) == 0  # a limit of zero days, not "no limit"
    assert _days_events(db) == [f"Dagar kvar för modul {STEG_1} ändrades till 0"]
    page = hantera()
    assert "Tiden har gått ut (0 dagar kvar)." in page
    assert elements(page, "input", id="dagar-steg-1", value="0")
    assert elements(page, "input", id="ingen-grans-steg-1", checked=False)
    patient_page = _patient_module(app, moment)  # the patient is told calmly (issue 25), not "0 dagar kvar"
    assert "Planerad tid slut, fortsätt i din egen takt" in patient_page and "0 dagar kvar" not in patient_page


def test_a_module_whose_days_ran_out_shows_it_and_saving_zero_changes_nothing(client, hantera, moment, db, clock):
    clock.advance(days=9)  # steg-1 had 7 days
    page = hantera()
    assert "Tiden har gått ut (0 dagar kvar)." in page
    assert elements(page, "input", id="dagar-steg-1", value="0")
    assert "Inget ändrades." in _post(client, moment, days="0")
    assert _days_events(db) == [] and _days(db, moment) == 7


def test_the_patient_sees_ingen_tidsgrans(client, hantera, moment, db, app):
    _post(client, moment, days="", no_limit="1")
    page = _patient_module(app, moment)
    assert "Ingen tidsgräns" in page and "dagar kvar" not in page


def test_an_empty_field_without_the_checkbox_is_refused(client, hantera, moment, db):
    hantera()
    assert "Dagar kvar måste vara ett heltal mellan 0 och 3650." in _post(client, moment, days="")
    assert _days(db, moment) == 7


def test_satt_till_aktuell_with_ingen_tidsgrans_and_with_zero(client, hantera, moment, db):
    hantera()
    client.post(f"/moment/{moment.id}/modul/aktuell", data={"module": "steg-2", "days": "14", "no_limit": "1"})
    assert _days(db, moment, "steg-2") is None
    client.post(f"/moment/{moment.id}/modul/aktuell", data={"module": "steg-3", "days": "0"})
    assert _days(db, moment, "steg-3") == 0


def test_the_maximum_comes_from_the_engine(hantera):
    from engine.moment.rules import MAX_DAYS

    assert elements(hantera(), "input", id="dagar-steg-1", max=str(MAX_DAYS))
    sources = [*ROOT.joinpath("web", "templates", "clinician").glob("*.html"), *ROOT.joinpath("web", "clinician").glob("*.py")]
    assert [p.name for p in sources if "3650" in p.read_text(encoding="utf-8")] == []
