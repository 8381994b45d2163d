"""End-to-end fixtures: the app served on a free port in a thread, and Debian's headless Chromium."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

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
