"""End-to-end fixtures: the app served on a free port in a thread, and Debian's headless Chromium."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (Playwright's own download cannot run offline), quiet and sandbox-free for CI."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def base_url():
    """No fixed base URL: each test serves its own app (replaces pytest-base-url's, deprecated under pytest 9)."""
    return None


@pytest.fixture
def app_config(app_config):
    """Browser tests run with CSRF protection on, as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    """The app on 127.0.0.1:<free port>; shut down after the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def page(page):
    """Playwright's page with a short default timeout: a missing element should fail fast."""
    page.set_default_timeout(10_000)
    return page
