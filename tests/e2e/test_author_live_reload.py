"""The author's live loop in headless Chromium: a saved edit reloads the open preview page (the polling
script passes the strict CSP), and a mistake shows on that page as file:line:col until it is fixed."""
import os
import time

import pytest
from playwright.sync_api import expect

from patient_support import copy_alla_typer
from stegvis_testing import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


@pytest.fixture
def programs_dir(tmp_path):
    return copy_alla_typer(tmp_path / "programs")


@pytest.fixture
def app_config(app_config, programs_dir):  # noqa: F811
    """The preview as `stegvis preview` runs it: the folder's own files, rereading them on every change."""
    return {**app_config, "PROGRAMS": None, "PROGRAMS_DIR": str(programs_dir), "AUTHOR_RELOAD": True}


def _save(path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    bump = time.time() + 5  # a clearly newer mtime, whatever the file system's resolution
    os.utime(path, (bump, bump))


def test_a_saved_edit_reloads_the_open_page_and_a_mistake_shows_there_until_fixed(live_server, page, make_staff,
                                                                                    programs_dir):
    make_staff("frida", roles="forfattare", name="Frida Författare")
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server}/logga-in?next=/author/alla-typer/modul/start/fragor")
    page.get_by_label("Användarnamn").fill("frida")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text("Svara på frågorna nedan.")).to_be_visible()

    _save(programs_dir / "content" / "alla-typer" / "start" / "fragor.md", "Helt ny text om frågorna.\n")
    expect(page.get_by_text("Helt ny text om frågorna.")).to_be_visible()  # reloaded by itself

    yaml = programs_dir / "alla-typer.yaml"
    good = yaml.read_text(encoding="utf-8")
    _save(yaml, good.replace("default_days: 7", "default_days: sju", 1))
    line = next(n for n, row in enumerate(good.splitlines(), 1) if "default_days: 7" in row)
    col = good.splitlines()[line - 1].index("7") + 1
    expect(page.get_by_text(f"{yaml}:{line}:{col}: error: default_days: expected a whole number, "
                            "received the text 'sju'")).to_be_visible()

    _save(yaml, good)
    expect(page.get_by_text("Helt ny text om frågorna.")).to_be_visible()
    assert blocked == []
