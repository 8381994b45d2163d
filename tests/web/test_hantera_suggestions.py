"""Förslag on Hantera: answers in 1.2 (tobaksvanor) suggest individual modules to the clinician, who acts
on them with "Sätt till aktuell"; nothing is activated by the answers themselves."""
import re

import pytest

from web.models import EnrollmentModule
from web.services.patient import answers

SMOKER = {"produkter": ["cigaretter"], "cigaretter_per_dag": 15, "ar": 20, "tidigare_forsok": "flera-ganger",
          "under_18": False, "graviditet": "nej", "operation": False, "cancer": False, "psykiatriska_lakemedel": False,
          "sjalvmordstankar": False}
GRAVID = "Förslag:</strong> Modul Graviditet och tobak – invånaren har svarat att hon är gravid (1.2)."
OPERATION = ("Förslag:</strong> Modul Operation och tobak – invånaren har svarat att hen ska opereras under de "
             "närmaste månaderna (1.2).")


@pytest.fixture
def hantera(client, login, clinician, make_moment):
    moment = make_moment()
    login(clinician)

    def get():
        return client.get(f"/moment/{moment.id}/hantera").get_data(as_text=True)

    get.moment = moment
    return get


def _submit(moment, clock, **changes):
    answers.submit_form(moment, moment.patient, "tobaksvanor", {**SMOKER, **changes}, now=clock(),
                        module_id="steg-1")


def _state(db, moment, module_id):
    db.session.expire_all()
    return db.session.execute(db.select(EnrollmentModule.state).where(
        EnrollmentModule.enrollment_id == moment.id, EnrollmentModule.module_id == module_id)).scalar_one()


def _suggestion(page, module_id):
    """The <li> of one suggestion."""
    start = page.index(f'id="forslag-{module_id}"')
    return page[start:page.index("</li>", start)]


def test_no_suggestions_before_1_2_is_submitted_or_when_nothing_fits(hantera, clock):
    assert 'id="forslag"' not in hantera()
    _submit(hantera.moment, clock)
    assert 'id="forslag"' not in hantera()


def test_pregnancy_and_surgery_suggest_their_modules_with_the_reason_and_a_button(hantera, db, clock):
    _submit(hantera.moment, clock, produkter=["snus"], cigaretter_per_dag=None, prillor_per_dag=10,
            dosor_per_vecka=3, graviditet="gravid", operation=True)
    page = hantera()
    assert page.count("<strong>Förslag:</strong>") == 2
    assert GRAVID in page and OPERATION in page
    assert page.index(GRAVID) < page.index(OPERATION)  # the program's module order
    assert "forslag-ung" not in page and "forslag-cancer" not in page
    gravid = _suggestion(page, "graviditet")
    assert f'action="/moment/{hantera.moment.id}/modul/aktuell"' in gravid
    assert re.search(r'name="module" value="graviditet"', gravid)
    assert re.search(r'name="days" value="7"', gravid)
    assert re.search(r'>Sätt till aktuell<span class="visually-hidden">: [^<]+ \(förslag\)</span></button>', gravid)
    # a suggestion is never an activation
    assert _state(db, hantera.moment, "graviditet") == "upcoming"
    assert _state(db, hantera.moment, "operation") == "upcoming"


def test_satt_till_aktuell_from_a_suggestion_activates_the_module_and_the_suggestion_goes(
        hantera, client, db, clock):
    _submit(hantera.moment, clock, under_18=True, cancer=True)
    page = hantera()
    assert "Modul Ung och tobak – invånaren har svarat att hen är under 18 år (1.2)." in page
    assert "Modul Cancer och tobak – invånaren har svarat att hen har eller har haft cancer (1.2)." in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', _suggestion(page, "ung")).group(1)
    response = client.post(f"/moment/{hantera.moment.id}/modul/aktuell",
                           data={"csrf_token": token, "module": "ung", "days": "7"})
    assert response.status_code == 302
    assert _state(db, hantera.moment, "ung") == "current"
    page = hantera()
    assert "forslag-ung" not in page and "forslag-cancer" in page


def test_the_newest_submission_counts(hantera, clock):
    _submit(hantera.moment, clock, graviditet="partner-gravid")
    assert "Modul Graviditet och tobak – invånaren har svarat att partnern är gravid (1.2)." in hantera()
    clock.advance(hours=1)
    _submit(hantera.moment, clock, graviditet="nej")
    assert 'id="forslag"' not in hantera()


def test_an_ended_moment_shows_no_suggestions(hantera, db, clinician, clock):
    from web.services.clinician import moments

    _submit(hantera.moment, clock, cancer=True)
    assert "forslag-cancer" in hantera()
    moments.end_moment(hantera.moment, "genomford", user=clinician, membership=clinician.memberships[0], now=clock())
    db.session.commit()
    assert 'id="forslag"' not in hantera()
