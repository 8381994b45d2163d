"""A throw-away Stegvis installation for the fault test: its own PostgreSQL, app nodes, workers, SMTP.

Everything runs on loopback in one temporary folder; every process is started here and ended here.
"""
from __future__ import annotations

import asyncio
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

import requests
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
CLI = str(ROOT / "cli.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, deadline: float = 30.0, every: float = 0.05):
    """Poll `check()` until it returns something truthy; fail with `what` after `deadline` seconds."""
    end = time.monotonic() + deadline
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline:g} s waiting for {what}")
        time.sleep(every)


# --- PostgreSQL of our own ----------------------------------------------------------------------------


class Postgres:
    """initdb + pg_ctl in a temporary folder on its own port; as the `postgres` user when we are root."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not bins:
            raise AssertionError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin = Path(bins[-1]).parent
        # not under pytest's tmp_path: the postgres user cannot enter root's private temporary folders
        self.folder = Path(tempfile.mkdtemp(prefix="stegvis-faults-pg-"))
        self.data = self.folder / "pgdata"
        self.port = free_port()
        self.url = f"postgresql+psycopg://stegvis@127.0.0.1:{self.port}/stegvis"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, command, stderr=done.stderr)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.folder.chmod(0o755)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.start()
        self.psql("CREATE ROLE stegvis LOGIN")
        self.psql("CREATE DATABASE stegvis OWNER stegvis")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.folder / "pg.log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs and delete its folder (a failed test's clean-up must not hide the failure)."""
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def psql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def query(self, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(f"postgresql://stegvis@127.0.0.1:{self.port}/stegvis") as conn:
            return conn.execute(sql, params).fetchall()


# --- SMTP server that counts and can hold one worker's delivery ---------------------------------------


class CountingSmtp:
    """aiosmtpd on loopback: keeps every accepted message; can hold sessions from one sender at RCPT."""

    def __init__(self):
        self.messages: list[tuple[str, str]] = []  # (envelope sender, Message-ID)
        self.hold_sender: str | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold_sender and envelope.mail_from == self.hold_sender and not self.release.is_set():
            self.held.set()  # the worker is in the middle of delivering a claimed notice
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message_id = message_from_bytes(envelope.content).get("Message-ID", "")
        with self.lock:
            self.messages.append((envelope.mail_from, message_id))
        return "250 Message accepted for delivery"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.controller.stop()


# --- app nodes and workers ------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the process and everything it started (its own session)."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()


@dataclass
class Cluster:
    folder: Path
    pg: Postgres
    smtp: CountingSmtp
    env: dict = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    @classmethod
    def make(cls, folder: Path, pg: Postgres, smtp: CountingSmtp) -> "Cluster":
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STEGVIS_", "PROMETHEUS_"))}
        env.update({
            "DATABASE_URL": pg.url, "SECRET_KEY": secrets.token_hex(32), "STEGVIS_DATA_DIR": str(folder / "data"),
            "STEGVIS_SMTP_HOST": "127.0.0.1", "STEGVIS_SMTP_PORT": str(smtp.controller.port),
            "STEGVIS_SMTP_TLS": "none", "STEGVIS_MAIL_FROM": "Stegvis <stegvis@example.se>",
            "STEGVIS_BASE_URL": "http://127.0.0.1", "STEGVIS_WORKER_POLL_SECONDS": "1",
            "STEGVIS_NOTICE_TIMEOUT": "30", "STEGVIS_WORKERS": "1", "STEGVIS_THREADS": "4",
            "STEGVIS_HEARTBEAT_MAX_AGE": "10", "STEGVIS_SMS_QUIET_HOURS": "off",
            "STEGVIS_METRICS_TOKEN": "metrics-token", "PYTHONUNBUFFERED": "1",
            # one notice per message, no batching (issue 12's STEGVIS_STAFF_NOTICE_MINUTES): every delivery counts
            "STEGVIS_STAFF_NOTICE_MINUTES": "0",
        })
        return cls(folder, pg, smtp, env)

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, CLI, *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"stegvis {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def spawn(self, name: str, args: list[str], **env: str) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("w") as out:  # the child keeps its own copy of the descriptor
            popen = subprocess.Popen([sys.executable, CLI, *args], env={**self.env, **env}, cwd=ROOT,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def node(self, name: str) -> tuple[Process, str]:
        port = free_port()
        process = self.spawn(name, ["serve"], STEGVIS_BIND=f"127.0.0.1:{port}")
        base = f"http://127.0.0.1:{port}"

        def healthy():
            assert process.popen.poll() is None, f"{name} exited:\n{process.log.read_text()}"
            try:
                return requests.get(f"{base}/healthz", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(f"{name} to answer /healthz", healthy, deadline=60)
        return process, base

    def worker(self, name: str) -> Process:
        # each worker sends from its own address, so the SMTP server can tell them apart
        return self.spawn(name, ["worker"], STEGVIS_MAIL_FROM=f"Stegvis <{name}@example.se>")

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if not found:
        found = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert found, "no csrf_token on the page"
    return found.group(1)
