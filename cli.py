"""The `stegvis` command line: the click group `main` and the registration of every command.

The commands live in the package `commands/`, grouped by audience, thin click commands over engine and
web.services:
- commands/authors/ — `programs` (validate, outline, simulate, audio build: the pure engine;
  preview: the author preview served with live reload), `diff` (diff,
  and `validate --against REV`: program versions in git), `translations` (translators' PO files and pages);
- commands/operators/ — `operations` (db, serve, demo, tick, worker), with `database` (migrations) and
  `demo_data` (the demo's seed);
- commands/data/ — `records` (stats, export, gallra), `moments` (moments upgrade: running moments to a new
  program version).
Each command is registered by name and its module imported only when the command runs (or --help lists
them all): `stegvis validate` never imports the web app (Flask, SQLAlchemy), which would triple its time.
Exit codes: 0 success, 1 problems found / action rejected, 2 usage error.
"""
from __future__ import annotations

import importlib

import click

#: command name → "module:attribute" of its click command
COMMANDS = {
    "validate": "commands.authors.programs:validate",
    "outline": "commands.authors.programs:outline",
    "simulate": "commands.authors.programs:simulate",
    "preview": "commands.authors.programs:preview",
    "audio": "commands.authors.programs:audio",
    "diff": "commands.authors.diff:diff",
    "db": "commands.operators.operations:db",
    "serve": "commands.operators.operations:serve",
    "demo": "commands.operators.operations:demo",
    "tick": "commands.operators.operations:tick",
    "worker": "commands.operators.operations:worker",
    "stats": "commands.data.records:stats_command",
    "export": "commands.data.records:export_command",
    "gallra": "commands.data.records:gallra_command",
    "moments": "commands.data.moments:moments_group",
    "translations": "commands.authors.translations:translations",
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
