"""axe-core finds no WCAG violations on any clinician page (filled with the demo's data)."""
import pytest

from commands.operators import demo_data as demo
from patient_e2e_support import axe_violations
from web.models import Enrollment, FormResponse, Patient
from web.services.clinician import activity
from web.services.patient import answers

# the HTML does not depend on the database, so axe runs once, on SQLite (the flow test covers both backends)
pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


def test_every_clinician_page_has_no_axe_violations(live_server, page, app, db, clock, axe):
    demo.seed(app, clock())
    jane = db.session.execute(db.select(Enrollment).join(Patient).where(
        Patient.personnummer == demo.JANE)).scalar_one()
    response_id = db.session.execute(db.select(FormResponse.id)).scalar_one()
    answers.submit_form(jane, jane.patient, "tobaksvanor", {  # Hantera then shows Förslag (Graviditet, Operation)
        "produkter": ["cigaretter"], "cigaretter_per_dag": 15, "ar": 20, "tidigare_forsok": "aldrig", "under_18": False,
        "graviditet": "gravid", "operation": True, "cancer": False, "psykiatriska_lakemedel": False,
        "sjalvmordstankar": False},
        now=clock(), module_id="steg-1")
    marita = jane.clinician
    plan = activity.save_content(jane, None, name="Promenad", elements=[{"kind": "registration", "text": "Gick du?"}],
                                 user=marita, now=clock())
    activity.save_schedule(plan, start=clock().date(), times=[{"time": "08:30", "weekdays": ["mon"]}], until=None,
                           every_weeks=1, now=clock())
    anna = db.session.execute(db.select(Enrollment).join(Patient).where(
        Patient.personnummer == demo.ANNA)).scalar_one()
    assert anna.patient.password_hash is None  # Hantera offers Skapa ny aktiveringslänk for her
    m = f"/moment/{jane.id}"
    pages = [
        "/logga-in",
        # admin: two units, every role
        "LOGIN admin", "/valj-vardenhet", "CHOOSE", "/oversikt/att-gora", "/oversikt/att-gora?typ=form_saved",
        "/oversikt/mina", "/oversikt/alla", "/oversikt/avslutade", "FILTER doe",
        "/oversikt/alla?ohanterade=1&sortera=aldsta", "/moment/nytt", "LOOKUP", "/min-profil", "/personal", "/anvandargrupper",
        f"/personal/{marita.memberships[0].id}/hsa-id", "HSA-ID ERROR", "/installningar", "/administration",
        "ADMINISTRATION SEARCH", "/export",
        f"{m}/hantera", f"{m}/hantera?redigera=1", f"{m}/svar/{response_id}", f"{m}/meddelanden",
        f"{m}/tidslinje", f"{m}/tidslinje?typ=modul&period=vecka", f"{m}/handelser",
        f"{m}/handelser?flaggtyp=module_reminder", f"{m}/handelser?flaggtyp=date_reminder",
        f"{m}/handelser/aktivitetsplaner", f"{m}/handelser/aktivitetsplaner/ny",
        f"{m}/handelser/aktivitetsplaner/{plan.id}/steg/2", f"{m}/handelser/aktivitetsplaner/{plan.id}/steg/3",
        f"/moment/{anna.id}/hantera", "NEW LINK",
    ]
    problems = {}
    checked = 0
    for step in pages:
        if step == "LOGIN admin":
            page.get_by_label("Användarnamn").fill("admin")
            page.get_by_label("Lösenord").fill(demo.PASSWORD)
            page.get_by_role("button", name="Logga in").click()
            page.wait_for_url("**/valj-vardenhet**")
            continue
        if step == "CHOOSE":
            page.get_by_label("Region Jönköpings län, Utbildningsenhet").check()
            page.get_by_role("button", name="Fortsätt").click()
            page.wait_for_url("**/oversikt/**")
            continue
        if step == "NEW LINK":  # the page that shows the new activation link once
            page.get_by_role("button", name="Skapa ny aktiveringslänk").click()
            page.get_by_label("Aktiveringslänk").wait_for()
        elif step == "HSA-ID ERROR":  # Ändra HSA-id refused: the error tied to the field
            page.get_by_label("HSA-id", exact=True).fill("SE123")
            page.get_by_role("button", name="Spara HSA-id").click()
            page.get_by_text("HSA-id:t ska skrivas som").wait_for()
        elif step == "FILTER doe":  # the overview filter is posted; the list comes back at ?sok=<token>
            page.goto(f"{live_server}/oversikt/alla")
            page.get_by_role("searchbox", name="Filter").fill("doe")
            page.get_by_role("button", name="Filtrera").click()
            page.get_by_text("som matchar filtret").wait_for()
            assert "doe" not in page.url and "sok=" in page.url
        elif step == "ADMINISTRATION SEARCH":
            page.goto(f"{live_server}/administration")
            page.get_by_label("Invånarens personnummer").fill("19610831-2460")
            page.get_by_role("button", name="Sök").click()
            page.get_by_role("heading", name="Åtkomstlogg").wait_for()
        elif step == "LOOKUP":
            page.get_by_label("Invånarens personnummer").fill("19881124-4568")
            page.get_by_role("button", name="Sök invånare").click()
            page.get_by_text("aldrig varit inloggad").wait_for()
        else:
            response = page.goto(f"{live_server}{step}")
            assert response.status == 200, step
        checked += 1
        found = axe_violations(axe, page)
        if found:
            problems[step] = found
    assert checked == len([p for p in pages if p not in ("LOGIN admin", "CHOOSE")])
    assert problems == {}
