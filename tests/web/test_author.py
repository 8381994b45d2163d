"""Förhandsvisning for authors: pages as patients see them, form trials, dag N, problems and reload."""
import os
import time

import pytest

from patient_support import copy_alla_typer, html_text


@pytest.fixture
def author(make_staff):
    """A staff member with the Författare role."""
    return make_staff("forfattare", roles="forfattare", name="Frida Författare")


@pytest.fixture
def programs_dir(tmp_path):
    """A copy of the alla-typer program files that a test may edit."""
    return copy_alla_typer(tmp_path / "program-filer")


@pytest.fixture
def app_config(app_config, programs_dir):  # noqa: F811
    """Preview the editable copy of the program files."""
    return {**app_config, "PROGRAMS_DIR": str(programs_dir)}


def test_author_preview_needs_the_author_role_outside_the_demo(client, login, clinician, author):
    assert client.get("/author/").status_code == 302  # anonymous: staff login
    login(clinician)
    assert client.get("/author/").status_code == 403
    client.post("/logga-ut")
    login(author)
    page = html_text(client.get("/author/"))
    assert "Förhandsvisning av program" in page and "Alla typer" in page and "Inga fel" in page


def test_every_staff_member_may_preview_in_the_demo(app, client, login, clinician):
    app.config["DEMO"] = True
    login(clinician)
    assert client.get("/author/").status_code == 200


def test_program_page_lists_modules_steps_forms_and_the_welcome_text(client, login, author):
    login(author)
    page = html_text(client.get("/author/alla-typer/"))
    assert "Hej och välkommen till testprogrammet!" in page
    assert "/author/alla-typer/modul/dold/hemlig" in page  # authors see hidden modules too
    assert "/author/alla-typer/formular/poang" in page


def test_step_preview_shows_the_step_exactly_as_the_patient_step_body(client, login, author, db):
    from web.models import FormResponse

    login(author)
    page = html_text(client.get("/author/alla-typer/modul/start/fragor"))
    assert "<h1>1.1 Alla frågetyper</h1>" in page and "Här finns <strong>alla</strong> frågetyper" in page
    assert 'name="kort"' in page and "Skicka in" in page and 'data-autosave="0"' in page
    tried = html_text(client.post("/author/alla-typer/modul/start/fragor/formular/alla",
                                  data={"stegvis-atgard": "skicka", "kort": "Test", "antal": "mycket"}))
    assert "Ange ett tal." in tried and 'value="mycket"' in tried and "Frågan måste besvaras." in tried
    assert db.session.execute(db.select(FormResponse)).first() is None


def test_form_trial_shows_the_band_and_feedback_without_storing(client, login, author, db):
    from web.models import Event, FormResponse

    login(author)
    page = html_text(client.post("/author/alla-typer/formular/poang",
                                 data={"stegvis-atgard": "skicka", "forsta": "snart", "svart": "no"}))
    assert "Poäng: <strong>3</strong> – Högt beroende" in page and "Ditt beroende är högt." in page
    assert "Din behandlare läser dina svar." in page
    assert db.session.execute(db.select(FormResponse)).first() is None
    assert db.session.execute(db.select(Event)).first() is None


def test_validation_problems_show_with_file_line_and_column(client, login, author, programs_dir):
    broken = programs_dir / "trasig.yaml"
    broken.write_text((programs_dir / "alla-typer.yaml").read_text(encoding="utf-8")
                      .replace("default_days: 7", "default_days: sju", 1),
                      encoding="utf-8")
    login(author)
    index = html_text(client.get("/author/"))
    assert "trasig.yaml" in index and "1 fel" in index
    page = html_text(client.get("/author/trasig/"))
    line = next(n for n, text in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1) if "sju" in text)
    assert f"{broken}:{line}:" in page and ": error: " in page


def test_day_n_shows_the_modules_a_patient_would_have_and_the_flags_fired(app, client, login, author):
    from web.config import PROJECT_ROOT

    app.config["PROGRAMS_DIR"] = str(PROJECT_ROOT / "programs")
    login(author)
    day0 = html_text(client.get("/author/tobakshjalpen/?dag=0"))
    assert "Moduler dag 0" in day0 and "Inga flaggor." in day0
    day10 = html_text(client.get("/author/tobakshjalpen/?dag=10&forlopp=typiskt"))
    row = day10[day10.index("<td>Steg 2 "):day10.index("</tr>", day10.index("<td>Steg 2 "))]
    assert "<td>Aktuell</td>" in row and "<td>Ja</td>" in row
    assert "Invånare inaktivitet" in day10 and "2026-03-09" in day10  # 7 days without the patient doing anything
    only_start = html_text(client.get("/author/tobakshjalpen/?dag=10&forlopp=ingen"))
    row = only_start[only_start.index("<td>Steg 2 "):only_start.index("</tr>", only_start.index("<td>Steg 2 "))]
    assert "<td>Kommande</td>" in row and "<td>Nej</td>" in row


def test_preview_rereads_changed_program_files_in_development(app, client, login, author, programs_dir):
    app.config["AUTHOR_RELOAD"] = True  # what app.debug turns on
    login(author)
    before = client.get("/author/andringar").get_json()["fingerprint"]
    assert "Svara på frågorna nedan." in html_text(client.get("/author/alla-typer/modul/start/fragor"))
    content = programs_dir / "content" / "alla-typer" / "start" / "fragor.md"
    content.write_text("Helt ny text om frågorna.\n", encoding="utf-8")
    bump = time.time() + 5  # a clearly newer mtime, whatever the file system's resolution
    os.utime(content, (bump, bump))
    assert client.get("/author/andringar").get_json()["fingerprint"] != before
    page = html_text(client.get("/author/alla-typer/modul/start/fragor"))
    assert "Helt ny text om frågorna." in page and '<meta name="stegvis-reload"' in page


def test_without_development_reloading_the_change_feed_is_off(client, login, author):
    login(author)
    assert client.get("/author/andringar").status_code == 404
    assert '<meta name="stegvis-reload"' not in html_text(client.get("/author/"))


def test_module_page_and_live_show_if_work_in_the_preview(client, login, author):
    login(author)
    module = html_text(client.get("/author/alla-typer/modul/start/"))
    assert "<h1>Start</h1>" in module and "0 av 3 avsnitt färdiga" in module and "Ej påbörjad" in module
    url = "/author/alla-typer/formular/alla/synliga"
    assert "annat" in client.post(url, data={"flera": ["annat"]}).get_json()["visible"]
    assert "annat" not in client.post(url, data={"flera": ["te"]}).get_json()["visible"]
    assert client.get("/author/alla-typer/modul/finns-inte/").status_code == 404


def test_preview_plays_the_built_audio_of_steps_and_the_welcome_text(app, client, login, author, test_program):
    from web.content.audio import EspeakBackend, render_text
    from web.services.core.audio import audio_cache

    step = test_program.step("start", "lasa")
    path = render_text(step.text, audio_cache(), EspeakBackend(), "sv", step.title).path
    welcome = render_text(test_program.welcome_text, audio_cache(), EspeakBackend(), "sv").path
    login(author)
    page = html_text(client.get("/author/alla-typer/modul/start/lasa"))
    src = f"/author/alla-typer/ljud/start/lasa/{path.stem}.mp3"
    assert f'src="{src}"' in page
    with client.get(src) as response:
        assert response.mimetype == "audio/mpeg" and response.data == path.read_bytes()
    assert f"/author/alla-typer/ljud/valkomsttext/{welcome.stem}.mp3" in html_text(client.get("/author/alla-typer/"))
    assert client.get(f"/author/alla-typer/ljud/start/fragor/{path.stem}.mp3").status_code == 404


def test_every_module_step_and_form_of_tobakshjalpen_renders_in_the_preview(app, client, login, author, programs):
    from web.config import PROJECT_ROOT

    app.config["PROGRAMS_DIR"] = str(PROJECT_ROOT / "programs")
    program = programs["tobakshjalpen"]
    login(author)
    urls = [f"/author/tobakshjalpen/modul/{m.id}/" for m in program.modules]
    urls += [f"/author/tobakshjalpen/modul/{m.id}/{s.id}" for m in program.modules for s in m.steps]
    urls += [f"/author/tobakshjalpen/formular/{form_id}" for form_id in program.forms]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    step = html_text(client.get("/author/tobakshjalpen/modul/steg-1/stoppdagen"))
    assert 'type="date"' in step


def test_a_diary_trial_in_the_preview_shows_the_computed_values_rounded_with_their_units(app, client, login, author):
    from web.config import PROJECT_ROOT

    app.config["PROGRAMS_DIR"] = str(PROJECT_ROOT / "programs")
    login(author)
    page = html_text(client.post("/author/somnskolan/formular/somndagbok", data={
        "stegvis-atgard": "skicka", "lagg": "23:00", "slackte": "23:00", "insomning": "30", "uppvaknanden": "2", "vaken_natt": "20",
        "vaknade": "06:30", "upp": "07:00"}))
    # by hand: 23:00 → 07:00 is 480 minutes; 450 − 30 − 20 = 400 asleep; 400 / 480 = 83.3 %
    assert "<dt>Tid i sängen</dt> <dd>480 min</dd>" in page and "<dt>Sömntid</dt> <dd>400 min</dd>" in page
    assert "<dt>Sömneffektivitet</dt> <dd>83 %</dd>" in page


def test_the_preview_tries_a_form_the_clinician_fills_in_too(app, client, login, author):
    from web.config import PROJECT_ROOT

    app.config["PROGRAMS_DIR"] = str(PROJECT_ROOT / "programs")
    login(author)
    page = html_text(client.get("/author/somnskolan/formular/somnfonster"))
    assert 'name="lagg"' in page and "Skicka in" in page
    tried = html_text(client.post("/author/somnskolan/formular/somnfonster",
                                  data={"stegvis-atgard": "skicka", "lagg": "23:30", "upp": "06:00"}))
    assert "<dt>Sömnfönstrets längd</dt> <dd>6,5 h</dd>" in tried
