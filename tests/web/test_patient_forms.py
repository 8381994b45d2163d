"""Forms on step pages: every question type, show_if, drafts, validation with answers kept, feedback, idempotency."""
import re

import pytest

from patient_support import form_url, html_text, step_url, token_of, valid_answers, with_alla_typer
from html_assert import elements, has_element

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)


def _question_block(page: str, qid: str) -> str:
    start_at = page.index(f'data-question="{qid}"')
    return page[start_at:page.index('<div class="question', start_at + 1) if '<div class="question' in page[
        start_at + 1:] else len(page)]


def test_every_question_type_is_rendered_with_a_label(client, start, patient_login):
    enrollment = start()
    patient_login()
    page = html_text(client.get(step_url(enrollment)))
    assert '<label for="f-alla-kort">Vad heter du?' in page and has_element(page, "input", type="text", id="f-alla-kort")
    assert has_element(page, "textarea", id="f-alla-lang", name="lang", aria_describedby="f-alla-lang-hjalp")
    assert 'inputmode="decimal"' in _question_block(page, "antal")
    assert page.count('type="radio" id="f-alla-val-') == 3
    assert page.count('type="checkbox" id="f-alla-flera-') == 3
    assert page.count('name="skala" value=') == 11 and "0 = Inte alls, 10 = Mycket" in page
    assert 'name="janej" value="yes"> Ja' in page and 'name="janej" value="no"> Nej' in page
    assert 'type="date"' in _question_block(page, "datum") and 'type="time"' in _question_block(page, "tid")
    # the optional questions carry the mark, the required ones (most of them) do not
    assert "<legend>Vilken årstid tycker du bäst om?</legend>" in page
    assert '<label for="f-alla-lang">Berätta om dig själv. <span class="optional">(frivillig)</span></label>' in page
    assert "(frivillig)" not in _question_block(page, "kort") and "måste besvaras" not in page
    assert "Frågor märkta (frivillig) behöver du inte besvara." in page


def test_skicka_in_is_the_first_submit_button_so_enter_sends(client, start, patient_login):
    enrollment = start()
    patient_login()
    page = html_text(client.get(step_url(enrollment)))
    form = page[page.index('class="patient-form"'):]
    form = form[:form.index("</form>")]
    buttons = re.findall(r'<button type="submit" name="stegvis-atgard" value="(\w+)" class="([^"]+)">([^<]+)</button>', form)
    assert buttons == [("skicka", "button primary", "Skicka in"), ("spara", "button secondary", "Spara utkast")]


def test_a_step_with_several_forms_numbers_them(client, start, patient_login):
    enrollment = start("tobakshjalpen")
    patient_login()
    page = html_text(client.get(step_url(enrollment, "steg-1", "tobaksvanor")))
    positions = re.findall(r'<span class="form-position">Formulär (\d) av (\d)<span class="visually-hidden">:</span></span>', page)
    assert positions == [("1", "3"), ("2", "3"), ("3", "3")]
    single = html_text(client.get(step_url(enrollment, "steg-1", "motivation")))
    assert 'class="form-position"' not in single and 'id="formular-skal-titel">' in single


def test_show_if_hides_a_question_until_its_condition_holds(client, start, patient_login):
    enrollment = start()
    patient_login()
    page = html_text(client.get(step_url(enrollment)))
    assert has_element(page, "div", class_="question", data_question="annat", hidden=True)
    client.post(form_url(enrollment), data={"stegvis-atgard": "spara", "flera": ["annat"]})
    page = html_text(client.get(step_url(enrollment)))
    assert has_element(page, "div", class_="question", data_question="annat", hidden=False)


def test_visible_questions_endpoint_applies_show_if_for_the_script(client, start, patient_login):
    enrollment = start()
    patient_login()
    url = f"/stod-och-behandling/{enrollment.id}/formular/alla/synliga"
    assert "annat" not in client.post(url, data={"flera": ["te"]}).get_json()["visible"]
    assert "annat" in client.post(url, data={"flera": ["te", "annat"]}).get_json()["visible"]
    assert client.post(f"/stod-och-behandling/{enrollment.id}/formular/poang-finns-inte/synliga").status_code == 404


def test_saved_draft_is_shown_again_after_a_reload(client, start, patient_login, db):
    from web.models import FormResponse

    enrollment = start()
    patient_login()
    response = client.post(form_url(enrollment), data={"stegvis-atgard": "spara", "kort": "Jane", "antal": "12,5",
                                                       "flera": ["te", "kaffe"], "janej": "yes", "skala": "4"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#formular-alla")
    draft = db.session.execute(db.select(FormResponse)).scalar_one()
    assert draft.status == "draft"
    assert draft.answers == {"kort": "Jane", "antal": 12.5, "flera": ["te", "kaffe"], "janej": True, "skala": 4}
    page = html_text(client.get(step_url(enrollment)))
    assert has_element(page, "input", name="kort", aria_required="true", value="Jane")
    assert 'value="12,5"' in page
    assert 'value="te" checked' in page and 'value="kaffe" checked' in page and 'value="annat" checked' not in page
    assert has_element(page, "input", name="janej", value="yes", checked=True)
    assert has_element(page, "input", name="skala", value="4", checked=True)
    assert "Utkast sparat 2026-03-02 09:00" in page


def test_draft_with_an_unreadable_number_keeps_what_was_typed_and_says_why(client, start, patient_login, db):
    from web.models import FormResponse

    enrollment = start()
    patient_login()
    response = client.post(form_url(enrollment), data={"stegvis-atgard": "spara", "kort": "Jane", "antal": "tolv"})
    assert response.status_code == 422
    page = html_text(response)
    assert 'value="tolv"' in page and "Ange ett tal." in page
    assert db.session.execute(db.select(FormResponse.answers)).scalar_one() == {"kort": "Jane"}


def test_autosave_answers_json_and_stores_the_draft(client, start, patient_login, db):
    from web.models import FormResponse

    enrollment = start()
    patient_login()
    response = client.post(form_url(enrollment), data={"stegvis-atgard": "spara", "kort": "Jan"},
                           headers={"X-Stegvis-Autosave": "1"})
    assert response.status_code == 200
    assert response.get_json() == {"saved": True, "message": "Utkastet sparades 2026-03-02 09:00.", "errors": {}}
    assert db.session.execute(db.select(FormResponse.answers)).scalar_one() == {"kort": "Jan"}


def test_submit_with_a_missing_required_answer_keeps_every_answer_and_marks_the_question(client, start,
                                                                                         patient_login, db):
    from web.models import FormResponse

    enrollment = start()
    patient_login()
    response = client.post(form_url(enrollment), data={"stegvis-atgard": "skicka",
                                                       **valid_answers(kort=None, antal="tolv", flera=["te", "annat"],
                                                                       annat="Saft")})
    assert response.status_code == 422
    page = html_text(response)
    kort = _question_block(page, "kort")
    assert 'class="question has-error"' in page[page.index('data-question="kort"') - 30:page.index('data-question="kort"')]
    assert '<p class="error" id="f-alla-kort-fel"><span class="visually-hidden">Fel: </span>Frågan måste besvaras.</p>' in kort
    assert 'aria-describedby="f-alla-kort-fel" aria-invalid="true"' in kort
    assert 'value="tolv"' in _question_block(page, "antal") and "Ange ett tal." in _question_block(page, "antal")
    assert 'value="Saft"' in _question_block(page, "annat")
    assert has_element(page, "input", value="host", checked=True) and has_element(page, "input", value="annat", checked=True)
    assert has_element(page, "input", name="skala", value="7", checked=True)
    assert "Jag gillar promenader." in page and 'value="2026-03-01"' in page and 'value="07:30"' in page
    assert '<a href="#f-alla-kort">Vad heter du? – Frågan måste besvaras.</a>' in page  # error summary
    assert db.session.execute(db.select(FormResponse).where(FormResponse.status == "submitted")).first() is None


def test_submitted_answers_store_the_question_texts_and_show_the_feedback(client, start, patient_login, db):
    from web.models import Event, FormResponse

    enrollment = start()
    patient_login()
    page = html_text(client.get(step_url(enrollment)))
    response = client.post(form_url(enrollment), data={"stegvis-atgard": "skicka", "stegvis-token": token_of(page),
                                                       **valid_answers()})
    assert response.status_code == 302
    row = db.session.execute(db.select(FormResponse)).scalar_one()
    assert row.status == "submitted" and row.opened_at is None and row.step_id == "fragor"
    assert row.answers["antal"] == 3 and row.answers["datum"] == "2026-03-01" and row.answers["tid"] == "07:30"
    assert row.questions["kort"]["text"] == "Vad heter du?"
    assert row.questions["val"]["options"] == {"var": "Vår", "sommar": "Sommar", "host": "Höst"}
    assert db.session.execute(db.select(Event.type).where(Event.form_response_id == row.id)).scalar_one() == \
        "form_submitted"
    page = html_text(client.get(step_url(enrollment)))
    assert "Tack! Dina svar är inskickade." in page and "Tack för dina svar!" in page
    assert "<dt>Vilken årstid tycker du bäst om?</dt><dd>Höst</dd>" in page and "<dd>Nej</dd>" in page
    assert "Fyll i formuläret igen" in page  # resubmit: true


def test_double_submit_of_the_same_page_stores_one_submission(client, start, patient_login, db):
    from web.models import FormResponse

    enrollment = start()
    patient_login()
    token = token_of(html_text(client.get(step_url(enrollment))))
    data = {"stegvis-atgard": "skicka", "stegvis-token": token, **valid_answers()}
    first, second = client.post(form_url(enrollment), data=data), client.post(form_url(enrollment), data=data)
    assert first.status_code == second.status_code == 302
    assert db.session.execute(db.select(db.func.count(FormResponse.id))).scalar_one() == 1
    assert "Dina svar var redan inskickade." in html_text(client.get(second.headers["Location"]))


def test_resubmittable_form_can_be_submitted_again_from_a_new_page(client, start, patient_login, db):
    from web.models import FormResponse

    enrollment = start()
    patient_login()
    for name in ("Jane", "Janne"):
        token = token_of(html_text(client.get(step_url(enrollment))))
        client.post(form_url(enrollment), data={"stegvis-atgard": "skicka", "stegvis-token": token,
                                                **valid_answers(kort=name)})
    rows = db.session.execute(db.select(FormResponse.answers).order_by(FormResponse.id)).scalars().all()
    assert [r["kort"] for r in rows] == ["Jane", "Janne"]


def test_scored_form_shows_the_band_and_cannot_be_submitted_twice(client, start, patient_login, db):
    from web.models import FormResponse

    enrollment = start()
    patient_login()
    url = form_url(enrollment, "poang", step_id="poang")
    assert client.post(url, data={"stegvis-atgard": "skicka", "forsta": "snart", "svart": "no"}).status_code == 302
    row = db.session.execute(db.select(FormResponse)).scalar_one()
    assert (row.score, row.band) == (3, "Högt beroende")
    page = html_text(client.get(step_url(enrollment, step_id="poang")))
    assert "Poäng: <strong>3</strong> – Högt beroende" in page and "Ditt beroende är högt." in page
    assert "Din behandlare läser dina svar." in page
    assert 'name="forsta"' not in page and "Skicka in" not in page  # resubmit: false
    again = client.post(url, data={"stegvis-atgard": "skicka", "forsta": "sent", "svart": "no"})
    assert again.status_code == 422 and "redan inskickat" in html_text(again)
    assert db.session.execute(db.select(db.func.count(FormResponse.id))).scalar_one() == 1


def test_a_form_of_another_step_cannot_be_posted_through_this_step(client, start, patient_login):
    enrollment = start()
    patient_login()
    assert client.post(form_url(enrollment, "poang"), data={"stegvis-atgard": "spara"}).status_code == 404


def test_submitted_form_reaches_the_clinician_as_unread(client, start, patient_login, db):
    from web.services.clinician.responses import unread_responses

    enrollment = start()
    patient_login()
    client.post(form_url(enrollment), data={"stegvis-atgard": "skicka", **valid_answers()})
    [unread] = unread_responses(enrollment)
    assert unread.form_title == "Alla frågetyper"


def test_form_inputs_are_wired_to_their_help_and_errors(client, start, patient_login):
    enrollment = start()
    patient_login()
    page = html_text(client.post(form_url(enrollment), data={"stegvis-atgard": "skicka"}))
    for described in re.findall(r'aria-describedby="([^"]+)"', page):
        for ref in described.split():
            assert f'id="{ref}"' in page, ref


def test_forms_of_a_started_battery_are_answered_from_the_program_home(client, start, patient_login, clinician, db):
    from web.models import FormResponse
    from web.services.clinician import moments

    enrollment = start()
    patient_login()
    url = f"/stod-och-behandling/{enrollment.id}/formular/uppfoljning"
    assert client.get(url).status_code == 404  # not started yet
    moments.start_battery(enrollment, "manad", user=clinician, membership=clinician.memberships[0],
                          now=enrollment.started_at)
    home = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))
    assert "Formulär att fylla i" in home and f'href="{url}"' in home
    assert "<h1 id=\"formular-uppfoljning-titel\">Uppföljning efter en månad</h1>" in html_text(client.get(url))
    missing = client.post(url, data={"stegvis-atgard": "skicka"})
    assert missing.status_code == 422 and "Frågan måste besvaras." in html_text(missing)
    assert client.post(url, data={"stegvis-atgard": "skicka", "rokfri": "yes"}).status_code == 302
    row = db.session.execute(db.select(FormResponse)).scalar_one()
    assert (row.form_id, row.status, row.step_id, row.answers) == ("uppfoljning", "submitted", None, {"rokfri": True})
    assert "Formulär att fylla i" not in html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))


def test_a_form_with_show_if_carries_its_expression_trees_for_the_browser(client, start, patient_login, test_program):
    import html
    import json

    from engine.forms.client import client_rules

    enrollment = start()
    patient_login()
    page = html_text(client.get(step_url(enrollment)))
    (form,) = elements(page, "form", class_="patient-form")
    assert json.loads(html.unescape(form["data-show-if"])) == client_rules(test_program.form("alla"))
    assert "'" not in form["data-show-if"] and form["data-revealed"] == "Ny fråga:"
    assert '<p class="visually-hidden" data-live aria-live="polite"></p>' in page
    assert page.index("/static/show_if.js") < page.index("/static/patient.js")


@pytest.mark.parametrize("action", ["spara", "skicka"])
def test_a_form_post_reads_the_moments_modules_and_steps_once(client, start, patient_login, count_queries, action):
    # pages that only show a moment read its progress as plain rows; a post, which writes it through the unit of
    # work, loads the rows with the moment instead of reading them twice
    enrollment = start()
    patient_login()
    token = token_of(html_text(client.get(step_url(enrollment))))
    with count_queries() as statements:
        response = client.post(form_url(enrollment), data={"stegvis-atgard": action, "stegvis-token": token,
                                                           **valid_answers()})
    assert response.status_code == 302
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert sum("enrollment_module" in s for s in reads) == 1, reads
    assert sum("step_progress" in s for s in reads) == 1, reads
