"""axe-core finds no violations on any patient or author page, at 360 px, without sideways scrolling."""
import pytest

from patient_e2e_support import PASSWORD, assert_accessible, assert_fits_the_screen, patient_logs_in, staff_logs_in
from patient_support import open_activity_plan

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

JOHN = "198112289874"


def _check(axe, page, url: str) -> None:
    page.goto(url)
    assert_accessible(axe, page)
    assert_fits_the_screen(page)


@pytest.fixture
def jane(app, make_moment, clinician, clock):
    """Jane mid-program: edited welcome text with audio, a message, a started battery and an open activity."""
    from web.content.audio import EspeakBackend, render_text
    from web.extensions import db
    from web.content.programs import get_program
    from web.services.core import messages
    from web.services.clinician import moments
    from web.services.core.accounts import set_password
    from web.services.core.audio import EXECUTOR_KEY, audio_cache

    enrollment = make_moment()
    set_password(enrollment.patient, PASSWORD)
    db.session.commit()
    membership = clinician.memberships[0]
    step = get_program("tobakshjalpen").step("steg-1", "motivation")
    render_text(step.text, audio_cache(), EspeakBackend(), "sv", step.title)
    moments.save_welcome_text(enrollment, "Hej Jane!\n\nJag heter Marita och är din behandlare.", user=clinician,
                              membership=membership, now=clock())
    app.extensions[EXECUTOR_KEY].submit(lambda: None).result(timeout=120)  # the welcome audio is built
    messages.send_as_clinician(enrollment, body="Hej Jane! Välkommen.", user=clinician, membership=membership,
                               now=clock(), subject="Välkommen")
    moments.start_battery(enrollment, "uppfoljning-3-manader", user=clinician, membership=membership, now=clock())
    open_activity_plan(enrollment, clinician, clock(), "Promenad", "Hur kändes det?", "Vad gjorde du?",
                       "Välkommen på träff.")
    return enrollment


def test_every_patient_page_is_accessible_and_fits_a_phone(jane, phone, axe, start_john):
    page = phone()
    _check(axe, page, "/invanare/logga-in")
    page.get_by_label("Personnummer").fill("19610831-2460")
    page.get_by_label("Lösenord").fill("fel")
    page.get_by_role("button", name="Logga in").click()
    assert_accessible(axe, page)
    _check(axe, page, start_john["activation"])
    page.get_by_label("Välj ett lösenord").fill("hemligt-losen-123")
    page.get_by_label("Skriv lösenordet igen").fill("hemligt-losen-123")
    page.get_by_role("button", name="Spara lösenord").click()
    page.wait_for_url("**/invanare/logga-in")
    assert_accessible(axe, page)  # login page with the "activated" message

    patient_logs_in(page)
    base = f"/stod-och-behandling/{jane.id}"
    for url in ("/stod-och-behandling/", f"{base}/", f"{base}/modul/steg-1/", f"{base}/modul/steg-1/tobaksvanor",
                f"{base}/modul/steg-1/stoppdagen", f"{base}/meddelanden/", f"{base}/meddelanden/ny",
                f"{base}/aktiviteter/", f"{base}/formular/uppfoljning-3m", "/invanare/installningar"):
        _check(axe, page, url)
    assert page.locator("audio").count() == 0  # settings page: no player

    _check(axe, page, f"{base}/")
    assert page.locator("audio").count() == 1  # the edited welcome text's audio
    _check(axe, page, f"{base}/modul/steg-1/motivation")
    page.locator("#formular-skal").get_by_label("Jag vill spara pengar").check()
    page.locator("#formular-skal").get_by_role("button", name="Skicka in").click()
    page.wait_for_selector(".error-summary")
    assert_accessible(axe, page)  # errors beside the questions
    assert_fits_the_screen(page)
    page.locator("#formular-skal").get_by_role("radio", name="7", exact=True).check()
    page.locator("#formular-skal").get_by_role("button", name="Skicka in").click()
    page.wait_for_selector(".feedback-box")
    assert_accessible(axe, page)  # feedback after submission

    page.goto(f"{base}/meddelanden/ny")
    page.get_by_role("button", name="Skicka").click()
    assert_accessible(axe, page)  # new conversation with errors
    page.get_by_label("Ämne").fill("En fråga")
    page.get_by_label("Meddelande").fill("Hej!")
    page.get_by_role("button", name="Skicka").click()
    page.wait_for_url("**/meddelanden/*")
    assert_accessible(axe, page)  # a conversation
    assert_fits_the_screen(page)

    page.get_by_role("button", name="Logga ut").click()
    patient_logs_in(page, "19811228-9874", "hemligt-losen-123")
    _check(axe, page, f"/stod-och-behandling/{start_john['enrollment'].id}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Behandlingen är avslutad"


@pytest.fixture
def start_john(app, clinician, clock):
    """John, whose moment has ended, and the one-time activation link queued when it started."""
    from web.extensions import db
    from web.models import Notice
    from web.services.clinician import moments

    membership = clinician.memberships[0]
    enrollment = moments.start_moment(personnummer=JOHN, program_id="tobakshjalpen", user=clinician,
                                      membership=membership, now=clock(), first_name="John", last_name="Doe",
                                      email="john@example.se")
    path = db.session.execute(db.select(Notice.context).where(Notice.template == "patient_activation")
                              ).scalar_one()["path"]
    moments.end_moment(enrollment, "genomford", user=clinician, membership=membership, now=clock())
    return {"enrollment": enrollment, "activation": path}


def test_every_author_page_is_accessible_and_fits_a_phone(app, phone, axe, make_staff, tmp_path, jane):
    from web.config import PROJECT_ROOT

    folder = tmp_path / "program-filer"
    folder.mkdir()
    (folder / "tobakshjalpen.yaml").write_text((PROJECT_ROOT / "programs" / "tobakshjalpen.yaml").read_text("utf-8"),
                                               encoding="utf-8")
    (folder / "content").mkdir()
    (folder / "content" / "tobakshjalpen").symlink_to(PROJECT_ROOT / "content" / "tobakshjalpen")
    (folder / "trasig.yaml").write_text("id: trasig\ntitle: Trasig\nversion: 1\nmodules: []\n", encoding="utf-8")
    app.config["PROGRAMS_DIR"] = str(folder)
    author = make_staff("frida", roles="behandlare forfattare", name="Frida Författare")
    page = phone()
    staff_logs_in(page, author.username)
    for url in ("/author/", "/author/trasig/", "/author/tobakshjalpen/?dag=30&forlopp=typiskt",
                "/author/tobakshjalpen/modul/steg-1/", "/author/tobakshjalpen/modul/steg-1/tobaksvanor",
                "/author/tobakshjalpen/formular/ftnd"):
        _check(axe, page, url)
    _check(axe, page, "/author/tobakshjalpen/modul/steg-1/motivation")
    assert page.locator("audio").count() == 1
    page.locator("#formular-skal").get_by_role("button", name="Skicka in").click()
    page.wait_for_selector(".error-summary")
    assert_accessible(axe, page)
    page.goto("/author/tobakshjalpen/formular/ftnd")
    form = page.locator("#formular-ftnd")
    for name in ("Inom 5 minuter", "Den första på morgonen", "31 eller fler"):
        form.get_by_label(name, exact=True).check()
    for question in range(3):
        form.locator("fieldset").filter(has=page.get_by_role("radio", name="Ja")).nth(question) \
            .get_by_role("radio", name="Ja").check()
    form.get_by_role("button", name="Skicka in").click()
    page.wait_for_selector(".feedback-box")
    assert "Mycket högt beroende" in page.locator(".feedback-box").inner_text()
    assert_accessible(axe, page)
