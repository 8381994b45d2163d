"""The idle warning: patient pages carry the seconds left of the session; Fortsätt vara inloggad keeps it."""
import re

import pytest

from html_assert import elements

pytestmark = pytest.mark.app_config(SESSION_IDLE_MINUTES_PATIENT=15)


def _dialog(page: str) -> dict:
    (dialog,) = elements(page, "dialog", id="idle-warning")
    return dialog


def test_patient_pages_carry_the_seconds_left_and_the_whole_idle_limit(client, make_moment, login_patient, clock):
    moment = make_moment()
    login_patient(moment.patient)
    page = client.get(f"/stod-och-behandling/{moment.id}/").get_data(as_text=True)
    dialog = _dialog(page)
    assert dialog["data-seconds-left"] == "900" and dialog["data-idle-seconds"] == "900"
    assert dialog["data-warn-before"] == "120" and "open" not in dialog
    assert "Fortsätt vara inloggad</button>" in page and "/static/idle.js" in page
    # 30 s later the last touch (made by the page above) still counts: 870 s are left, not 900
    clock.advance(seconds=30)
    later = _dialog(client.get(f"/stod-och-behandling/{moment.id}/").get_data(as_text=True))
    assert later["data-seconds-left"] == "870"


def test_fortsatt_vara_inloggad_keeps_the_session(client, make_moment, login_patient, clock):
    moment = make_moment()
    login_patient(moment.patient)
    page = client.get("/invanare/installningar").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    clock.advance(minutes=14)
    kept = client.post("/invanare/fortsatt-inloggad", data={"csrf_token": token},
                       headers={"Accept": "application/json"})
    assert kept.status_code == 200 and kept.get_json() == {"seconds_left": 900}
    clock.advance(minutes=14)  # 28 minutes after the page, 14 after Fortsätt vara inloggad
    assert client.get("/invanare/installningar").status_code == 200


def test_without_javascript_the_button_returns_to_the_page(client, make_moment, login_patient):
    moment = make_moment()
    login_patient(moment.patient)
    response = client.post("/invanare/fortsatt-inloggad", data={"next": "/invanare/installningar"})
    assert response.status_code == 302 and response.headers["Location"] == "/invanare/installningar"
    elsewhere = client.post("/invanare/fortsatt-inloggad", data={"next": "https://evil.example/"})
    assert elsewhere.headers["Location"] == "/stod-och-behandling/"


def test_staff_and_anonymous_pages_have_no_idle_warning(client, login, clinician):
    assert 'id="idle-warning"' not in client.get("/invanare/logga-in").get_data(as_text=True)
    login(clinician)
    assert 'id="idle-warning"' not in client.get("/oversikt/alla").get_data(as_text=True)
