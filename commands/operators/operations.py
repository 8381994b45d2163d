"""`stegvis` commands for operators: db migrations, serve, demo, tick and worker.

Thin click commands over commands.operators.database, web.ops.server and web.services.operations; registered on the
`stegvis` group by cli.py. A configuration problem ends the command with every problem listed (exit 1).
"""
from __future__ import annotations

import click


# --- db / demo -----------------------------------------------------------------------------------


def _web_app(test_config: dict | None = None):
    """The web app, or a clean exit listing every configuration problem."""
    from web import create_app
    from web.config import ConfigError

    try:
        return create_app(test_config)
    except ConfigError as exc:  # an invalid program too: its errors as file:line:col lines
        for line in exc.lines():
            click.echo(line, err=True)
        raise SystemExit(1)


@click.group()
def db() -> None:
    """Database migrations (Alembic through Flask-Migrate)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database to REVISION (default: the newest)."""
    from commands.operators import database as manage

    manage.upgrade(_web_app(), revision)
    click.echo(f"Databasen är uppgraderad till {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert the database to REVISION (e.g. base)."""
    from commands.operators import database as manage

    manage.downgrade(_web_app(), revision)


@db.command("current")
def db_current() -> None:
    """Show the database's revision."""
    from commands.operators import database as manage

    manage.current(_web_app())


@db.command("migrate")
@click.option("-m", "--message", required=True, help="What changed, e.g. 'add notice priority'.")
def db_migrate(message: str) -> None:
    """Generate a migration from the models (read and edit it before committing)."""
    from commands.operators import database as manage

    manage.autogenerate(_web_app(), message)


@click.command()
def serve() -> None:
    """Serve the app with gunicorn (STEGVIS_BIND, _WORKERS, _THREADS, _TIMEOUT, _TRUSTED_PROXIES)."""
    import os

    from web.ops.server import serve_main

    raise SystemExit(serve_main(lambda: _web_app_or_raise(None), os.environ, click.echo))


def _web_app_or_raise(test_config: dict | None):
    from web import create_app

    return create_app(test_config)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--seed-only", is_flag=True, help="Create the database and demo data, then exit.")
@click.option("--server", type=click.Choice(["dev", "production"]), default="dev", show_default=True,
              help="dev: Werkzeug with the demo's own notice thread; production: gunicorn as `stegvis serve`.")
@click.option("--moments", type=click.IntRange(min=0), default=0, show_default=True,
              help="Add this many realistic moments (spread over the units and the last 400 days).")
def demo(host: str, port: int, seed_only: bool, server: str, moments: int) -> None:
    """Create the demo database (idempotent), print the logins and serve the app."""
    import os
    from datetime import UTC, datetime

    from commands.operators import demo_data
    from commands.operators import database as manage
    from web.config import defaults

    data_dir = defaults(os.environ)["DATA_DIR"]
    url = f"http://{host}:{port}/"
    base_url = os.environ.get("STEGVIS_BASE_URL") or url.rstrip("/")  # notices link to the demo itself
    app = _web_app({"DEMO": True, "SECRET_KEY": demo_data.secret_key(data_dir), "BASE_URL": base_url})
    manage.upgrade(app)
    summary = demo_data.seed(app, datetime.now(UTC))
    if moments:
        _seed_moments(app, moments)
    click.echo("Stegvis demo")
    click.echo(f"  Databas:     {app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo(f"  Vårdenheter: {'; '.join(summary['units'])}")
    click.echo(f"  Behandlarvy: {url}")
    click.echo(f"  Logga in:    marita.andersson / {demo_data.PASSWORD}  (Behandlare)")
    click.echo(f"               admin / {demo_data.PASSWORD}  (alla roller, två vårdenheter)")
    click.echo("  Invånare:    Jane Doe 19610831-2460 (pågående Tobakshjälpen), Anna Andersson, Erik Svensson")
    click.echo(f"  Invånarvy:   {url}invanare/logga-in  (Jane Doe 19610831-2460 / {demo_data.PASSWORD})")
    from web.services.core.accounts import pending_activations

    with app.app_context():
        for patient, path in pending_activations(datetime.now(UTC)):
            click.echo(f"  Aktivering:  {patient.full_name}: {url.rstrip('/')}{path}")
    click.echo(f"  Förhandsvisning för författare: {url}author/")
    _echo_not_loaded(app)
    from web.notify.transports import describe

    click.echo(f"  Aviseringar: {describe(app.config)}")
    if seed_only:
        return
    if server == "production":
        from web.ops.server import demo_main

        raise SystemExit(demo_main(app.config, f"{host}:{port}", click.echo))
    _deliver_in_background(app)
    from werkzeug.serving import run_simple

    from web.ops.server import DevRequestHandler

    run_simple(host, port, app, threaded=True, use_reloader=False, request_handler=DevRequestHandler)


def _echo_not_loaded(app) -> None:
    """One line per program file that did not load (its errors were logged above, one line each)."""
    from web.content.programs import not_loaded

    with app.app_context():
        for name, errors in not_loaded().items():
            click.echo(f"  Ej inläst:   {name}: {len(errors)} fel (visas i förhandsvisningen)", err=True)


def _seed_moments(app, n: int) -> None:
    """`demo --moments N`: N more moments in bulk, with a progress line."""
    import time
    from datetime import UTC, datetime

    from web.content.programs import get_program
    from web.services.operations.seed import seed_moments

    started = time.perf_counter()
    with app.app_context():
        if get_program("tobakshjalpen") is None:
            click.echo("  Moment: inga tillagda, tobakshjalpen.yaml lästes inte in (se felen ovan)", err=True)
            return
        seed_moments(get_program("tobakshjalpen"), n, datetime.now(UTC),
                     progress=lambda done: click.echo(f"\r  Moment: {done}/{n}", nl=False, err=True))
    click.echo(f"\n  {n} moment tillagda på {time.perf_counter() - started:.0f} s", err=True)


def _deliver_in_background(app, poll_seconds: float = 10.0) -> None:
    """The demo's own notice worker: a daemon thread running the tick, so notices land without cron."""
    import threading

    from web import clock
    from web.notify.worker import run_loop
    from web.services.operations.tick import run_tick

    def one_pass() -> None:
        with app.app_context():
            run_tick(clock.now())

    threading.Thread(target=run_loop, name="stegvis-demo-worker", daemon=True,
                     kwargs={"one_pass": one_pass, "poll_seconds": poll_seconds,
                             "stop": threading.Event()}).start()


# --- notices: tick / worker ----------------------------------------------------------------------


def _worker_app():
    """The app for tick/worker: they sign no sessions, so a missing SECRET_KEY is not an error here."""
    import os
    import secrets

    return _web_app(None if os.environ.get("SECRET_KEY") else {"SECRET_KEY": secrets.token_hex(32)})


def _parse_now(value: str | None):
    """--now as an aware datetime (no offset = Stockholm time), or None for the clock."""
    if value is None:
        return None
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a time such as 2026-06-01T09:00, received {value!r}",
                                 param_hint="--now") from None
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo("Europe/Stockholm"))


@click.command()
@click.option("--now", "at", default=None, metavar="TIME",
              help="Evaluate as if it were TIME (e.g. 2026-06-01T09:00, Stockholm time) instead of the clock.")
@click.option("--no-deliver", is_flag=True, help="Raise flags and queue reminders, but leave notices queued.")
def tick(at: str | None, no_deliver: bool) -> None:
    """One pass: raise time-based flags, queue reminders, deliver due notices (run it from cron)."""
    from web import clock
    from web.services.operations.tick import run_tick

    from web.extensions import db as database

    given = _parse_now(at)
    app = _worker_app()
    with app.app_context():
        try:
            report = run_tick(given or clock.now(), deliver=not no_deliver)
        finally:
            database.engine.dispose()  # a one-shot command closes its connections
    click.echo(report.summary())
    for problem in report.errors:
        click.echo(f"warning: {problem}", err=True)


@click.command()
@click.option("--poll", type=click.FloatRange(min=0.1), default=None,
              help="Seconds between passes [default: STEGVIS_WORKER_POLL_SECONDS or 30].")
def worker(poll: float | None) -> None:
    """Run the tick every poll interval until SIGTERM or Ctrl-C; several may run against PostgreSQL."""
    import os
    import threading

    from web import clock
    from web.extensions import db as database
    from web.notify.transports import describe
    from web.services.operations.readiness import beat
    from web.notify.worker import run_loop, stop_on_signals
    from web.services.operations.tick import run_tick

    app = _worker_app()
    seconds = poll or app.config["WORKER_POLL_SECONDS"]
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    stop = threading.Event()

    def one_pass() -> None:
        with app.app_context():
            now = clock.now()
            report = run_tick(now)
            beat(clock.now())  # /readyz: a worker finished a pass
            if report.changed:
                click.echo(f"{clock.format_datetime(now)} {report.summary()}")

    metrics_port = os.environ.get("STEGVIS_WORKER_METRICS_PORT")
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(int(metrics_port), addr=os.environ.get("STEGVIS_WORKER_METRICS_ADDR", "127.0.0.1"))

    click.echo(f"Stegvis worker startad: ett varv var {seconds:g}:e sekund; {describe(app.config)}."
               + (" SQLite: kör bara en worker." if sqlite else ""))
    with stop_on_signals(stop):
        passes = run_loop(one_pass, poll_seconds=seconds, stop=stop,
                          on_error=lambda exc: click.echo(f"error: {exc}", err=True))
    with app.app_context():
        database.engine.dispose()
    click.echo(f"Stegvis worker stoppad efter {passes} varv.")


#: what cli.py registers on the `stegvis` group
COMMANDS = [db, serve, demo, tick, worker]
