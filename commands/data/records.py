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

        from web.config import ConfigError
        from web import create_app

        try:
            app = create_app(None if os.environ.get("SECRET_KEY") else {"SECRET_KEY": secrets.token_hex(32)})
        except ConfigError as exc:
            for line in exc.lines():
                click.echo(line, err=True)
            raise SystemExit(1)
    with app.app_context():
        try:
            yield app
        finally:
            if own:
                from web.extensions import db

                db.engine.dispose()


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


DATE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m"])


@click.command("stats")
@click.option("--period", default=None,
              help="A calendar year, quarter or month: 2025, 2025-K2 or 2025-06 (default: this year).")
@click.option("--lan", type=int, default=None, help="Region (Län) id.")
@click.option("--unit", type=int, default=None, help="Care unit id (in the chosen Län).")
@click.option("--program", default=None, help="Program id, e.g. tobakshjalpen.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def stats_command(period, lan, unit, program, fmt) -> None:
    """Print the statistics (every count as its range of 5: "< 5", "5–9" …), as the page shows them."""
    from web import clock
    from web.services.clinician import stat_filters, stat_tables
    from web.services.clinician import statistics as service

    with _app_context():
        today = clock.today()
        if period is not None and stat_filters.period_months(period, today) is None:
            raise click.BadParameter(f"{period!r} is not a calendar year, quarter or month up to now "
                                     "(e.g. 2025, 2025-K2, 2025-06)", param_hint="--period")
        args = {"period": period or "", "lan": str(lan or ""), "enhet": str(unit or ""), "program": program or ""}
        filters = stat_filters.parse_filters(args, None, today)
        if unit and filters.unit_id is None:
            raise click.BadParameter(f"unit {unit} is not in Län {filters.region_id}", param_hint="--unit")
        report = service.report(filters, today)
        names = stat_filters.scope_names(filters)
        render = {"text": stat_tables.to_text, "json": stat_tables.to_json, "csv": stat_tables.to_csv}[fmt]
        click.echo(render(report, names), nl=fmt == "json")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "fhir"]), required=True)
@click.option("--kind", type=click.Choice(["answers", "moments"]), default="answers", show_default=True)
@click.option("--from", "date_from", type=DATE, default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=DATE, default=None, help="Last day (YYYY-MM-DD).")
@click.option("--program", default=None, help="Program id, e.g. tobakshjalpen.")
@click.option("--unit", type=int, default=None, help="Care unit id (default: every unit).")
@click.option("--identified", is_flag=True, help="Personnummer instead of pseudonyms (needs --purpose).")
@click.option("--purpose", default=None, help="Why the identified export is made (logged).")
@click.option("--free-text", is_flag=True, help="Include free-text answers (only with --identified).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True)
def export_command(fmt, kind, date_from, date_to, program, unit, identified, purpose, free_text, out) -> None:
    """Export answers (or moments) to OUT, pseudonymised unless --identified; logged in the export log."""
    import getpass

    from web import clock
    from web.services.errors import ServiceError
    from web.services.operations import export as service
    from web.services.operations import fhir

    req = service.ExportRequest(kind=kind, format=fmt, date_from=date_from and date_from.date(),
                                date_to=date_to and date_to.date(), program_id=program, unit_id=unit,
                                identified=identified, purpose=purpose, free_text=free_text)
    with _app_context():
        now = clock.now()
        try:
            rows = service.log_export(req, user_id=None, user_name=f"stegvis export ({getpass.getuser()})",
                                     unit_id=unit, now=now).rows
        except ServiceError as exc:
            click.echo(f"error: {exc.message}", err=True)
            raise SystemExit(1)
        if fmt == "xlsx":
            service.write_xlsx(req, now, out)
        else:
            chunks = service.csv_chunks(req, now) if fmt == "csv" else fhir.ndjson_lines(req)
            with open(out, "w", encoding="utf-8", newline="") as handle:
                for chunk in chunks:
                    handle.write(chunk)
    click.echo(f"{rows} rader exporterade till {out}.")


@click.command("gallra")
@click.option("--dry-run", is_flag=True, help="Only list what the retention rule would purge.")
def gallra_command(dry_run: bool) -> None:
    """Purge moments ended more than STEGVIS_RETENTION_MONTHS (default 24) months ago; one receipt per patient."""
    import getpass

    from web import clock
    from web.services.operations import gallring

    with _app_context() as app:
        months = app.config["RETENTION_MONTHS"]
        patients, counts, receipts = gallring.run(clock.now(), dry_run=dry_run,
                                                  user_name=f"stegvis gallra ({getpass.getuser()})")
        if patients and not dry_run:  # rows purged in bulk: fresh planner statistics (issue 27)
            from web.services.operations.planner_stats import analyze

            analyze()
        click.echo(gallring.retention_rule(months))
        verb = "skulle gallras" if dry_run else "gallrade"
        click.echo(f"{patients} invånare med moment som {verb}." if dry_run else f"{patients} invånare {verb}.")
        for label, n in counts.items():
            click.echo(f"  {label}: {n}")
        if receipts:
            click.echo(f"Kvitton: {', '.join(str(r.id) for r in receipts)}")


COMMANDS = [stats_command, export_command, gallra_command]
