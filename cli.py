"""The `stegvis` command line: thin click commands over engine and web.services.

Each command catches EngineError and prints clean `file:line:col: error: …` lines; exit codes:
0 success, 1 problems found / action rejected, 2 usage error.
"""
from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="stegvis")
def main() -> None:
    """Stegvis — guided digital treatment programs as plain YAML."""


# Commands are added below, one section per concern (validate/outline, simulate, audio, db/demo, worker).


def _fail(exc) -> None:
    """Print a ProgramError's problems as file:line:col lines on stderr and exit 1."""
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
    raise SystemExit(1)


def _emit(fmt: str, data, text) -> None:
    """Print JSON (`data()` → object) or text (`text()` → str) for --format."""
    import json

    if fmt == "json":
        click.echo(json.dumps(data(), ensure_ascii=False, indent=2))
    else:
        click.echo(text(), nl=False)


# --- validate / outline ------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--against", "rev", metavar="REV", default=None,
              help="Also compare with the file at git revision REV (e.g. HEAD): warn when the content changed "
                   "but the version did not, and list removed ids no migration maps.")
def validate(paths: tuple[str, ...], strict: bool, fmt: str, rev: str | None) -> None:
    """Check program files: every problem as file:line:col, golden tests run (exit 1 on errors)."""
    import json

    from engine.loader import check_program

    results = [(path, *check_program(path, strict=strict)) for path in paths]
    if rev is not None:
        from cli_diff import with_baseline_problems

        results = with_baseline_problems(results, rev, strict)
    errors = sum(p.severity == "error" for _, _, problems in results for p in problems)
    warnings = sum(p.severity == "warning" for _, _, problems in results for p in problems)
    if fmt == "json":
        files = [{"path": path, "ok": program is not None,
                  "program": None if program is None else _program_summary(program),
                  "problems": [p.to_dict() for p in problems]} for path, program, problems in results]
        click.echo(json.dumps({"files": files, "errors": errors, "warnings": warnings},
                              ensure_ascii=False, indent=2))
    else:
        for path, program, problems in results:
            for problem in problems:
                click.echo(problem.format())
            if program is not None:
                s = _program_summary(program)
                click.echo(f"OK {path} ({s['id']} {s['version']}, {_plural(s['modules'], 'module')}, "
                           f"{_plural(s['steps'], 'step')}, {_plural(s['forms'], 'form')})")
        if errors or warnings:
            click.echo(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
                       f"in {_plural(len(paths), 'file')}")
    if errors:
        raise SystemExit(1)


def _program_summary(program) -> dict:
    return {"id": program.id, "version": program.version, "digest": program.digest,
            "modules": len(program.modules), "steps": sum(len(m.steps) for m in program.modules),
            "forms": len(program.forms)}


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


@main.command()
@click.argument("program", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def outline(program: str, fmt: str) -> None:
    """Print a plain-language outline of PROGRAM for clinical review (or JSON with --format json)."""
    from engine.errors import ProgramError
    from engine.loader import load_program
    from engine.authoring.outline import outline_data, outline_text

    try:
        loaded = load_program(program)
    except ProgramError as exc:
        _fail(exc)
    _emit(fmt, lambda: outline_data(loaded), lambda: outline_text(loaded))


# --- simulate ---------------------------------------------------------------------------------


@main.command()
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def simulate(scenario: str, fmt: str) -> None:
    """Run SCENARIO (a scripted moment) day by day: events, flags and the final state (exit 1 if rejected)."""
    from engine.errors import ProgramError
    from engine.authoring.simulate import simulate_file, to_data, to_text

    try:
        result = simulate_file(scenario)
    except ProgramError as exc:
        _fail(exc)
    _emit(fmt, lambda: to_data(result), lambda: to_text(result))


# --- audio ------------------------------------------------------------------------------------


@main.group()
def audio() -> None:
    """Text-to-speech audio for program pages, built ahead of time."""


@audio.command("build")
@click.argument("program", default="programs/tobakshjalpen.yaml",
                type=click.Path(exists=True, dir_okay=False))
@click.option("--backend", type=click.Choice(["auto", "gtts", "espeak"]), default="auto", show_default=True,
              help="auto tries gTTS (online) and falls back to espeak-ng + lame (offline).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Audio folder [default: $STEGVIS_DATA_DIR/audio, STEGVIS_DATA_DIR defaults to ./instance].")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for gTTS.")
def audio_build(program: str, backend: str, out: str | None, timeout: float) -> None:
    """Render every step of PROGRAM to speech; files already built are kept, not redone."""
    import os

    from engine.errors import EngineError
    from engine.loader import load_program
    from web.audio import AudioCache, AudioError, audio_items, build_program_audio, make_backend

    try:
        loaded = load_program(program)
    except EngineError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1)
    folder = out or os.path.join(os.environ.get("STEGVIS_DATA_DIR") or "instance", "audio")
    cache = AudioCache(folder)
    try:
        with click.progressbar(length=len(audio_items(loaded)), label="Syntetiserar tal",
                               show_pos=True) as bar:
            report = build_program_audio(loaded, cache, make_backend(backend, timeout),
                                         progress=lambda item, outcome: bar.update(1))
    except AudioError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1)
    produced = ", ".join(f"{name}: {n}" for name, n in sorted(report.produced.items()))
    click.echo(f"{report.synthesized} syntetiserade, {report.cached} fanns redan"
               + (f", {report.skipped} utan ljud" if report.skipped else "")
               + (f" ({produced})" if produced else "") + f" → {cache.folder}")


# --- db / demo -----------------------------------------------------------------------------------


def _web_app(test_config: dict | None = None):
    """The web app, or a clean exit listing every configuration problem."""
    from web import create_app
    from web.config import ConfigError

    try:
        return create_app(test_config)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(1)


@main.group()
def db() -> None:
    """Database migrations (Alembic through Flask-Migrate)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database to REVISION (default: the newest)."""
    from web import manage

    manage.upgrade(_web_app(), revision)
    click.echo(f"Databasen är uppgraderad till {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert the database to REVISION (e.g. base)."""
    from web import manage

    manage.downgrade(_web_app(), revision)


@db.command("current")
def db_current() -> None:
    """Show the database's revision."""
    from web import manage

    manage.current(_web_app())


@db.command("migrate")
@click.option("-m", "--message", required=True, help="What changed, e.g. 'add notice priority'.")
def db_migrate(message: str) -> None:
    """Generate a migration from the models (read and edit it before committing)."""
    from web import manage

    manage.autogenerate(_web_app(), message)


@main.command()
def serve() -> None:
    """Serve the app with gunicorn (STEGVIS_BIND, _WORKERS, _THREADS, _TIMEOUT, _TRUSTED_PROXIES)."""
    import os

    from web.serve import serve_main

    raise SystemExit(serve_main(lambda: _web_app_or_raise(None), os.environ, click.echo))


def _web_app_or_raise(test_config: dict | None):
    from web import create_app

    return create_app(test_config)


@main.command()
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

    from web import demo as demo_data, manage
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
    from web.notify.transports import describe

    click.echo(f"  Aviseringar: {describe(app.config)}")
    if seed_only:
        return
    if server == "production":
        from web.serve import demo_main

        raise SystemExit(demo_main(app.config, f"{host}:{port}", click.echo))
    _deliver_in_background(app)
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


def _seed_moments(app, n: int) -> None:
    """`demo --moments N`: N more moments in bulk, with a progress line."""
    import time
    from datetime import UTC, datetime

    from web.programs import get_program
    from web.services.operations.seed import seed_moments

    started = time.perf_counter()
    with app.app_context():
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


@main.command()
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


@main.command()
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


def _add_diff() -> None:
    from cli_diff import diff

    main.add_command(diff)


_add_diff()


def _add_translations() -> None:
    from cli_translations import translations

    main.add_command(translations)


_add_translations()


# --- data side: stats, export, gallra (web/data_cli.py) ------------------------------------------


def _add_data_commands() -> None:
    from web.data_cli import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_add_data_commands()


if __name__ == "__main__":
    main()
