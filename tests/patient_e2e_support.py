"""Fixtures for the patient and author end-to-end tests (a plugin registered by tests/conftest.py).

tests/e2e/conftest.py serves the app (`live_server`, CSRF on) and launches Debian's headless Chromium
(pytest-playwright's `browser`). Here: pages in a 360 px wide context (the narrow phone the layout
targets, fixture `phone`), axe-core (fixture `axe`, which also saves each page for the HTML checker of
tests/html_validator.py), and login helpers. These browser tests run on
SQLite only (`pytest.mark.sqlite_only`); the database behaviour itself is tested on both backends
in tests/web.
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

PHONE = {"width": 360, "height": 780}
PASSWORD = "demo1234"
STAFF_PASSWORD = "lösenord-123"  # tests/conftest.py PASSWORD


@pytest.fixture
def phone(browser, live_server):
    """new_page() → a page in a fresh 360 px wide browser context with the live server as base URL."""
    contexts = []

    def new_page():
        context = browser.new_context(viewport=PHONE, base_url=live_server, locale="sv-SE")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


class CheckedAxe:
    """axe-core that also hands every page it checks to the W3C Nu Html Checker (tests/html_validator.py)."""

    def __init__(self, html_pages):
        self.axe = Axe()
        self.html_pages = html_pages

    def run(self, page):
        """Save the page for the HTML checker, then run axe-core in it."""
        self.html_pages.add_page(page)
        return self.axe.run(page)


@pytest.fixture(scope="session")
def axe(html_pages):
    """axe-core, injected into a page to check it; every page it checks is also HTML-validated."""
    return CheckedAxe(html_pages)


def axe_violations(axe, page) -> list[str]:
    """axe-core's violations on the page, one line each (rule, help, count and the first element)."""
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['html'][:120]})"
            for v in axe.run(page).response["violations"]]


def assert_accessible(axe, page) -> None:
    """axe-core finds no violations on the page (the message names every rule and element)."""
    results = axe.run(page)
    violations = results.response["violations"]
    details = [f"{v['id']} ({v['impact']}): {v['help']} → " + ", ".join(str(n["target"]) for n in v["nodes"][:5])
               for v in violations]
    assert not violations, f"{page.url}:\n" + "\n".join(details)


def assert_fits_the_screen(page) -> None:
    """Nothing makes the page scroll sideways at 360 px."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def patient_logs_in(page, personnummer: str = "19610831-2460", password: str = PASSWORD) -> None:
    """Log in through the patient login form."""
    page.goto("/invanare/logga-in")
    page.get_by_label("Personnummer").fill(personnummer)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/stod-och-behandling/**")


def choose_language(page, name: str, saved: str) -> None:
    """Choose a language in Inställningar (by its own name) and wait for the confirmation in it."""
    page.get_by_role("link", name="Inställningar").click()
    page.get_by_label("Språk").select_option(label=name)
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text(saved)).to_be_visible()


def staff_logs_in(page, username: str, password: str = STAFF_PASSWORD) -> None:
    """Log in through the staff login form."""
    page.goto("/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
