"""`stegvis serve`: the production server, gunicorn run in-process with settings from the environment.

| variable                  | meaning                                            | default          |
| ------------------------- | -------------------------------------------------- | ---------------- |
| STEGVIS_BIND              | host:port (or unix:/path) to listen on             | 127.0.0.1:8000   |
| STEGVIS_WORKERS           | worker processes                                   | 2                |
| STEGVIS_THREADS           | threads per worker (gthread worker when above 1)   | 4                |
| STEGVIS_TIMEOUT           | seconds before a silent worker is restarted; also the graceful-shutdown time | 30 |
| STEGVIS_TRUSTED_PROXIES   | reverse proxies in front (0 = trust no X-Forwarded-*; the app's ProxyFix reads the same) | 0 |
| STEGVIS_METRICS_DIR       | folder for the workers' Prometheus values (multiprocess mode) | a new temporary folder |

No server names its version: gunicorn's `Server` header is just "gunicorn", and the development server
(`stegvis demo`) answers with DevRequestHandler ("Stegvis" instead of Werkzeug's and Python's versions).

The server refuses to start, listing every problem at once, when these or the app's own settings
(web.config) are unusable, when a program in STEGVIS_PROGRAMS_DIR does not load (its errors as
`file:line:col: error: message`), or when the database is unreachable or not migrated to the code's head.
"""
from __future__ import annotations

import gc
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from gunicorn.app.base import BaseApplication
from werkzeug.serving import WSGIRequestHandler

from ..config import ConfigError
from .logs import gunicorn_logconfig

DEFAULTS = {"STEGVIS_BIND": "127.0.0.1:8000", "STEGVIS_WORKERS": "2", "STEGVIS_THREADS": "4",
            "STEGVIS_TIMEOUT": "30", "STEGVIS_TRUSTED_PROXIES": "0"}
LIMITS = {"STEGVIS_WORKERS": (1, 64, "a number of processes"), "STEGVIS_THREADS": (1, 64, "a number of threads"),
          "STEGVIS_TIMEOUT": (1, 3600, "seconds"), "STEGVIS_TRUSTED_PROXIES": (0, 10, "a number of proxies")}


class DevRequestHandler(WSGIRequestHandler):
    """The development server's requests, without Werkzeug's and Python's versions in the `Server` header."""

    def version_string(self) -> str:
        return "Stegvis"


@dataclass(frozen=True)
class ServerSettings:
    bind: str
    workers: int
    threads: int
    timeout: int
    trusted_proxies: int

    def gunicorn_options(self) -> dict[str, Any]:
        return {
            "bind": [self.bind],
            "workers": self.workers,
            "threads": self.threads,
            "worker_class": "gthread" if self.threads > 1 else "sync",
            "timeout": self.timeout,
            "graceful_timeout": self.timeout,
            "keepalive": 5,
            # the app's ProxyFix trusts STEGVIS_TRUSTED_PROXIES hops; gunicorn trusts X-Forwarded-Proto
            # only from a proxy on this host, and from nobody when no proxy is trusted
            "forwarded_allow_ips": "127.0.0.1,::1" if self.trusted_proxies else "",
            "accesslog": None,  # the app logs every request as JSON with its request id (web.ops.endpoints)
            "errorlog": "-",
            "logconfig_dict": gunicorn_logconfig(),
            "control_socket_disable": True,  # several nodes may run on one machine
            "proc_name": "stegvis",
        }


def server_settings(env: Mapping[str, str]) -> tuple[ServerSettings | None, list[str]]:
    """The server settings from `env`, or None and one `VARIABLE: expected …, received …` line per problem."""
    values = {name: (env.get(name) or default).strip() for name, default in DEFAULTS.items()}
    problems: list[str] = []
    numbers: dict[str, int] = {}
    for name, (low, high, what) in LIMITS.items():
        raw = values[name]
        if raw.isdigit() and low <= int(raw) <= high:
            numbers[name] = int(raw)
        else:
            problems.append(f"{name}: expected {what} ({low}–{high}), received {raw!r}")
    bind = values["STEGVIS_BIND"]
    if not _valid_bind(bind):
        problems.append(f"STEGVIS_BIND: expected host:port (e.g. 127.0.0.1:8000) or unix:/path, received {bind!r}")
    if problems:
        return None, problems
    return ServerSettings(bind, numbers["STEGVIS_WORKERS"], numbers["STEGVIS_THREADS"],
                          numbers["STEGVIS_TIMEOUT"], numbers["STEGVIS_TRUSTED_PROXIES"]), []


def _valid_bind(bind: str) -> bool:
    if bind.startswith("unix:"):
        return len(bind) > 5
    host, sep, port = bind.rpartition(":")
    return bool(sep and host.strip("[]") and port.isdigit() and 1 <= int(port) <= 65535)


def check(app_factory: Callable[[], Any], env: Mapping[str, str],
          warn: Callable[[str], None] | None = None) -> tuple[ServerSettings | None, list[str]]:
    """Every reason not to start (settings, configuration, programs, database, migrations), one printable line each.

    `warn` hears about large tables without planner statistics, which slow pages but need not stop the start.
    """
    from ..extensions import db
    from ..services.operations.readiness import migration_problem, statistics_warning

    settings, problems = server_settings(env)
    lines = [f"error: {problem}" for problem in problems]
    try:
        app = app_factory()
    except ConfigError as exc:  # an invalid program: its located errors, as `stegvis validate` prints them
        return None, lines + exc.lines()
    with app.app_context():
        problem = migration_problem()
        if problem is None and warn is not None and (message := statistics_warning()):
            warn(message)
        db.session.remove()  # give its connection back before the pool is closed
        db.engine.dispose()  # no connection may cross the fork into the workers
    if problem:
        lines.append(f"error: {problem}")
    return (None if lines else settings), lines


class StegvisServer(BaseApplication):
    """gunicorn with the options given here (no command line, no config file); each worker builds its app."""

    def __init__(self, app_factory: Callable[[], Any], options: Mapping[str, Any]):
        self.app_factory = app_factory
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)
        self.cfg.set("child_exit", _child_exit)

    def load(self):
        return freeze_startup_heap(self.app_factory())


def freeze_startup_heap(app: Any) -> Any:
    """Move what a worker holds after building its app (modules, mappers, programs, the app) out of the
    garbage collector's sight, and return the app.

    Python's cyclic collector runs every few hundred allocations and, every tenth and hundredth time, walks
    every older object; a page allocates thousands. Those startup objects live as long as the worker, so
    walking them is wasted: measured in process (SQLite demo, quiet machine) the collector's time per request
    fell from 1.2 to 0.4 ms on the patient step and from 1.5 to 0.75 ms on Hantera, with the same memory
    (bench/soak.py watches a worker's RSS over time)."""
    gc.collect()
    gc.freeze()
    return app


def wsgi_app() -> Any:
    """The app as `stegvis serve` runs it in each worker, for a plain `gunicorn "web.ops.server:wsgi_app()"`
    (bench/bench_pages.py)."""
    from .. import create_app

    return freeze_startup_heap(create_app())


def _child_exit(server, worker) -> None:
    """Multiprocess metrics: drop the dead worker's live gauges (counters and histograms are kept)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def prepare_metrics_dir(env: Mapping[str, str]) -> str:
    """Set PROMETHEUS_MULTIPROC_DIR (emptied: values of an earlier run must not add up) before metrics load."""
    folder = env.get("STEGVIS_METRICS_DIR") or tempfile.mkdtemp(prefix="stegvis-metrics-")
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))
    os.makedirs(folder, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


def run(app_factory: Callable[[], Any], settings: ServerSettings, metrics_dir: str | None = None) -> None:
    """Serve until SIGTERM/SIGINT (gunicorn's graceful shutdown)."""
    master = os.getpid()
    try:
        StegvisServer(app_factory, settings.gunicorn_options()).run()
    finally:
        # gunicorn's workers are forked inside run() and leave through here too: only the master cleans up
        if os.getpid() == master and metrics_dir and os.path.basename(metrics_dir).startswith("stegvis-metrics-"):
            shutil.rmtree(metrics_dir, ignore_errors=True)


def serve_main(app_factory: Callable[[], Any], env: Mapping[str, str], echo: Callable[..., None]) -> int:
    """`stegvis serve`: check everything, print every problem or start gunicorn; returns the exit code."""
    metrics_dir = prepare_metrics_dir(env)
    settings, problems = check(app_factory, env, lambda message: echo(f"warning: {message}", err=True))
    if problems or settings is None:
        for line in problems:
            echo(line, err=True)
        shutil.rmtree(metrics_dir, ignore_errors=True) if not env.get("STEGVIS_METRICS_DIR") else None
        return 1
    echo(f"Stegvis startar på {settings.bind}: {settings.workers} processer × {settings.threads} trådar, "
         f"timeout {settings.timeout} s, {settings.trusted_proxies} betrodda proxyer.")
    run(app_factory, settings, metrics_dir)
    return 0


def demo_main(config: Mapping[str, Any], bind: str, echo: Callable[..., None]) -> int:
    """`stegvis demo --server production`: the seeded demo on gunicorn, `stegvis worker` as a child process."""
    import subprocess
    import sys

    from .. import create_app
    from ..config import PROJECT_ROOT

    demo = {"DEMO": True, "SECRET_KEY": config["SECRET_KEY"], "BASE_URL": config["BASE_URL"]}
    env = {**os.environ, "STEGVIS_BIND": bind, "SECRET_KEY": config["SECRET_KEY"],
           "STEGVIS_BASE_URL": config["BASE_URL"], "STEGVIS_WORKER_POLL_SECONDS": "10"}
    worker = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "cli.py"), "worker"], env=env)
    try:
        return serve_main(lambda: create_app(demo), env, echo)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
