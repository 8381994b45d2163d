"""The patient's acceptance flow in headless Chromium, from login to the clinician's Tidslinje."""
import pytest
from playwright.sync_api import expect

from patient_e2e_support import PASSWORD, assert_fits_the_screen, patient_logs_in, staff_logs_in

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

SKAL = "1.1. Vilka är dina viktigaste skäl för tobaksstoppet?"


@pytest.fixture
def jane(app, make_moment):
    """Jane Doe's Tobakshjälpen moment, her password set, and real espeak-ng audio of step 1.1 in the cache."""
    from web.content.audio import EspeakBackend, render_text
    from web.extensions import db
    from web.content.programs import get_program
    from web.services.core.accounts import set_password
    from web.services.core.audio import audio_cache

    enrollment = make_moment()
    set_password(enrollment.patient, PASSWORD)
    db.session.commit()
    step = get_program("tobakshjalpen").step("steg-1", "motivation")
    render_text(step.text, audio_cache(), EspeakBackend(), "sv", step.title)
    return enrollment


def test_patient_reads_listens_drafts_submits_and_the_clinician_finds_it_in_the_timeline(jane, phone, clinician):
    page = phone()
    patient_logs_in(page)
    page.get_by_role("link", name="Tobakshjälpen").click()
    expect(page.get_by_role("heading", name="Välkomsttext")).to_be_visible()
    expect(page.get_by_text("Hej och välkommen!")).to_be_visible()

    page.get_by_role("link", name="Steg 1 Uppvärmning och förberedelser – lägg en bra grund").click()
    page.get_by_role("link", name="1.1 Så här ökar du motivationen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1.1 Så här ökar du motivationen")
    assert_fits_the_screen(page)

    # the player loads the real espeak-ng MP3 (through Range requests) and knows its length
    duration = page.wait_for_function(
        "() => { const a = document.querySelector('audio'); return a && a.duration > 0 ? a.duration : false }")
    assert duration.json_value() > 1

    form = page.locator("#formular-skal")
    health = form.get_by_label("Jag vill få en bättre hälsa")
    money = form.get_by_label("Jag vill spara pengar")
    own_words = form.get_by_label("Beskriv med egna ord varför du vill sluta.")
    health.check()
    money.check()
    own_words.fill("Jag vill orka leka med barnbarnen.")
    form.get_by_role("button", name="Spara utkast").click()
    expect(page.get_by_text("Utkastet är sparat.")).to_be_visible()

    page.reload()
    expect(health).to_be_checked()
    expect(money).to_be_checked()
    expect(own_words).to_have_value("Jag vill orka leka med barnbarnen.")

    # "Hur viktigt är det …" is required and still unanswered
    form.get_by_role("button", name="Skicka in").click()
    expect(page.locator("#f-skal-viktigt-fel")).to_have_text("Fel: Frågan måste besvaras.")
    expect(page.get_by_role("alert")).to_have_text("Svaren kunde inte skickas in. Rätta det som är markerat.")
    expect(form.get_by_role("link", name="Hur viktigt är det för dig att sluta med tobak just nu? – Frågan måste besvaras.")
           ).to_have_attribute("href", "#f-skal-viktigt-0")
    expect(health).to_be_checked()
    expect(money).to_be_checked()
    expect(own_words).to_have_value("Jag vill orka leka med barnbarnen.")

    form.get_by_role("radio", name="8", exact=True).check()
    form.get_by_role("button", name="Skicka in").click()
    expect(page.get_by_text("Tack! Dina svar är inskickade.")).to_be_visible()
    expect(page.get_by_text("Tack! Spara dina skäl.")).to_be_visible()

    staff = phone()
    staff_logs_in(staff, clinician.username)
    staff.goto("/oversikt/mina")
    row = staff.get_by_role("row").filter(has_text="Doe, Jane")
    expect(row.get_by_text("1 oläst formulär")).to_be_visible()
    row.get_by_role("link", name="Doe, Jane").click()
    staff.get_by_role("link", name=SKAL).first.click()
    expect(staff.get_by_text("Jag vill orka leka med barnbarnen.")).to_be_visible()
    staff.get_by_role("link", name="Tidslinje").click()
    expect(staff.get_by_text(f"Formulär {SKAL} skickades in")).to_be_visible()
    staff.goto("/oversikt/mina")
    expect(staff.get_by_role("row").filter(has_text="Doe, Jane").get_by_text("oläst formulär")).to_have_count(0)


def test_show_if_applies_live_and_drafts_are_autosaved_with_javascript(jane, phone, app):
    from web.extensions import db
    from web.models import FormResponse

    page = phone()
    patient_logs_in(page)
    page.goto(f"/stod-och-behandling/{jane.id}/modul/steg-1/motivation")
    form = page.locator("#formular-skal")
    other = form.get_by_label("Vilket annat skäl?")
    expect(other).to_be_hidden()
    form.get_by_label("Annat skäl", exact=True).check()
    expect(other).to_be_visible()  # no reload: show_if.js evaluated the condition in the browser
    other.fill("Jag vill springa ett maraton.")
    expect(form.locator("[data-draft-status]")).to_contain_text("Utkastet sparades")
    db.session.expire_all()
    draft = db.session.execute(db.select(FormResponse).where(FormResponse.status == "draft")).scalar_one()
    assert draft.answers["annat_skal"] == "Jag vill springa ett maraton."
    assert draft.answers["skal"] == ["annat"]
