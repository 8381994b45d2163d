"""The W3C Nu Html Checker over every page the browser tests are served (a plugin registered by tests/conftest.py).

Tests hand pages to the session fixture `html_pages`: the e2e live server hands over every HTML page it serves
(tests/e2e/conftest.py), the e2e `axe` fixture every page it checks, tests/web/test_patient_pages_language.py
every patient page in English and Arabic. The HTML is saved
in a temporary folder, and at the end of the session ONE run of vnu.jar (npm `vnu-jar`, installed into
tests/vnu by scripts/test, on Debian's Java) checks every file; any error fails the session's last test
at teardown, naming the page, the line and the message.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

VNU_JAR = Path(__file__).resolve().parent / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: one JVM for a few hundred pages takes seconds; this only stops a hung run
TIMEOUT_SECONDS = 600


class HtmlPages:
    """Pages saved for the checker: file name → where the page came from."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.sources: dict[str, str] = {}

    def add(self, html: str, source: str) -> None:
        """Save one page's HTML (source: its URL, or what the test did to reach it)."""
        path = self.folder / f"{len(self.sources):04d}.html"
        path.write_text(html, encoding="utf-8")
        self.sources[path.name] = source

    def add_page(self, page) -> None:
        """Save a Playwright page's current document."""
        self.add(page.content(), page.url)

    def errors(self) -> list[str]:
        """Every error vnu.jar finds in the saved pages, as "source:line: message"."""
        if not self.sources:
            return []
        assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run scripts/test (it installs tests/vnu with npm ci)"
        files = [str(self.folder / name) for name in sorted(self.sources)]
        run = subprocess.run(["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *files],
                             capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        report = json.loads(run.stderr or run.stdout)  # vnu writes its JSON report to stderr
        found = []
        for message in report["messages"]:
            name = Path(message.get("url", "")).name
            found.append(f"{self.sources.get(name, name)}:{message.get('lastLine', '?')}: {message['message']}"
                         f" [{(message.get('extract') or '').strip()[:100]}]")
        assert found or run.returncode == 0, run.stderr[-2000:]
        return found


@pytest.fixture(scope="session")
def html_pages(tmp_path_factory):
    """HtmlPages for this session; checked by vnu.jar once, at the end (0 errors required)."""
    pages = HtmlPages(tmp_path_factory.mktemp("html-validator"))
    yield pages
    errors = pages.errors()
    assert errors == [], f"the W3C Nu Html Checker found {len(errors)} errors in {len(pages.sources)} pages:\n" + \
        "\n".join(errors)
