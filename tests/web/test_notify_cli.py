"""`stegvis tick` and `stegvis worker` as an operator runs them: from the environment, on a SQLite file."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from notify_support import BASE_URL, ROOT, seed, sthlm
from web.extensions import db
from web.models import Notice
from web.services.clinician import flags as flag_service
from web.notify.worker import run_loop, stop_on_signals
from web.services.core.notices import queue_notice

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

T0 = sthlm(2026, 3, 2, 10)


@pytest.fixture
def env(app, tmp_path):
    """What an operator sets: the test database (either backend) and a data folder for the outbox."""
    return {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "STEGVIS_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "x" * 32, "STEGVIS_BASE_URL": "https://stegvis.example.se"}


def _prepare(world_at, subscribe=True):
    world = seed(world_at)
    db.session.execute(db.delete(Notice))  # activation notices are not what these tests count
    db.session.commit()
    if subscribe:
        flag_service.add_subscription(world.user, world.enrollment, "patient_inactivity", {"days": 7},
                                      all_moments=True, now=world_at)
    return world


def test_stegvis_tick_twice_in_a_row_raises_no_flag_and_sends_no_notice_the_second_time(tmp_path, env):
    _prepare(T0)
    runner = CliRunner()

    first = runner.invoke(main, ["tick", "--now", "2026-03-10T12:00"], env=env)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("1 flagga, 2 påminnelser köade, 3 skickade, 0 försöks igen")
    mails = sorted(p.name for p in (tmp_path / "outbox" / "mail").iterdir())
    sms = (tmp_path / "outbox" / "sms.log").read_text()
    assert len(mails) == 2 and len(sms.splitlines()) == 1

    second = runner.invoke(main, ["tick", "--now", "2026-03-10T12:00"], env=env)

    assert second.exit_code == 0, second.output
    assert second.output == ("0 flaggor, 0 påminnelser köade, 0 skickade, 0 försöks igen, 0 misslyckade, "
                             "0 väntar på tyst tid\n")
    assert sorted(p.name for p in (tmp_path / "outbox" / "mail").iterdir()) == mails
    assert (tmp_path / "outbox" / "sms.log").read_text() == sms


def test_stegvis_tick_names_a_bad_time_and_a_bad_setting(env):
    runner = CliRunner()
    bad_time = runner.invoke(main, ["tick", "--now", "tisdag"], env=env)
    assert bad_time.exit_code == 2
    assert "expected a time such as 2026-06-01T09:00, received 'tisdag'" in bad_time.output
    bad_env = runner.invoke(main, ["tick"], env={**env, "STEGVIS_SMTP_TLS": "ssl", "STEGVIS_SMS_GATEWAY": "http"})
    assert bad_env.exit_code == 1
    assert "error: STEGVIS_SMTP_TLS: expected one of none, starttls, tls, received 'ssl'" in bad_env.output
    assert "error: STEGVIS_SMS_URL: expected the gateway's http(s) URL" in bad_env.output


def _lines(stream) -> "queue.Queue[str]":
    lines: queue.Queue[str] = queue.Queue()

    def pump():
        for line in stream:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_the_worker_delivers_then_stops_cleanly_on_sigterm(tmp_path, env):
    _deliver_then_stop(tmp_path, env, signal.SIGTERM)


@pytest.mark.parametrize("backend", ["sqlite"])  # the signal handling does not depend on the database
def test_the_worker_delivers_then_stops_cleanly_on_ctrl_c(tmp_path, env):
    _deliver_then_stop(tmp_path, env, signal.SIGINT)


def test_a_failing_pass_is_reported_and_the_loop_goes_on():
    stop, errors, calls = threading.Event(), [], []

    def one_pass():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("databasen svarar inte")
        stop.set()

    assert run_loop(one_pass, poll_seconds=0, stop=stop, on_error=errors.append) == 2
    assert [str(e) for e in errors] == ["databasen svarar inte"]


def test_a_signal_landing_while_the_loop_holds_the_stop_flags_lock_still_stops_it():
    # a signal handler runs in the main thread between any two bytecodes, also inside `stop.wait()` where
    # the Event's lock is held for a moment; a handler that set the Event itself then waited for that lock
    # forever (the worker never stopped). Here a thread holds the lock while the installed handler runs.
    stop = threading.Event()
    with stop_on_signals(stop):
        handler = signal.getsignal(signal.SIGTERM)

        def signal_inside_wait():
            with stop._cond:
                handler(signal.SIGTERM, None)

        holder = threading.Thread(target=signal_inside_wait, daemon=True)
        holder.start()
        holder.join(timeout=30)
        assert not holder.is_alive(), "the signal handler blocked on the stop flag's lock"
        assert stop.wait(timeout=30)
    assert signal.getsignal(signal.SIGTERM) is not handler  # the previous handler is back


def _deliver_then_stop(tmp_path, env, stop_signal):
    # the real clock drives the worker: queue an e-mail (e-mail has no quiet hours) due now
    now = datetime.now(UTC)
    world = _prepare(now - timedelta(hours=1), subscribe=False)
    queue_notice(channel="email", recipient=world.user, template="flag_raised", key="worker-test", now=now)
    db.session.commit()
    proc = subprocess.Popen([sys.executable, "-m", "cli", "worker", "--poll", "0.2"], cwd=ROOT,
                            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        lines = _lines(proc.stdout)
        started = lines.get(timeout=60)
        assert started.startswith("Stegvis worker startad: ett varv var 0.2:e sekund; e-post som .eml-filer i "
                              f"{tmp_path / 'outbox' / 'mail'}; sms i {tmp_path / 'outbox' / 'sms.log'}.")
        delivered = lines.get(timeout=60)
        assert "1 skickade" in delivered, delivered
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=30) == 0
        rest = []
        while (line := lines.get(timeout=10)) != "":
            rest.append(line)
        assert rest and rest[-1].startswith("Stegvis worker stoppad efter ")
        assert not any("Traceback" in line for line in rest)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert len(list((Path(env["STEGVIS_DATA_DIR"]) / "outbox" / "mail").glob("*.eml"))) == 1
