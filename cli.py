"""The `stegvis` command line: the click group `main` and the registration of every command.

The commands live in modules grouped by audience, thin click commands over engine and web.services:
- cli_authoring.py — validate, outline, simulate, audio build (program authors; the pure engine), and
  preview (the author preview served with live reload);
- cli_diff.py — diff, and `validate --against REV` (program versions in git);
- cli_ops.py — db, serve, demo, tick, worker (operators);
- cli_translations.py — translations update/stamp (translators' PO files and pages);
- web/data_cli.py — stats, export, gallra (the data side);
- web/moments_cli.py — moments upgrade (moving running moments to a new program version).
Each command is registered by name and its module imported only when the command runs (or --help lists
them all): `stegvis validate` never imports the web app (Flask, SQLAlchemy), which would triple its time.
Exit codes: 0 success, 1 problems found / action rejected, 2 usage error.
"""
from __future__ import annotations

import importlib

import click

#: command name → "module:attribute" of its click command
COMMANDS = {
    "validate": "cli_authoring:validate",
    "outline": "cli_authoring:outline",
    "simulate": "cli_authoring:simulate",
    "preview": "cli_authoring:preview",
    "audio": "cli_authoring:audio",
    "diff": "cli_diff:diff",
    "db": "cli_ops:db",
    "serve": "cli_ops:serve",
    "demo": "cli_ops:demo",
    "tick": "cli_ops:tick",
    "worker": "cli_ops:worker",
    "stats": "web.data_cli:stats_command",
    "export": "web.data_cli:export_command",
    "gallra": "web.data_cli:gallra_command",
    "moments": "web.moments_cli:moments_group",
    "translations": "cli_translations:translations",
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use, from `COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            if command.name != cmd_name:  # a renamed command must be renamed here too
                raise RuntimeError(f"{COMMANDS[cmd_name]} is the command {command.name!r}, not {cmd_name!r}")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="stegvis")
def main() -> None:
    """Stegvis — guided digital treatment programs as plain YAML."""


if __name__ == "__main__":
    main()
