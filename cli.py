"""The `stegvis` command line: the click group `main` and the registration of every command.

The commands live in modules grouped by audience, thin click commands over engine and web.services:
- cli_authoring.py — validate, outline, simulate, audio build (program authors; the pure engine);
- cli_diff.py — diff, and `validate --against REV` (program versions in git);
- cli_ops.py — db, serve, demo, tick, worker (operators);
- cli_translations.py — translations update/stamp (translators' PO files and pages);
- web/data_cli.py — stats, export, gallra (the data side);
- web/moments_cli.py — moments upgrade (moving running moments to a new program version).
Exit codes: 0 success, 1 problems found / action rejected, 2 usage error.
"""
from __future__ import annotations

import click

import cli_authoring
import cli_ops
from cli_diff import diff
from cli_translations import translations
from web.data_cli import COMMANDS as DATA_COMMANDS
from web.moments_cli import COMMANDS as MOMENT_COMMANDS


@click.group()
@click.version_option(package_name="stegvis")
def main() -> None:
    """Stegvis — guided digital treatment programs as plain YAML."""


for command in [*cli_authoring.COMMANDS, diff, *cli_ops.COMMANDS, *DATA_COMMANDS, *MOMENT_COMMANDS, translations]:
    main.add_command(command)


if __name__ == "__main__":
    main()
