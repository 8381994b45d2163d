"""`stegvis stats`, `stegvis export` and `stegvis gallra`: the data side on the command line.

Registered on the `stegvis` group by cli.py. Each command runs inside the app given as click's
`obj` (tests) or one built from the environment, and calls web.services only.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import click


@contextmanager
def _app_context():
    """The app of click's obj (tests) or one built from the environment; its connections closed after."""
    ctx = click.get_current_context()
    app = ctx.obj if ctx.obj is not None and hasattr(ctx.obj, "app_context") else None
    own = app is None
    if own:
        import os
        import secrets

        from .config import ConfigError
        from . import create_app

        try:
            app = create_app(None if os.environ.get("SECRET_KEY") else {"SECRET_KEY": secrets.token_hex(32)})
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            raise SystemExit(1)
    with app.app_context():
        try:
            yield app
        finally:
            if own:
                from .extensions import db

                db.engine.dispose()


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


DATE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m"])


@click.command("stats")
@click.option("--from", "date_from", type=DATE, default=None, help="First month (YYYY-MM or a date in it).")
@click.option("--to", "date_to", type=DATE, default=None, help="Last month (YYYY-MM or a date in it).")
@click.option("--lan", type=int, default=None, help="Region (Län) id.")
@click.option("--unit", type=int, default=None, help="Care unit id (in the chosen Län).")
@click.option("--program", default=None, help="Program id, e.g. tobakshjalpen.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def stats_command(date_from, date_to, lan, unit, program, fmt) -> None:
    """Print the statistics (cells from fewer than 5 patients shown as "< 5")."""
    from . import clock
    from .services.clinician import stat_tables
    from .services.clinician import statistics as service

    with _app_context():
        args = {"fran": _date(date_from and date_from.date()), "till": _date(date_to and date_to.date()),
                "lan": str(lan or ""), "enhet": str(unit or ""), "program": program or ""}
        today = clock.today()
        filters = service.parse_filters(args, None, today)
        if unit and filters.unit_id is None:
            raise click.BadParameter(f"unit {unit} is not in Län {filters.region_id}", param_hint="--unit")
        report = service.report(filters, today)
        names = service.scope_names(filters)
        render = {"text": stat_tables.to_text, "json": stat_tables.to_json, "csv": stat_tables.to_csv}[fmt]
        click.echo(render(report, names), nl=fmt == "json")


COMMANDS = [stats_command]
