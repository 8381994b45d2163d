"""An urgent alert in a real browser (issue 23): the patient answers yes to thoughts of self-harm and
reads the urgent advice first; the clinician, who subscribed to nothing, finds the urgent flag first on
the overview and in Händelser, and the e-mail arrives at the real SMTP server on the next delivery pass."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from notify_support import transports
from patient_e2e_support import PASSWORD, patient_logs_in, staff_logs_in

SAFETY = Path(__file__).resolve().parents[1] / "data" / "safety" / "sakerhet.yaml"


def with_sakerhet(request) -> dict:
    from engine.loader import load_program

    return {**request.getfixturevalue("programs"), "sakerhet": load_program(SAFETY)}


pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only,
              pytest.mark.app_config(PROGRAMS=with_sakerhet, BASE_URL="https://stegvis.example.se")]


@pytest.fixture
def moments(db, start, clinician):
    """Two of Marita's moments: Adam Andersson (sorts first, an older non-urgent flag) and Jane Doe."""
    from web.services.patient import answers

    clinician.email, clinician.mobile, clinician.notify_email, clinician.notify_sms = (
        "marita@example.se", "+46701234567", False, False)
    db.session.commit()
    adam = start("sakerhet", personnummer="198112289874", password=PASSWORD, first_name="Adam",
                 last_name="Andersson")
    answers.submit_form(adam, adam.patient, "halsa", {"tankar": False, "medicin": True}, now=adam.started_at,
                        module_id="start")
    return adam, start("sakerhet", password=PASSWORD)


def test_an_urgent_answer_shows_its_advice_first_and_reaches_the_clinician_at_once(
        moments, phone, clinician, clock, smtp, sms, app):
    from web.services.operations.tick import run_tick

    assert len(moments) == 2
    page = phone()
    patient_logs_in(page)
    page.get_by_role("link", name="Säkerhetsprov").click()
    page.get_by_role("link", name="Start").click()
    page.get_by_role("link", name="1.1 Din hälsa").click()
    form = page.locator("#formular-halsa")
    form.get_by_role("group", name="Har du under de senaste två veckorna haft tankar").get_by_label("Ja").check()
    form.get_by_role("group", name="Tar du läkemedel mot psykisk ohälsa?").get_by_label("Ja").check()
    form.get_by_role("button", name="Skicka in").click()
    expect(page.get_by_text("Tack! Dina svar är inskickade.")).to_be_visible()
    advice = page.locator("#formular-halsa .alert-feedback")
    expect(advice).to_have_count(2)
    expect(advice.first).to_contain_text("Självmordslinjen på 90101")  # the urgent one first
    expect(advice.first).to_contain_text("ring 112")
    expect(advice.nth(1)).to_contain_text("vilka läkemedel du tar")

    staff = phone()
    staff_logs_in(staff, "marita.andersson")
    # a Behandlare lands on Att göra: the urgent event is its first row, whatever its age
    first_row = staff.get_by_role("table", name="Ohanterade händelser").locator("tbody tr").first
    expect(first_row).to_contain_text("Brådskande:")
    expect(first_row).to_contain_text("Doe, Jane")
    staff.get_by_role("link", name="Mina", exact=True).click()
    urgent = staff.get_by_role("region", name="Brådskande händelser")
    expect(urgent.get_by_role("link", name="Doe, Jane")).to_be_visible()
    assert staff.locator("main").inner_text().index("Brådskande händelser") < \
        staff.locator("main").inner_text().index("Andersson, Adam")
    urgent.get_by_role("link", name="Doe, Jane").click()
    unhandled = staff.get_by_role("region", name="Ohanterade händelser")
    expect(unhandled.locator("li").first).to_contain_text("Brådskande")
    expect(unhandled.locator("li").first).to_contain_text("Tankar på att skada sig själv")
    staff.get_by_role("link", name="Händelser").first.click()
    open_flags = staff.get_by_role("region", name="Öppna flaggor").locator("li")
    expect(open_flags.first).to_contain_text("Brådskande")
    expect(open_flags.first).to_contain_text("Tankar på att skada sig själv")
    expect(open_flags.nth(1)).to_contain_text("Läkemedel mot psykisk ohälsa")

    # the next delivery pass sends the neutral e-mail (and SMS) without any subscription or setting
    report = run_tick(clock(), transports=transports(smtp, sms))
    assert report.delivery.sent >= 2
    mails = [m for m in smtp.inbox.messages if m["To"] == "marita@example.se"]
    assert [m["Subject"] for m in mails] == ["Brådskande händelse i Stegvis"]
    body = mails[0].get_content()
    assert "brådskande händelse" in body and "https://stegvis.example.se/logga-in" in body
    assert "Tankar" not in body and "Jane" not in body and "Säkerhetsprov" not in body
