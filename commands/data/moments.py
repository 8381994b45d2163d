"""`stegvis moments upgrade PROGRAM --from VERSION [--dry-run] [--unit U]`: move running moments to the
installed version of their program (issue 18). Registered on the `stegvis` group by cli.py; calls
web.services only, inside the app of click's obj (tests) or one built from the environment.
"""
from __future__ import annotations

import click

from commands.data.records import _app_context


@click.group("moments")
def moments_group() -> None:
    """Running moments."""


@moments_group.command("upgrade")
@click.argument("program")
@click.option("--from", "from_version", required=True, help="The version the moments follow now, e.g. 1.0.0.")
@click.option("--dry-run", is_flag=True, help="List what would happen; change nothing.")
@click.option("--unit", type=int, default=None, help="Only moments of this care unit (id).")
def upgrade_command(program: str, from_version: str, dry_run: bool, unit: int | None) -> None:
    """Move the moments on PROGRAM version --from to the installed version; refused ones stay, with the reason."""
    import getpass

    from web import clock
    from web.services.clinician import upgrade as upgrade_service
    from web.services.errors import ServiceError

    with _app_context():
        try:
            target, moments = upgrade_service.moments_to_move(program, from_version, unit)
        except ServiceError as exc:
            click.echo(f"error: {exc.message}", err=True)
            raise SystemExit(2)
        click.echo(f"{program} {from_version} → {target.version}: {len(moments)} moment"
                   + (" (torrkörning, inget ändras)" if dry_run else ""))
        actor = upgrade_service.cli_actor(f"stegvis moments upgrade ({getpass.getuser()})")
        moved = refused = 0
        for enrollment in moments:
            label = f"moment {enrollment.id}"
            _, _, result = upgrade_service.plan_for(enrollment, target)
            if isinstance(result, upgrade_service.UpgradeRefusal):
                refused += 1
                click.echo(f"{label}: vägras: {'; '.join(result.reasons)}")
                continue
            if not dry_run:
                try:
                    upgrade_service.upgrade_moment(enrollment, target, actor=actor, now=clock.now())
                except ServiceError as exc:
                    refused += 1
                    click.echo(f"{label}: vägras: {exc.message}")
                    continue
            moved += 1
            click.echo(f"{label}: flyttas")
        if moved and not dry_run:  # many moments' rows rewritten: fresh planner statistics (issue 27)
            from web.services.operations.planner_stats import analyze

            analyze()
        verb = "skulle flyttas" if dry_run else "flyttade"
        click.echo(f"{moved} {verb}, {refused} vägrade.")


COMMANDS = [moments_group]
