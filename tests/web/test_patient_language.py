"""The patient's language: chosen in Inställningar, the patient pages and Tobakshjälpen's texts follow it
(Swedish with a notice where a page is not translated), staff pages and stored answers stay Swedish."""
import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from html_assert import has_element
from patient_support import html_text, with_alla_typer, with_an_untranslated_arabic_page, without_translation

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"


def step(enrollment, module_id, step_id):
    return f"/stod-och-behandling/{enrollment.id}/modul/{module_id}/{step_id}"


def settings_data(**overrides):
    data = {"language": "sv", "mobile": "", "email": ""}
    data.update(overrides)
    return data


@pytest.fixture
def english(client, start, patient_login):
    """A Tobakshjälpen moment whose patient has chosen English in Inställningar."""
    enrollment = start("tobakshjalpen")
    patient_login()
    response = client.post("/invanare/installningar", data=settings_data(language="en"))
    assert response.status_code == 302
    return enrollment


def test_settings_offer_each_language_named_in_itself(client, start, patient_login):
    start("tobakshjalpen")
    patient_login()
    page = html_text(client.get("/invanare/installningar"))
    assert has_element(page, "select", name="language", id="language")
    assert '<option lang="sv" selected value="sv">Svenska</option>' in page
    assert '<option lang="en" value="en">English</option>' in page
    assert '<option lang="ar" value="ar">العربية</option>' in page


def test_choosing_english_stores_it_and_confirms_in_english(client, start, patient_login, db):
    enrollment = start("tobakshjalpen")
    patient_login()
    response = client.post("/invanare/installningar", data=settings_data(language="en"), follow_redirects=True)
    page = html_text(response)
    db.session.refresh(enrollment.patient)
    assert enrollment.patient.language == "en"
    assert "Your settings have been saved." in page
    assert '<html lang="en" dir="ltr">' in page and "<h1>Settings</h1>" in page
    assert ">Log out</button>" in page and ">Support and treatment</a>" in page


def test_an_unknown_language_is_refused_and_nothing_changes(client, start, patient_login, db):
    enrollment = start("tobakshjalpen")
    patient_login()
    response = client.post("/invanare/installningar", data=settings_data(language="fi"))
    assert response.status_code == 200 and "Inte ett giltigt val" in html_text(response)
    db.session.refresh(enrollment.patient)
    assert enrollment.patient.language == "sv"


def test_a_translated_step_is_shown_in_english_without_a_notice(client, english):
    page = html_text(client.get(step(english, "inledning", "valkommen")))
    assert "<h1>I.1 Welcome to Tobakshjälpen</h1>" in page
    assert "<h2>It is possible to stop</h2>" in page and "Det går att sluta" not in page
    assert has_element(page, "article", class_="step-page", lang="en")
    assert "not available in English" not in page
    assert ">Introduction</a>" in page  # the breadcrumb's module title


def test_the_program_home_shows_the_english_welcome_text_and_module_titles(client, english):
    page = html_text(client.get(f"/stod-och-behandling/{english.id}/"))
    assert "Hello and welcome!" in page and "Hej och välkommen!" not in page
    assert ">Good to know</a>" in page and "<h2 id=\"moduler-current\">Current modules</h2>" in page
    assert "0 of 3 sections finished" in page


@pytest.mark.app_config(PROGRAMS=with_an_untranslated_arabic_page)
def test_a_step_without_translation_is_swedish_with_a_notice_in_arabic_right_to_left(client, start, patient_login):
    enrollment = start("tobakshjalpen")
    patient_login()
    client.post("/invanare/installningar", data=settings_data(language="ar"))
    page = html_text(client.get(step(enrollment, "bra-att-veta", "abstinens")))
    assert '<html lang="ar" dir="rtl">' in page
    assert "هذه الصفحة غير متوفرة باللغة العربية بعد." in page
    assert has_element(page, "article", class_="step-page", lang="sv")
    assert "<h2>Vanliga besvär</h2>" in page
    translated = html_text(client.get(step(enrollment, "inledning", "ditt-stod")))
    assert has_element(translated, "article", class_="step-page", lang="ar")
    assert "<h2>كن صادقًا</h2>" in translated and "غير متوفرة" not in translated


def test_an_english_form_is_shown_in_english(client, english):
    page = html_text(client.get(step(english, "steg-1", "motivation")))
    assert "What are your reasons for stopping tobacco?" in page
    assert "> I want better health</label>" in page
    assert ">Save draft</button>" in page and ">Send</button>" in page
    assert "0 = Not important at all, 10 = The most important thing right now" in page


def test_answers_given_in_english_are_stored_and_shown_to_the_clinician_in_swedish(
        app, client, english, db, login, clinician):
    from web.models import FormResponse

    url = step(english, "steg-1", "motivation") + "/formular/skal"
    page = html_text(client.get(step(english, "steg-1", "motivation")))
    token = page.split('name="stegvis-token" value="', 1)[1].split('"', 1)[0]
    response = client.post(url, data={"stegvis-atgard": "skicka", "stegvis-token": token, "skal": ["halsa"],
                                      "viktigt": "8"}, follow_redirects=True)
    assert "Thank you! Your answers have been sent." in html_text(response)
    stored = db.session.execute(db.select(FormResponse).where(FormResponse.status == "submitted")).scalar_one()
    assert stored.form_title == "1.1. Vilka är dina viktigaste skäl för tobaksstoppet?"
    assert stored.questions["skal"]["text"] == "Vilka skäl har du för att sluta med tobak?"
    client.post("/invanare/logga-ut")
    login(clinician)
    answers = html_text(client.get(f"/moment/{english.id}/svar/{stored.id}"))
    assert '<html lang="sv" dir="ltr">' in answers
    assert "Vilka skäl har du för att sluta med tobak?" in answers and "Jag vill få en bättre hälsa" in answers
    assert "What are your reasons" not in answers


def test_staff_pages_stay_swedish(client, login, clinician):
    login(clinician)
    page = html_text(client.get("/oversikt/mina"))
    assert '<html lang="sv" dir="ltr">' in page and "Hoppa till innehållet" in page


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_patient_interface_text_is_translated_and_the_committed_mo_is_compiled_from_the_po(language):
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale=language)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and not m.fuzzy and all(m.string if isinstance(m.string, str) else m.string)}
    assert template - translated == set()
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").read_bytes() == compiled.getvalue(), \
        "run scripts/i18n.sh compile"


def test_answer_errors_are_shown_in_english(client, english):
    page = html_text(client.get(step(english, "steg-1", "motivation")))
    token = page.split('name="stegvis-token" value="', 1)[1].split('"', 1)[0]
    response = client.post(step(english, "steg-1", "motivation") + "/formular/skal",
                           data={"stegvis-atgard": "skicka", "stegvis-token": token, "skal": ["halsa"]})
    page = html_text(response)
    assert response.status_code == 422
    assert "Your answers could not be sent. Correct what is marked." in page
    assert '<span class="visually-hidden">Error: </span>The question must be answered.</p>' in page


def test_every_fixed_answer_message_is_marked_for_translation():
    from engine.forms import answers
    from web.i18n import MARKED_MESSAGES
    from web.services.patient import forms

    fixed = {value for name, value in vars(answers).items() if name.startswith("MSG_")}
    assert fixed | {forms.SUBMIT_ERROR, forms.DRAFT_ERROR} <= set(MARKED_MESSAGES)



def with_half_translated_kort(request) -> dict:
    """PROGRAMS plus a copy of tests/data/i18n's `kort` whose English lacks one question of its form and
    declares no module complete (so it loads): the page of step `hej` is English, its form is not."""
    import shutil

    from engine.loader import load_program

    folder = request.getfixturevalue("tmp_path") / "i18n"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "i18n", folder)
    po = folder / "content" / "kort" / "en" / "program.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "How are you today?"', 'msgstr ""'),
                  encoding="utf-8")
    yaml_path = folder / "kort.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("en: {complete: [start]}",
                                                                       "en: {complete: []}"), encoding="utf-8")
    return {**request.getfixturevalue("programs"), "kort": load_program(yaml_path)}


@pytest.mark.app_config(PROGRAMS=with_half_translated_kort)
def test_a_form_that_falls_back_to_swedish_on_an_english_page_is_marked_swedish(client, start, patient_login):
    enrollment = start("kort")
    patient_login()
    assert client.post("/invanare/installningar", data=settings_data(language="en")).status_code == 302
    page = html_text(client.get(step(enrollment, "start", "hej")))
    assert '<article class="step-page" lang="en">' in page
    assert '<section class="form-card" id="formular-maende" aria-labelledby="formular-maende-titel" lang="sv">' \
        in page
    assert "Hur mår du i dag?" in page


def with_kort(request) -> dict:
    """PROGRAMS plus tests/data/i18n's `kort`, whose English declares module `start` complete (not `mer`)."""
    from engine.loader import load_program

    return {**request.getfixturevalue("programs"),
            "kort": load_program(Path(__file__).resolve().parents[1] / "data" / "i18n" / "kort.yaml")}


@pytest.mark.app_config(PROGRAMS=with_kort)
def test_the_program_home_says_which_modules_the_patients_language_covers(client, start, patient_login):
    enrollment = start("kort")
    patient_login()
    swedish = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))
    assert "language-scope" not in swedish
    assert client.post("/invanare/installningar", data=settings_data(language="en")).status_code == 302
    english = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))
    assert "Available in English: Start. The rest is shown in Swedish." in english


def test_the_patient_login_page_offers_each_language_and_a_staff_page_ignores_the_choice(client):
    page = html_text(client.get("/invanare/logga-in?sprak=ar"))
    assert '<html lang="ar" dir="rtl">' in page and "<h1>تسجيل الدخول إلى الدعم والعلاج</h1>" in page
    assert has_element(page, "a", href="/invanare/logga-in?sprak=en", lang="en", hreflang="en")
    assert has_element(page, "a", href="/invanare/logga-in?sprak=ar", lang="ar", **{"aria-current": "true"})
    assert '<html lang="sv" dir="ltr">' in html_text(client.get("/logga-in?sprak=ar"))
    assert '<html lang="sv" dir="ltr">' in html_text(client.get("/invanare/logga-in?sprak=fi"))


def test_after_logging_out_the_login_page_stays_in_the_patients_language(client, english):
    response = client.post("/invanare/logga-ut", follow_redirects=True)
    page = html_text(response)
    assert '<html lang="en" dir="ltr">' in page and "You are logged out." in page
    assert ">Log in</button>" in page


@pytest.mark.app_config(PROGRAMS=without_translation("ar", "bra-att-veta"))
def test_swedish_texts_on_an_arabic_page_are_marked_and_titles_are_isolated(client, start, patient_login):
    enrollment = start("tobakshjalpen")
    patient_login()
    client.post("/invanare/installningar", data=settings_data(language="ar"))
    home = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))
    assert '><span lang="sv" dir="ltr">Bra att veta</span></a></h3>' in home  # not translated: Swedish, marked
    assert "><bdi>المقدمة</bdi></a></h3>" in home  # translated: isolated from its neighbours
    module = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/modul/inledning/"))
    assert re.search(r'<bdi><span class="step-number">I\.1</span> [^<]+</bdi>', module)
    untranslated = html_text(client.get(step(enrollment, "bra-att-veta", "abstinens")))
    assert ('<li><a href="#innehall" aria-current="page"><span lang="sv" dir="ltr">B.2 Abstinens – vad händer i '
            'kroppen</span></a></li>') in untranslated


def test_every_service_message_a_patient_can_meet_is_marked_with_todays_limits():
    from web.auth.core.password_policy import problem
    from web.contact import EMAIL_ERROR, MOBILE_ERROR
    from web.i18n import MARKED_SERVICE_MESSAGES
    from web.services.core import messages
    from web.services.errors import ServiceError
    from web.services.patient import activities

    shown = {problem("kort"), problem("x" * 201), EMAIL_ERROR, MOBILE_ERROR}
    with pytest.raises(ServiceError) as rejected:
        messages._check("x" * (messages.MAX_BODY + 1), "x" * (messages.MAX_SUBJECT + 1), new=True)
    shown |= {rejected.value.message, *rejected.value.fields.values()}
    with pytest.raises(ServiceError) as rejected:
        messages._check("", "", new=True)
    shown |= set(rejected.value.fields.values())
    shown.add(f"Skriv högst {activities.MAX_TEXT} tecken.")
    assert shown <= set(MARKED_SERVICE_MESSAGES)


def test_the_autosave_message_is_in_the_patients_language(client, english):
    response = client.post(step(english, "steg-1", "motivation") + "/formular/skal",
                           data={"stegvis-atgard": "spara", "viktigt": "8"}, headers={"X-Stegvis-Autosave": "1"})
    assert response.get_json() == {"saved": True, "message": "The draft was saved 2026-03-02 09:00.", "errors": {}}


def test_a_scored_form_shows_its_band_in_english(client, english, db):
    from web.services.patient import answers

    answers.submit_form(english, english.patient, "ftnd", {
        "forsta_cigaretten": "inom-5-min", "svart_avsta": True, "svarast_att_avsta": "forsta-pa-morgonen",
        "cigaretter_per_dag": "31-eller-fler", "mer_pa_morgonen": True, "roker_nar_sjuk": True},
        now=english.started_at, module_id="steg-1")
    page = html_text(client.get(step(english, "steg-1", "tobaksvanor")))
    assert "<strong>10</strong> – Very high dependence</p>" in page and "Mycket högt beroende" not in page


@pytest.mark.parametrize("language", ["sv", "en", "ar"])
def test_the_fast_gettext_gives_what_flask_babel_gives(app, language):
    """web.i18n.gettext / lazy_gettext skip Flask-Babel's lookups on Swedish pages: in every language, inside
    a request and outside one, they give what Flask-Babel's own functions give (labels, messages, a %(num)d)."""
    import flask_babel
    from flask_babel import force_locale

    from web import i18n
    from web.auth.views.passwords import HELP

    texts = [*i18n.MARKED_SERVICE_MESSAGES, *i18n.MARKED_MESSAGES, "Nuvarande lösenord"]
    number = "Minst %(num)d tecken. Ett vanligt lösenord godtas inte; flera ord i följd är lätta att minnas."

    def both():
        ours = [i18n.gettext(t) for t in texts] + [i18n.gettext(number, num=12), str(i18n.lazy_gettext(number, num=3))]
        theirs = [flask_babel.gettext(t) for t in texts] + [flask_babel.gettext(number, num=12),
                                                           str(flask_babel.lazy_gettext(number, num=3))]
        return ours, theirs

    with app.test_request_context(), force_locale(language):
        ours, theirs = both()
        assert ours == theirs
        assert str(HELP) == flask_babel.gettext(number, num=12)
        translated = sum(o != t for o, t in zip(ours, texts + [number % {"num": 12}, number % {"num": 3}]))
        assert (translated == 0) == (language == "sv")
    with app.app_context(), force_locale(language):
        assert both()[0] == both()[1]
