"""`stegvis preview`: the author preview on its own database with its own login, reloading on every edit."""
import html
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from patient_support import DATA, copy_alla_typer, html_text
from stegvis_testing import PROJECT_ROOT

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture
def programs_dir(tmp_path):
    return copy_alla_typer(tmp_path / "programs")


@pytest.fixture
def preview(tmp_path, programs_dir):
    """(app, password) of `stegvis preview programs/alla-typer.yaml`, on a database in tmp_path."""
    from commands.authors.programs import preview_app
    from web.extensions import db

    folder = tmp_path / "preview"
    folder.mkdir()
    app, password = preview_app([str(programs_dir / "alla-typer.yaml")], str(folder), "http://127.0.0.1:5001")
    yield app, password
    with app.app_context():
        db.engine.dispose()


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def _logged_in(app, password):
    """A client logged in with the printed login, through the real login form (CSRF on, as in the preview)."""
    client = app.test_client()
    page = client.get("/logga-in?next=/author/")
    answer = client.post("/logga-in?next=/author/", data={"csrf_token": _csrf(html_text(page)),
                                                          "username": "forfattare", "password": password})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/author/")
    return client


def _touch(path, text):
    path.write_text(text, encoding="utf-8")
    bump = time.time() + 5  # a clearly newer mtime, whatever the file system's resolution
    os.utime(path, (bump, bump))


def test_the_printed_login_opens_the_preview_of_the_program(preview):
    app, password = preview
    client = _logged_in(app, password)
    page = html_text(client.get("/author/"))
    assert "Alla typer" in page and "Inga fel" in page
    assert '<meta name="stegvis-reload"' in page  # the polling script (patient.js, no inline code) is on


def test_an_edit_changes_the_reload_feed_and_its_error_shows_in_place_until_fixed(preview, programs_dir):
    app, password = preview
    client = _logged_in(app, password)
    step = "/author/alla-typer/modul/start/fragor"
    before = client.get("/author/andringar").get_json()["fingerprint"]
    # the page carries the fingerprint it was rendered from: an edit saved before the first poll reloads it too
    assert f'data-fingerprint="{before}"' in html_text(client.get(step))
    assert client.get("/author/andringar").get_json()["fingerprint"] == before  # nothing changed: no reload
    yaml = programs_dir / "alla-typer.yaml"
    good = yaml.read_text(encoding="utf-8")
    _touch(yaml, good.replace("default_days: 7", "default_days: sju", 1))
    after = client.get("/author/andringar").get_json()["fingerprint"]
    assert after != before
    line = next(n for n, row in enumerate(good.splitlines(), 1) if "default_days: 7" in row)
    col = good.splitlines()[line - 1].index("7") + 1
    located = f"{yaml}:{line}:{col}: error: default_days: expected a whole number, received the text 'sju'"
    assert located in html.unescape(html_text(client.get(step)))
    _touch(yaml, good)
    assert client.get("/author/andringar").get_json()["fingerprint"] not in (before, after)
    assert "Svara på frågorna nedan." in html_text(client.get(step))


def test_a_content_file_edit_changes_the_reload_feed(preview, programs_dir):
    app, password = preview
    client = _logged_in(app, password)
    before = client.get("/author/andringar").get_json()["fingerprint"]
    _touch(programs_dir / "content" / "alla-typer" / "start" / "fragor.md", "Ny text.\n")
    assert client.get("/author/andringar").get_json()["fingerprint"] != before
    assert "Ny text." in html_text(client.get("/author/alla-typer/modul/start/fragor"))


def test_only_the_named_programs_are_previewed(preview, programs_dir):
    shutil.copy(DATA / "alla-typer.yaml", programs_dir / "annan.yaml")
    app, password = preview
    page = html_text(_logged_in(app, password).get("/author/"))
    assert "alla-typer.yaml" in page and "annan.yaml" not in page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_until(process, pattern: str, deadline: float) -> str:
    """Read the process's stdout and stderr (unbuffered) until `pattern` appears; everything read so far."""
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        selector.register(process.stderr, selectors.EVENT_READ)
        while not re.search(pattern, seen.decode(errors="replace")):
            left = deadline - time.monotonic()
            assert left > 0 and process.poll() is None, f"no {pattern!r} in:\n{seen.decode(errors='replace')}"
            for key, _ in selector.select(timeout=left):
                seen += os.read(key.fileobj.fileno(), 65536)
    return seen.decode()


def test_stegvis_preview_prints_the_address_and_login_and_serves_them(tmp_path, programs_dir):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "STEGVIS_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "cli.py"), "preview",
                                str(programs_dir / "alla-typer.yaml"), "--port", str(port)],
                               env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        printed = _read_until(process, r"Running on http://127\.0\.0\.1:\d+", time.monotonic() + 60)
        address = f"http://127.0.0.1:{port}/author/"
        assert f"Adress:      {address}" in printed
        password = re.search(r"Logga in:\s+forfattare / (\S+)", printed).group(1)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        login_url = f"http://127.0.0.1:{port}/logga-in?next=/author/"
        token = _csrf(opener.open(login_url, timeout=30).read().decode())
        form = urllib.parse.urlencode({"csrf_token": token, "username": "forfattare", "password": password})
        page = opener.open(login_url, data=form.encode(), timeout=30)  # follows the redirect to /author/
        assert page.url == address and "Alla typer" in page.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
