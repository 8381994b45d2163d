"""Daily use in headless Chromium: Att göra's oldest event in one click, Fortsätt first on the patient's home,
Enter in a text field sends the form."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert

from data_support import pnr
from patient_e2e_support import PASSWORD, assert_accessible, patient_logs_in, staff_logs_in

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


@pytest.fixture
def jane(app, make_moment):
    """Jane Doe's Tobakshjälpen moment with her password set."""
    from web.extensions import db
    from web.services.core.accounts import set_password

    enrollment = make_moment()
    set_password(enrollment.patient, PASSWORD)
    db.session.commit()
    return enrollment


def test_a_clinician_with_40_moments_reaches_the_oldest_unhandled_event_from_att_gora_in_one_click(
        live_server, phone, axe, clinician, make_moment, db, clock):
    from web.models import Flag

    moments = [make_moment(pnr("19700101", 100 + i), first_name=f"Person{i:02d}", last_name=f"Efternamn{i:02d}")
               for i in range(40)]
    now = clock()
    # every moment has events of a few hours to a few days; Person17's is the oldest of all
    db.session.execute(insert(Flag), [
        {"enrollment_id": m.id, "type": "patient_inactivity", "cause_key": f"k{m.id}-{j}", "text": f"Händelse {i}-{j}",
         "raised_at": now - timedelta(hours=1 + (i * 7 + j * 13) % 90)} for i, m in enumerate(moments) for j in range(3)])
    oldest = moments[17]
    db.session.execute(insert(Flag), [{"enrollment_id": oldest.id, "type": "form_saved", "cause_key": "oldest",
                                       "text": "Formulär sparat för länge sedan", "raised_at": now - timedelta(days=12)}])
    db.session.commit()
    flag_id = db.session.execute(db.select(Flag.id).where(Flag.cause_key == "oldest")).scalar_one()

    page = phone()
    staff_logs_in(page, clinician.username)
    expect(page.get_by_role("heading", name="Att göra", exact=True)).to_be_visible()  # where a clinician lands
    expect(page.get_by_role("link", name="Att göra 121")).to_have_attribute("aria-current", "page")
    assert_accessible(axe, page)
    first_row = page.get_by_role("row").nth(1)
    expect(first_row).to_contain_text("Efternamn17, Person17")
    expect(first_row).to_contain_text("12 dagar")
    first_row.get_by_role("link", name="Formulär sparat").click()  # the one click
    page.wait_for_url(f"**/moment/{oldest.id}/handelser#flagga-{flag_id}")
    expect(page.locator(f"#flagga-{flag_id}")).to_contain_text("Formulär sparat för länge sedan")
    expect(page.locator(f"#flagga-{flag_id}").get_by_role("button", name="Hantera")).to_be_visible()


def test_the_first_tab_stop_after_the_skip_link_on_the_home_is_fortsatt(jane, phone, axe):
    page = phone()
    patient_logs_in(page)
    page.goto(f"/stod-och-behandling/{jane.id}/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Hoppa till innehållet")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_accessible_name("Fortsätt I.1 Välkommen till Tobakshjälpen")  # Inledning comes first
    assert_accessible(axe, page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("I.1 Välkommen till Tobakshjälpen")


def test_enter_in_a_text_field_sends_the_form(jane, phone, app):
    from web.extensions import db
    from web.models import FormResponse

    page = phone()
    patient_logs_in(page)
    page.goto(f"/stod-och-behandling/{jane.id}/modul/steg-1/motivation")
    form = page.locator("#formular-skal")
    form.get_by_label("Annat skäl", exact=True).check()
    form.get_by_role("radio", name="8", exact=True).check()
    other = form.get_by_label("Vilket annat skäl?")
    expect(other).to_be_visible()
    other.fill("Jag vill springa ett maraton.")
    other.press("Enter")
    expect(page.get_by_text("Tack! Dina svar är inskickade.")).to_be_visible()
    db.session.expire_all()
    sent = db.session.execute(db.select(FormResponse).where(FormResponse.status == "submitted")).scalar_one()
    assert sent.answers["annat_skal"] == "Jag vill springa ett maraton." and sent.answers["viktigt"] == 8


@pytest.mark.app_config(SESSION_IDLE_MINUTES_PATIENT=15)
def test_the_idle_warning_appears_two_minutes_before_the_logout_and_keeps_the_session(jane, phone, clock, axe):
    page = phone()
    page.clock.install()  # the browser's timers run on Playwright's clock: 13 minutes pass without waiting
    patient_logs_in(page)
    page.goto(f"/stod-och-behandling/{jane.id}/")
    dialog = page.get_by_role("dialog", name="Du loggas snart ut")
    expect(dialog).to_be_hidden()
    page.clock.run_for("12:50")
    expect(dialog).to_be_hidden()
    clock.advance(minutes=13, seconds=5)  # the server's clock follows
    page.clock.run_for("00:15")
    expect(dialog).to_be_visible()
    expect(page.locator(":focus")).to_have_text("Fortsätt vara inloggad")  # showModal focuses the button
    assert_accessible(axe, page)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    clock.advance(minutes=14)  # 27 minutes after the page was opened, 14 after the patient chose to stay
    page.goto(f"/stod-och-behandling/{jane.id}/meddelanden/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meddelanden")


def test_a_show_if_question_appears_at_once_without_a_request_and_is_announced(jane, phone, axe):
    page = phone()
    patient_logs_in(page)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/synliga" in request.url else None)
    page.goto(f"/stod-och-behandling/{jane.id}/modul/steg-1/motivation")
    form = page.locator("#formular-skal")
    other = form.get_by_label("Vilket annat skäl?")
    expect(other).to_be_hidden()
    form.get_by_label("Annat skäl", exact=True).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # right after the choice: the question that appeared is the next stop
    expect(other).to_be_focused()
    expect(form.locator("[data-live]")).to_have_text("Ny fråga: Vilket annat skäl?")
    assert_accessible(axe, page)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # unticked: the question goes again
    expect(other).to_be_hidden()
    assert asked == []  # the browser decided; no request was made
