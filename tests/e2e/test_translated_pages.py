"""The patient pages in English and Arabic, in headless Chromium: chosen in Inställningar, axe clean,
right to left in Arabic, an untranslated page in Swedish with a notice."""
import pytest
from playwright.sync_api import expect

from patient_e2e_support import (PASSWORD, assert_accessible, assert_fits_the_screen, choose_language,
                                 patient_logs_in)
from patient_support import with_an_untranslated_arabic_page, without_translation

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


@pytest.fixture
def jane(make_moment):
    """Jane Doe's Tobakshjälpen moment with her password set (she reads Swedish until she chooses)."""
    from web.extensions import db
    from web.services.core.accounts import set_password

    enrollment = make_moment()
    set_password(enrollment.patient, PASSWORD)
    db.session.commit()
    return enrollment


def test_english_pages_are_accessible_and_in_english(jane, phone, axe):
    page = phone()
    patient_logs_in(page)
    choose_language(page, "English", "Your settings have been saved.")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(axe, page)

    page.get_by_role("link", name="Support and treatment").click()
    page.get_by_role("link", name="Tobakshjälpen").click()
    expect(page.get_by_text("Hello and welcome!")).to_be_visible()
    assert_accessible(axe, page)

    page.get_by_role("link", name="Step 1 Warming up and getting ready – lay a good foundation").click()
    page.get_by_role("link", name="1.2 Map your tobacco habits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1.2 Map your tobacco habits")
    expect(page.get_by_role("heading", name="The Fagerström test – how dependent are you on nicotine? (cigarettes)")
           ).to_be_visible()
    assert_accessible(axe, page)
    assert_fits_the_screen(page)


@pytest.mark.app_config(PROGRAMS=with_an_untranslated_arabic_page)
def test_arabic_pages_are_right_to_left_accessible_and_fall_back_to_swedish_with_a_notice(jane, phone, axe):
    page = phone()
    patient_logs_in(page)
    choose_language(page, "العربية", "تم حفظ الإعدادات.")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert_accessible(axe, page)

    page.get_by_role("link", name="الدعم والعلاج").click()
    page.get_by_role("link", name="Tobakshjälpen").click()
    page.get_by_role("link", name="المقدمة").click()
    page.get_by_role("link", name="I.3 الدعم الذي تحصل عليه من المُعالِج").click()
    expect(page.get_by_role("heading", name="كن صادقًا")).to_be_visible()
    # mirrored: the text starts at the right edge of the page
    assert page.locator("article.step-page").evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert_accessible(axe, page)
    assert_fits_the_screen(page)

    page.get_by_role("link", name="Tobakshjälpen").click()
    page.get_by_role("link", name="معلومات مفيدة").click()
    page.get_by_role("link", name="B.2 أعراض الانسحاب – ماذا يحدث في الجسم").click()
    expect(page.get_by_text("هذه الصفحة غير متوفرة باللغة العربية بعد.")).to_be_visible()
    article = page.locator("article.step-page")
    assert article.get_attribute("lang") == "sv"
    assert article.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert_accessible(axe, page)
    assert_fits_the_screen(page)


@pytest.mark.app_config(PROGRAMS=without_translation("ar", "steg-1"))
def test_on_arabic_pages_a_swedish_title_keeps_its_number_first_and_disclosure_markers_point_left(jane, phone, axe):
    page = phone()
    patient_logs_in(page)
    choose_language(page, "العربية", "تم حفظ الإعدادات.")
    page.goto(f"/stod-och-behandling/{jane.id}/modul/steg-1/tobaksvanor")
    title = page.locator('.breadcrumbs a[aria-current="page"] span[lang="sv"]')
    assert (title.inner_text(), title.get_attribute("dir")) == ("1.2 Kartlägg dina tobaksvanor", "ltr")
    # isolated left to right: the number stays at the title's start (unmarked, right to left puts it at the end)
    number_left, words_left = title.evaluate("""span => ["1.2", "Kartlägg"].map(s => {
        const text = span.firstChild, range = document.createRange(), at = text.data.indexOf(s);
        range.setStart(text, at); range.setEnd(text, at + s.length);
        return range.getBoundingClientRect().left; })""")
    assert number_left < words_left
    assert_accessible(axe, page)

    page.goto(f"/stod-och-behandling/{jane.id}/modul/steg-1/motivation")
    form = page.locator("#formular-skal")
    form.locator('input[type="checkbox"][value="pengar"]').check()  # its label is Arabic now
    form.get_by_role("radio", name="7", exact=True).check()
    form.get_by_role("button", name="إرسال", exact=True).click()
    summary = page.locator("details.answers > summary")
    expect(summary).to_have_text("إجاباتك")
    page.wait_for_load_state("load")  # the markers are patient.css's: the page's text can be there before its styles
    marker = "s => getComputedStyle(s, '::before').content"
    assert "◂" in summary.evaluate(marker)  # closed: points along the reading direction, to the left
    summary.click()
    assert "▾" in summary.evaluate(marker)
    assert_accessible(axe, page)
    assert_fits_the_screen(page)
