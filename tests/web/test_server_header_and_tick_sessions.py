"""Issue 26, item 9: no version in the `Server` header on either server; a time-travel tick purges sessions by
the wall clock, not by its simulated `now`."""
import re
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from web.models import WebSession
from web.ops.server import DevRequestHandler

ROOT = Path(__file__).resolve().parents[2]
_VERSION = re.compile(r"\d+\.\d+")


def test_the_development_server_names_no_version(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=DevRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = requests.get(f"http://127.0.0.1:{server.server_port}/healthz", timeout=10)
    finally:
        server.shutdown()
        thread.join()
    assert response.status_code == 200
    assert response.headers["Server"] == "Stegvis" and not _VERSION.search(response.headers["Server"])


def test_gunicorn_names_no_version():
    """gunicorn (what `stegvis serve` runs) sends `Server: gunicorn`, without its version."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "--chdir", str(ROOT / "bench"), "hello:app"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        for line in process.stdout:  # gunicorn says when its worker is up
            if "Booting worker" in line:
                break
        response = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert response.text == "Hello, world!"
    assert response.headers["Server"] == "gunicorn"


@pytest.mark.app_config(SESSION_ABSOLUTE_HOURS=12)
def test_a_time_travel_tick_keeps_the_live_sessions(app, client, clinician, login, db, clock):
    from web.services.operations.tick import run_tick

    login(clinician)
    live = db.session.execute(db.select(WebSession.id)).scalars().all()
    assert len(live) == 1
    old = WebSession(id="0" * 64, user_key=f"staff:{clinician.id}", data="{}", created_at=clock() - timedelta(hours=13),
                     last_seen=clock() - timedelta(hours=13))
    db.session.add(old)
    db.session.commit()
    run_tick(clock() + timedelta(days=30), deliver=False)
    db.session.expire_all()
    # the session older than 12 hours by the wall clock is gone; the live one is not, 30 simulated days on
    assert db.session.execute(db.select(WebSession.id)).scalars().all() == live
    assert client.get("/oversikt/alla").status_code == 200


def test_a_served_worker_builds_its_app_then_freezes_what_it_holds():
    """`stegvis serve` (StegvisServer.load) takes the objects that exist once the app is built out of the
    cyclic collector's generations (web.ops.server.freeze_startup_heap), and serves that app."""
    import gc

    from web.ops.server import StegvisServer

    built = []

    def factory():
        built.append(gc.get_freeze_count())
        return "the app"

    assert gc.get_freeze_count() == 0
    try:
        assert StegvisServer(factory, {}).load() == "the app"
        assert built == [0] and gc.get_freeze_count() > 0  # frozen after the app was built, not before
    finally:
        gc.unfreeze()
