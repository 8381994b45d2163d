"""The clinician's main path in a real browser, exactly as the issue describes it."""
import re

import pytest
from playwright.sync_api import expect

from stegvis_testing import PASSWORD
from web.models import Event, Notice

pytestmark = pytest.mark.e2e

STEG_1 = "Steg 1 Uppvärmning och förberedelser – lägg en bra grund"
STEG_2 = "Steg 2 Uppstart och stoppfasen – var nyfiken och aktiv"


def test_start_a_moment_manage_modules_welcome_text_message_and_timeline(
        live_server, page, clinician, make_patient, db):
    make_patient(mobile="0701234567")

    # log in
    page.goto(f"{live_server}/logga-in")
    page.get_by_label("Användarnamn").fill("marita.andersson")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Att göra", exact=True)).to_be_visible()

    # Starta nytt moment for 19610831-2460
    page.get_by_role("link", name="Starta nytt moment").click()
    page.get_by_label("Invånarens personnummer").fill("19610831-2460")
    page.get_by_role("button", name="Sök invånare").click()
    expect(page.get_by_text("Jane Doe")).to_be_visible()
    expect(page.get_by_text("Invånaren du försöker lägga till har aldrig varit inloggad.")).to_be_visible()
    page.get_by_label("Moment").select_option(label="Tobakshjälpen")
    page.get_by_role("button", name="Starta nytt moment").click()

    # Hantera
    expect(page.get_by_role("link", name="Hantera")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("Moduler avklarade")).to_be_visible()
    steg1 = page.get_by_role("region", name=STEG_1)
    steg1.get_by_role("button", name="Sätt till avklarad").click()
    expect(page.get_by_text("Modulen är satt till avklarad.")).to_be_visible()
    expect(page.locator("dd", has_text="av 14")).to_have_text("1 av 14")

    steg2 = page.get_by_role("region", name=STEG_2)
    expect(steg2.get_by_role("button", name="Sätt till aktuell")).to_be_hidden()  # modules not in use are folded
    steg2.locator("summary", has_text="Sätt till aktuell, avsnitt och formulär").click()
    steg2.get_by_label("Dagar kvar").fill("14")
    steg2.get_by_role("button", name="Sätt till aktuell").click()
    expect(page.get_by_text("Modulen är satt till aktuell.")).to_be_visible()
    current = page.get_by_role("region", name="Aktuella moduler")
    expect(current.get_by_role("heading", name=STEG_2)).to_be_visible()
    expect(current.get_by_role("region", name=STEG_2).get_by_label("Dagar kvar")).to_have_value("14")

    # Välkomsttext: Redigera text → Spara
    page.get_by_role("link", name="Redigera text").click()
    page.get_by_label("Välkomsttext", exact=True).fill("Hej Jane!\n\nVi ses i programmet. *Lycka till!*")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_text("Välkomsttexten är sparad.")).to_be_visible()
    expect(page.locator(".welcome-text em")).to_have_text("Lycka till!")

    # Meddelanden with the SMS notice ticked
    page.get_by_role("link", name="Meddelanden").click()
    page.get_by_label("Ämne").fill("Välkommen")
    page.get_by_label("Meddelande", exact=True).fill("Hej Jane, svara gärna så vet jag att allt fungerar.")
    page.get_by_label("Avisera till inkorgen i e-tjänsterna").check()
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_text("Meddelandet är skickat.")).to_be_visible()
    expect(page.get_by_text("Invånaren aviseras via sms.")).to_be_visible()

    # Tidslinje filtered on Modul shows both module events
    page.get_by_role("link", name="Tidslinje").click()
    page.get_by_label("Modul", exact=True).check()
    page.get_by_role("button", name="Visa").click()
    entries = page.locator("ol.timeline")
    expect(entries).to_contain_text(f"Modul {STEG_1} sattes till avklarad")
    expect(entries).to_contain_text(f"Modul {STEG_2} startades")
    expect(entries).not_to_contain_text("Ny konversation")
    expect(entries.locator("li").first).to_contain_text(re.compile(r"av Marita Andersson \(Region Jönköpings län, Utbildningsenhet\)"))

    db.session.expire_all()
    notice = db.session.execute(db.select(Notice).where(Notice.template == "new_message")).scalar_one()
    assert (notice.channel, notice.address, notice.status) == ("sms", "0701234567", "queued")
    types = db.session.execute(db.select(Event.type).order_by(Event.id)).scalars().all()
    assert types.count("module_completed") == 1 and types.count("module_activated") == 4
