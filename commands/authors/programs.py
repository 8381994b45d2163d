"""`stegvis` commands for program authors: validate, outline, preview, simulate and audio build.

Thin click commands over the pure engine (engine.loader, engine.authoring), the audio cache and, for
preview, the web app's author preview; registered on the `stegvis` group by cli.py. Each command catches
ProgramError and prints clean `file:line:col: error: …` lines; exit codes: 0 success, 1 problems found /
scenario rejected, 2 usage error.
"""
from __future__ import annotations

import click


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


@click.command()
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
        from commands.authors.diff import with_baseline_problems

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


@click.command()
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


# --- preview ----------------------------------------------------------------------------------


def preview_app(files: list[str], folder: str, base_url: str):
    """The author preview's app on a new SQLite database in `folder`, with a Författare login.

    Returns (app, password). Every program of the folder that loads is served; the others show their
    errors (file:line:col) in the browser; the pages reload when a program or content file changes.
    """
    import os
    import secrets
    from pathlib import Path

    from commands.operators import database as manage
    from web.services.operations.preview_login import add_author

    config = {"SECRET_KEY": secrets.token_hex(32),
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'preview.db'}",
              "PROGRAMS_STRICT": False, "AUTHOR_RELOAD": True, "BASE_URL": base_url,
              "AUTHOR_PROGRAM_FILES": [os.path.abspath(f) for f in files] or None}
    if files:
        config["PROGRAMS_DIR"] = os.path.dirname(os.path.abspath(files[0]))
    app = _web_app(config)
    manage.upgrade(app)
    password = secrets.token_urlsafe(9)
    with app.app_context():
        add_author(password)
    return app, password


def _web_app(config: dict):
    from commands.operators.operations import _web_app as build

    return build(config)


@click.command()
@click.argument("programs", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5001, show_default=True, type=int, help="Port to listen on.")
def preview(programs: tuple[str, ...], host: str, port: int) -> None:
    """Serve the author preview of PROGRAM… (default: every programs/*.yaml); pages reload on every edit."""
    import shutil
    import tempfile

    from web.services.operations.preview_login import USERNAME

    url = f"http://{host}:{port}/author/"
    folder = tempfile.mkdtemp(prefix="stegvis-preview-")
    try:
        app, password = preview_app(list(programs), folder, url.removesuffix("/author/"))
        with app.app_context():
            from web.services import author as author_service

            shown = list(author_service.previews().values())
        click.echo("Stegvis förhandsvisning")
        click.echo(f"  Adress:      {url}")
        click.echo(f"  Logga in:    {USERNAME} / {password}")
        for item in shown:
            state = f"{len(item.errors)} fel (visas i webbläsaren)" if item.errors else "inga fel"
            click.echo(f"  Program:     {item.path.name}: {state}")
        click.echo("  Sidan laddas om när en programfil eller en innehållsfil ändras. Avsluta med Ctrl-C.")
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- simulate ---------------------------------------------------------------------------------


@click.command()
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


@click.group()
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
    from web.content.audio import AudioCache, AudioError, audio_items, build_program_audio, make_backend

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


#: what cli.py registers on the `stegvis` group
COMMANDS = [validate, outline, simulate, audio, preview]
