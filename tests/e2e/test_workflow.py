"""Issue 13 in a real browser: Dagar kvar with "Ingen tidsgräns", the confirmation step without JavaScript,
and axe on the new and changed pages (confirmation, Egenskaper, Hantera, Inställningar)."""
import pytest
from playwright.sync_api import expect

from patient_e2e_support import axe_violations
from stegvis_testing import PASSWORD
from web.models import Enrollment

pytestmark = pytest.mark.e2e

STEG_1 = "Steg 1 Uppvärmning och förberedelser – lägg en bra grund"


@pytest.fixture
def backend():
    """The pages do not depend on the database; the web tests cover both backends."""
    return "sqlite"


def _log_in(page, live_server, username):
    page.goto(f"{live_server}/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/oversikt/**")


def test_dagar_kvar_and_avsluta_with_confirmation_without_javascript(live_server, browser, clinician, make_moment, db):
    moment = make_moment()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _log_in(page, live_server, "marita.andersson")
    page.goto(f"{live_server}/moment/{moment.id}/hantera")

    steg1 = page.get_by_role("region", name=STEG_1)
    expect(steg1.get_by_label("Dagar kvar")).to_have_value("7")
    steg1.get_by_label("Ingen tidsgräns").check()
    steg1.get_by_role("button", name="Spara dagar").click()
    expect(page.get_by_text("Dagar kvar är ändrat.")).to_be_visible()
    steg1 = page.get_by_role("region", name=STEG_1)
    expect(steg1.get_by_label("Ingen tidsgräns")).to_be_checked()
    expect(steg1.get_by_label("Dagar kvar")).to_have_value("")
    steg1.get_by_role("button", name="Spara dagar").click()
    expect(page.get_by_text("Inget ändrades.")).to_be_visible()

    page.locator("#avsluta summary").click()
    page.get_by_label("Avslutningsorsak").select_option(label="Genomförd behandling")
    page.locator("#avsluta").get_by_role("button", name="Avsluta").click()
    expect(page.get_by_role("heading", name="Avsluta momentet?")).to_be_visible()
    expect(page.get_by_text("Patienten kommer då inte längre åt programmet, säkerställ att patienten är medveten "
                            "om detta.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Enrollment, moment.id).status == "active"  # the confirmation page changed nothing
    page.get_by_role("button", name="Avsluta").click()
    expect(page.get_by_text("Momentet är avslutat.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Enrollment, moment.id).status == "ended"
    context.close()


def test_new_and_changed_pages_have_no_axe_violations(live_server, page, make_staff, make_moment, other_unit, clock,
                                                     axe):
    admin = make_staff("ada", roles="behandlare behorighetsadmin", name="Ada Admin")
    colleague = make_staff("karin", name="Karin Kollega")
    first = make_moment(user=admin)
    clock.advance(days=1)
    second = make_moment(user=admin)
    _log_in(page, live_server, "ada")
    page.goto(f"{live_server}/moment/{first.id}/hantera")
    page.locator("#lankade-moment summary").click()
    page.get_by_role("button", name="Länka").click()
    expect(page.get_by_text("Momenten är länkade.")).to_be_visible()
    m = f"/moment/{first.id}"
    urls = [f"{m}/hantera", f"{m}/egenskaper", f"/moment/{second.id}/hantera", "/installningar",
            f"{m}/avsluta/bekrafta?reason=genomford&maintain=1&until=2026-12-31",
            f"{m}/behandlare/bekrafta?clinician={colleague.id}", f"{m}/overlamna/bekrafta?unit={other_unit.id}"]
    problems = {}
    for url in urls:
        response = page.goto(f"{live_server}{url}")
        assert response.status == 200, url
        found = axe_violations(axe, page)
        if found:
            problems[url] = found
    assert problems == {}
