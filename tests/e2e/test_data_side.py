"""The data side in a real browser: XLSX export, Gallra invånare with its receipt, Statistik filtered; axe."""
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

import data_support
from patient_e2e_support import axe_violations
from stegvis_testing import PASSWORD
from web.models import Patient

pytestmark = pytest.mark.e2e


@pytest.fixture
def data(db, make_unit, make_staff):
    return data_support.build(db, make_unit, make_staff)


def _login(page, live_server, username):
    page.goto(f"{live_server}/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def test_a_dataadmin_exports_answers_as_xlsx(live_server, page, data, make_staff, tmp_path):
    make_staff("data.admin", roles="dataadmin", name="Dana Dataadmin", unit=data["units"][0])
    _login(page, live_server, "data.admin")
    page.get_by_role("link", name="Export").click()
    page.get_by_label("Formulärsvar").check()
    page.get_by_label("Excel (XLSX)").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Exportera").click()
    path = tmp_path / "svar.xlsx"
    download.value.save_as(path)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["ftnd", "uppfoljning-3m"]
    rows = list(book["uppfoljning-3m"].iter_rows(values_only=True))
    assert len(rows) == 1 + 8 and "tobak_7_dagar" in rows[0]
    page.goto(f"{live_server}/export")
    expect(page.get_by_role("table", name="Exportlogg för vårdenheten")).to_contain_text("Dana Dataadmin")


def test_a_behorighetsadmin_purges_one_patient_and_sees_the_receipt(live_server, page, data, make_staff, db):
    make_staff("behorig", roles="behorighetsadmin", name="Bea Behörig", unit=data["units"][0])
    _login(page, live_server, "behorig")
    page.get_by_role("link", name="Gallring").click()
    page.get_by_label("Invånarens personnummer").fill("19700101-0011")
    page.get_by_role("button", name="Sök").click()
    confirm = page.get_by_role("region", name="Bekräfta gallring av Efternamn1, Förnamn1 19700101-0011")
    expect(confirm.get_by_role("row", name="Moment 1")).to_be_visible()
    confirm.get_by_role("button", name="Gallra").click()
    expect(page.get_by_text("Invånaren är gallrad.")).to_be_visible()
    receipts = page.get_by_role("table", name="Genomförda gallringar (utan personuppgifter)")
    expect(receipts).to_contain_text("Bea Behörig")
    expect(receipts).to_contain_text("Moment: 1")
    assert db.session.execute(db.select(Patient).where(Patient.personnummer == "197001010011")).first() is None


def test_a_clinician_filters_the_statistics_by_lan_and_program(live_server, page, data, axe):
    _login(page, live_server, "marita.andersson")
    page.get_by_role("link", name="Statistik").click()
    expect(page.get_by_role("heading", name="Översikt per månad: Region Jönköpings län, Utbildningsenhet")).to_be_visible()
    page.get_by_label("Period", exact=True).select_option(label="2025")
    page.get_by_label("Län", exact=True).select_option(label="Region Örebro län")
    page.get_by_label("Program", exact=True).select_option(label="Tobakshjälpen")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", name="Översikt per månad: Region Örebro län")).to_be_visible()
    expect(page.get_by_role("heading", name="Översikt per månad: Region Jönköpings län, Utbildningsenhet")).to_have_count(0)
    expect(page.get_by_label("Program", exact=True)).to_have_value("tobakshjalpen")
    # Örebro's months are all "< 5": a sentence, not an empty chart
    orebro = page.get_by_role("region", name="Översikt per månad: Region Örebro län")
    expect(orebro.get_by_text("Inget diagram: alla värden bygger på färre än 5 invånare")).to_be_visible()
    expect(orebro.get_by_role("img")).to_have_count(0)
    page.get_by_role("link", name="Så räknas varje siffra (definitioner)").click()
    expect(page.get_by_role("heading", name="Statistik: vad varje siffra betyder")).to_be_visible()
    assert axe_violations(axe, page) == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_data_side_pages_have_no_axe_violations(live_server, page, data, make_staff, backend, axe):
    make_staff("alla", roles="behandlare dataadmin behorighetsadmin", unit=data["units"][0])
    _login(page, live_server, "alla")
    problems = {}
    for path in ("/statistik?fran=2025-01", "/export"):
        page.goto(f"{live_server}{path}")
        found = axe_violations(axe, page)
        if found:
            problems[path] = found
    # the pages a POST shows: an identified export without a purpose, a Gallring search
    page.goto(f"{live_server}/export")
    page.get_by_role("checkbox", name="Med personnummer (kräver ett angivet syfte)").check()
    page.get_by_role("button", name="Exportera").click()
    expect(page.get_by_text("Ange syftet med exporten.")).to_be_visible()
    problems["export refused"] = axe_violations(axe, page)
    page.goto(f"{live_server}/administration/gallring")
    page.get_by_label("Invånarens personnummer").fill("19700101-0011")
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_role("button", name="Gallra")).to_be_visible()
    problems["gallring confirm"] = axe_violations(axe, page)
    assert {k: v for k, v in problems.items() if v} == {}
