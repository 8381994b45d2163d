"""Security headers on every response of the authorization matrix, for every kind of visitor."""
import pytest

from authorization_world import matrix
from web.ops.security import CSP

world = matrix.world  # the fixture: unit A's moment full of data, an outsider in unit B

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def assert_secure_headers(response, where):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (where, name, response.headers.get(name))
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where


def test_the_policy_allows_no_inline_code():
    assert "unsafe" not in CSP
    assert "default-src 'self'" in CSP


def test_every_staff_route_has_the_headers_for_its_own_clinician(app, client, world, login, clinician):
    login(clinician)
    seen = 0
    for method, url in matrix.requests_for(app, world["ids"]):
        if url in ("/moment/{}/aktiveringslank".format(world["moment"].id),):
            continue  # would send a notice; checked anonymously below
        response = matrix.call(client, method, url)
        assert_secure_headers(response, (method, url, response.status_code))
        seen += 1
    assert seen >= 30


@pytest.mark.parametrize("who", ["anonymous", "patient", "outsider"])
def test_every_staff_route_has_the_headers_for_anyone_else(app, client, world, login, login_patient, who):
    if who == "patient":
        login_patient(world["moment"].patient)
    elif who == "outsider":
        login(world["outsider"])
    for method, url in matrix.requests_for(app, world["ids"]):
        response = matrix.call(client, method, url)
        assert_secure_headers(response, (who, method, url, response.status_code))


def test_patient_pages_and_login_pages_have_the_headers(app, client, world, login_patient):
    enrollment_id = world["ids"]["enrollment_id"]
    for url in ("/logga-in", "/invanare/logga-in", "/finns-inte"):
        assert_secure_headers(client.get(url), url)
    login_patient(world["moment"].patient)
    for url in ("/stod-och-behandling/", f"/stod-och-behandling/{enrollment_id}/",
                f"/stod-och-behandling/{enrollment_id}/meddelanden/",
                f"/stod-och-behandling/{enrollment_id}/aktiviteter/",
                f"/stod-och-behandling/{enrollment_id}/modul/steg-1/", "/invanare/installningar"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response, url)


def test_public_static_files_stay_cacheable(client):
    response = client.get("/static/patient.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/logga-in").headers


@pytest.mark.parametrize("app_config_extra", [{"BASE_URL": "https://stegvis.example.se"}])
def test_hsts_when_the_base_url_is_https(client, app_config_extra):
    response = client.get("/logga-in", base_url="https://stegvis.example.se")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_templates_hold_no_inline_script_or_style():
    from stegvis_testing import PROJECT_ROOT
    import re

    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", re.I)
    offenders = [str(p) for p in (PROJECT_ROOT / "web" / "templates").rglob("*.html") if inline.search(p.read_text())]
    assert offenders == []


def test_welcome_audio_is_not_stored_but_step_audio_may_be(client, make_moment, login_patient, monkeypatch,
                                                           tmp_path):
    from web.patient import audio

    mp3 = tmp_path / "abc123.mp3"
    mp3.write_bytes(b"ID3" + bytes(200))
    monkeypatch.setattr(audio.patient_audio, "welcome_audio", lambda enrollment, shown=None: mp3)
    monkeypatch.setattr(audio.patient_audio, "step_audio", lambda program, step, voice=None: mp3)
    moment = make_moment()
    login_patient(moment.patient)
    welcome = client.get(f"/stod-och-behandling/{moment.id}/ljud/valkomsttext/abc123.mp3")
    assert welcome.status_code == 200 and welcome.headers["Cache-Control"] == "no-store"
    step = client.get(f"/stod-och-behandling/{moment.id}/ljud/steg-1/motivation/abc123.mp3")
    assert step.status_code == 200
    assert step.cache_control.private and step.cache_control.immutable and not step.cache_control.no_store
