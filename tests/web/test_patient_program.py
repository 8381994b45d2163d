"""Stöd och behandling: program home, modules, steps, progress, read-only modules, vidmakthåll and ended moments."""
from datetime import date

import pytest

from patient_support import html_text, step_url, with_alla_typer

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)


def _services():
    from web.services.clinician import moments

    return moments


def test_program_home_shows_the_welcome_text_and_the_modules_the_patient_may_see(client, start, patient_login):
    enrollment = start()
    patient_login()
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))
    assert "Hej och välkommen till testprogrammet!" in page
    assert "Aktuella moduler" in page and f"/stod-och-behandling/{enrollment.id}/modul/start/" in page
    assert "Hemlig modul" not in page  # hidden modules never appear


def test_program_home_shows_the_welcome_text_the_clinician_edited(client, start, patient_login, clinician):
    enrollment = start()
    _services().save_welcome_text(enrollment, "Hej Jane, **just du** är välkommen!", user=clinician,
                                  membership=clinician.memberships[0], now=enrollment.started_at)
    patient_login()
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))
    assert "Hej Jane, <strong>just du</strong> är välkommen!" in page
    assert "testprogrammet" not in page


def test_welcome_text_html_is_sanitised(client, start, patient_login, clinician):
    enrollment = start()
    _services().save_welcome_text(enrollment, 'Hej <script>alert(1)</script><img src=x onerror="alert(2)">',
                                  user=clinician, membership=clinician.memberships[0], now=enrollment.started_at)
    patient_login()
    page = client.get(f"/stod-och-behandling/{enrollment.id}/").get_data(as_text=True)
    # raw HTML in a welcome text is shown as text (markdown-it with html off), never as markup
    assert "<script>alert(1)" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_hidden_module_and_its_steps_are_not_found(client, start, patient_login):
    enrollment = start()
    patient_login()
    assert client.get(f"/stod-och-behandling/{enrollment.id}/modul/dold/").status_code == 404
    assert client.get(step_url(enrollment, "dold", "hemlig")).status_code == 404
    assert client.get(f"/stod-och-behandling/{enrollment.id}/modul/finns-inte/").status_code == 404


def test_module_opened_by_the_clinician_appears(client, start, patient_login, clinician):
    enrollment = start()
    _services().activate_module(enrollment, "dold", days=None, user=clinician, membership=clinician.memberships[0],
                                now=enrollment.started_at)
    patient_login()
    assert "Hemlig modul" in html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))
    assert "Hemlig text som invånaren inte ska se." in html_text(client.get(step_url(enrollment, "dold", "hemlig")))


def test_module_lists_steps_with_progress_in_words(client, start, patient_login):
    enrollment = start()
    patient_login()
    client.get(step_url(enrollment, "start", "lasa"))  # no forms: done as soon as it is read
    client.get(step_url(enrollment, "start", "fragor"))  # a form left to submit: started
    page = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/modul/start/"))
    items = page[page.index('<ol class="steps">'):page.index("</ol>", page.index('<ol class="steps">'))]
    fragor, poang, lasa = items.split("<li")[1:]
    assert "Påbörjad" in fragor and "progress-started" in fragor
    assert "Ej påbörjad" in poang and "progress-not_started" in poang
    assert "Färdig" in lasa and "progress-done" in lasa
    assert "1 av 3 avsnitt färdiga" in page


def test_opening_a_step_records_a_view_and_last_active(client, start, patient_login, db, clock):
    from web.models import Event, StepProgress

    enrollment = start()
    patient_login()
    clock.advance(hours=2)
    response = client.get(step_url(enrollment, "start", "lasa"))
    assert response.status_code == 200
    progress = db.session.execute(db.select(StepProgress).where(StepProgress.step_id == "lasa")).scalar_one()
    assert progress.status == "done"
    db.session.refresh(enrollment)
    assert enrollment.last_active == clock()
    event = db.session.execute(db.select(Event).where(Event.type == "step_viewed")).scalar_one()
    assert event.actor_kind == "patient" and event.step_id == "lasa"


def test_senast_aktiv_is_kept_to_the_minute_while_every_view_is_recorded(client, start, patient_login, db, clock):
    """Paging through steps within a minute writes each step_viewed event but not the moment's row."""
    from web.models import Event

    enrollment = start()
    patient_login()
    clock.advance(hours=2)
    first = clock()
    client.get(step_url(enrollment, "start", "lasa"))
    clock.advance(seconds=40)
    client.get(step_url(enrollment, "start", "poang"))
    db.session.refresh(enrollment)
    assert enrollment.last_active == first
    clock.advance(seconds=30)  # 70 s after the stored value
    client.get(step_url(enrollment, "start", "lasa"))
    db.session.refresh(enrollment)
    assert enrollment.last_active == clock()
    views = db.session.execute(db.select(Event.step_id).where(Event.type == "step_viewed")
                               .order_by(Event.id)).scalars().all()
    assert views == ["lasa", "poang", "lasa"]


def test_step_page_renders_markdown_and_links_to_the_next_step(client, start, patient_login):
    enrollment = start()
    patient_login()
    page = html_text(client.get(step_url(enrollment)))
    assert "<h1>1.1 Alla frågetyper</h1>" in page
    assert "<p>Här finns <strong>alla</strong> frågetyper" in page and "<h2>Så här svarar du</h2>" in page
    assert f'href="{step_url(enrollment, "start", "poang")}"' in page


def test_read_only_module_shows_content_without_inputs(client, start, patient_login, clinician):
    enrollment = start()
    _services().set_patient_status(enrollment, "start", "read_only", user=clinician,
                                   membership=clinician.memberships[0], now=enrollment.started_at)
    patient_login()
    page = html_text(client.get(step_url(enrollment)))
    assert "Svara på frågorna nedan." in page
    assert 'name="kort"' not in page and "Skicka in" not in page
    assert "Formuläret kan inte fyllas i just nu." in page


def test_vidmakthall_shows_content_read_only_and_rejects_writes(client, start, patient_login, clinician, clock,
                                                                 db):
    from web.models import FormResponse

    enrollment = start()
    _services().end_and_maintain(enrollment, "klar", date(2026, 3, 31), user=clinician,
                                 membership=clinician.memberships[0], now=enrollment.started_at)
    patient_login()
    home = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))
    assert "Du kan läsa innehållet till och med 2026-03-31" in home
    step = html_text(client.get(step_url(enrollment)))
    assert "Svara på frågorna nedan." in step and 'name="kort"' not in step
    post = client.post(f"{step_url(enrollment)}/formular/alla", data={"stegvis-atgard": "spara", "kort": "Jane"})
    assert post.status_code == 422
    assert db.session.execute(db.select(FormResponse)).first() is None
    messages = html_text(client.get(f"/stod-och-behandling/{enrollment.id}/meddelanden/"))
    assert "Skapa ny konversation" not in messages
    rejected = client.post(f"/stod-och-behandling/{enrollment.id}/meddelanden/ny", data={"subject": "Hej", "body": "Hej"})
    assert rejected.status_code == 422
    clock.advance(days=30)  # after the last day of vidmakthåll the moment is simply ended
    assert "<h1>Behandlingen är avslutad</h1>" in html_text(client.get(f"/stod-och-behandling/{enrollment.id}/"))


def test_ended_moment_shows_only_that_the_treatment_has_ended(client, start, patient_login, clinician):
    enrollment = start()
    _services().end_moment(enrollment, "klar", user=clinician, membership=clinician.memberships[0],
                           now=enrollment.started_at)
    patient_login()
    for url in (f"/stod-och-behandling/{enrollment.id}/", step_url(enrollment),
                f"/stod-och-behandling/{enrollment.id}/meddelanden/", f"/stod-och-behandling/{enrollment.id}/aktiviteter/"):
        page = html_text(client.get(url))
        assert "<h1>Behandlingen är avslutad</h1>" in page
        assert "Svara på frågorna nedan." not in page and "Meddelanden" not in page and "Start" not in page
    assert "Avslutat" in html_text(client.get("/stod-och-behandling/"))
