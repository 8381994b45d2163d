"""End-to-end fixtures: the app served on a free port in a thread, and Debian's headless Chromium."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from stegvis_testing import closing


@pytest.fixture
def app_config(app_config):
    """Browser tests run with CSRF protection on, as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


#: at most this many different documents of one path go to the HTML checker (the same page in other states)
PAGES_PER_PATH = 3


@pytest.fixture
def live_server(app, html_pages):
    """The app on 127.0.0.1:<free port>; shut down after the test. Every HTML page it serves to the
    browser also goes to the W3C Nu Html Checker (tests/html_validator.py), not only those axe checks."""
    seen: dict[str, set[int]] = {}

    @app.after_request
    def keep_for_the_checker(response):  # registered last, so it runs before compression
        if response.status_code == 200 and response.mimetype == "text/html" and not response.is_streamed:
            from flask import request

            body = response.get_data(as_text=True)
            kept = seen.setdefault(request.path, set())
            if hash(body) not in kept and len(kept) < PAGES_PER_PATH:
                kept.add(hash(body))
                html_pages.add(body, f"{request.method} {request.full_path.rstrip('?')}")
        return response

    server = make_server("127.0.0.1", 0, closing(app), threaded=True)
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
