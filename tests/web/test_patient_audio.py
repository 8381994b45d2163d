"""Lyssna på sidan: cached audio served as audio/mpeg with Range and cache headers; never synthesized on request."""
import re
from pathlib import Path

import pytest

from patient_support import JOHN, html_text, step_url, with_alla_typer

pytestmark = pytest.mark.app_config(PROGRAMS=with_alla_typer)


@pytest.fixture
def build_step_audio(app, test_program):
    """build_step_audio(module_id, step_id) renders a step with real espeak-ng into the app's audio cache."""
    from web.content.audio import EspeakBackend, render_text
    from web.services.core.audio import audio_cache

    def build(module_id: str = "start", step_id: str = "fragor") -> Path:
        step = test_program.step(module_id, step_id)
        return render_text(step.text, audio_cache(), EspeakBackend(), test_program.language, step.title).path

    return build


def _audio_src(page: str) -> str:
    return re.search(r'<audio id="[^"]+" controls preload="metadata" src="([^"]+)"', page).group(1)


def fetch(client, url, **kwargs):
    """GET a file and close the response (send_file keeps the file open until the response is closed)."""
    with client.get(url, **kwargs) as response:
        response.data  # read before closing
        return response


def _wait_for_background_audio(app) -> None:
    """The audio executor has one worker: a no-op job finishes only after every job queued before it."""
    from web.services.core.audio import EXECUTOR_KEY

    app.extensions[EXECUTOR_KEY].submit(lambda: None).result(timeout=120)


def test_step_page_shows_a_labelled_player_when_audio_is_built(client, start, patient_login, build_step_audio):
    path = build_step_audio()
    enrollment = start()
    patient_login()
    page = html_text(client.get(step_url(enrollment)))
    assert '<h2 id="lyssna-rubrik" class="listen-title">Lyssna på sidan</h2>' in page
    assert 'aria-labelledby="lyssna-rubrik"' in page
    assert _audio_src(page) == f"{step_url(enrollment).replace('/modul/', '/ljud/')}/{path.stem}.mp3"
    assert page.index("Lyssna på sidan") < page.index("Här finns <strong>alla</strong>")  # above the text


def test_audio_is_served_as_mpeg_with_cache_headers_and_range_support(client, start, patient_login,
                                                                      build_step_audio):
    path = build_step_audio()
    enrollment = start()
    patient_login()
    src = _audio_src(html_text(client.get(step_url(enrollment))))
    whole = fetch(client, src)
    assert whole.status_code == 200 and whole.mimetype == "audio/mpeg"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.data == path.read_bytes()
    cache = whole.cache_control
    assert cache.private and cache.immutable and cache.max_age == 365 * 24 * 3600 and not cache.public
    part = fetch(client, src, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{path.stat().st_size}"
    assert part.data == path.read_bytes()[100:200]
    assert fetch(client, src, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304


def test_no_player_and_nothing_synthesized_when_audio_is_not_built(client, start, patient_login, app):
    from web.services.core.audio import EXECUTOR_KEY, audio_folder

    enrollment = start()
    patient_login()
    for url in (f"/stod-och-behandling/{enrollment.id}/", step_url(enrollment)):
        assert "<audio" not in html_text(client.get(url))
    folder = audio_folder()
    assert not folder.exists() or not any(folder.iterdir())
    assert EXECUTOR_KEY not in app.extensions


def test_a_key_that_is_not_this_pages_audio_is_not_found(client, start, patient_login, build_step_audio):
    other = build_step_audio("start", "lasa")
    build_step_audio()
    enrollment = start()
    patient_login()
    assert client.get(f"/stod-och-behandling/{enrollment.id}/ljud/start/fragor/{other.stem}.mp3").status_code == 404
    assert client.get(f"/stod-och-behandling/{enrollment.id}/ljud/start/fragor/{'0' * 64}.mp3").status_code == 404


def test_audio_of_a_hidden_module_is_not_served(client, start, patient_login, build_step_audio):
    path = build_step_audio("dold", "hemlig")
    enrollment = start()
    patient_login()
    assert client.get(f"/stod-och-behandling/{enrollment.id}/ljud/dold/hemlig/{path.stem}.mp3").status_code == 404


def test_edited_welcome_text_is_rendered_in_the_background_and_only_its_patient_gets_it(
        client, app, start, patient_login, clinician):
    from web.services.clinician import moments

    mine = start()
    theirs = start(personnummer=JOHN, first_name="John", last_name="Doe")
    moments.save_welcome_text(mine, "Hej Jane! Jag heter Marita och är din behandlare.", user=clinician,
                              membership=clinician.memberships[0], now=mine.started_at)
    _wait_for_background_audio(app)
    patient_login()
    src = _audio_src(html_text(client.get(f"/stod-och-behandling/{mine.id}/")))
    assert "/ljud/valkomsttext/" in src and fetch(client, src).mimetype == "audio/mpeg"

    client.post("/invanare/logga-ut")
    patient_login(JOHN)
    key = src.rsplit("/", 1)[-1]
    assert client.get(src).status_code == 404  # not John's moment
    assert client.get(f"/stod-och-behandling/{theirs.id}/ljud/valkomsttext/{key}").status_code == 404
    assert "<audio" not in html_text(client.get(f"/stod-och-behandling/{theirs.id}/"))


def test_staff_cannot_fetch_patient_audio(client, start, patient_login, build_step_audio, login, clinician):
    build_step_audio()
    enrollment = start()
    patient_login()
    src = _audio_src(html_text(client.get(step_url(enrollment))))
    client.post("/invanare/logga-ut")
    login(clinician)
    assert client.get(src).status_code == 403
