"""The `stegvis` group: every command of the command modules is registered, and --help lists them all
although each module is imported only when its command runs (cli.LazyGroup)."""
import click
from click.testing import CliRunner

import cli
from commands.authors import programs as author_commands
from commands.operators import operations as operator_commands
from commands.authors.diff import diff
from commands.authors.translations import translations
from commands.data.records import COMMANDS as DATA_COMMANDS
from commands.data.moments import COMMANDS as MOMENT_COMMANDS

EVERY_COMMAND = [*author_commands.COMMANDS, diff, *operator_commands.COMMANDS, *DATA_COMMANDS, *MOMENT_COMMANDS, translations]


def test_the_registry_names_every_command_of_the_command_modules_and_nothing_else():
    assert sorted(cli.COMMANDS) == sorted(command.name for command in EVERY_COMMAND)
    ctx = click.Context(cli.main)
    assert [cli.main.get_command(ctx, command.name) for command in EVERY_COMMAND] == EVERY_COMMAND


def test_help_lists_every_command_as_a_group_holding_them_all_would():
    eager = click.Group(name="main", help=cli.main.help, params=cli.main.params, commands=EVERY_COMMAND)
    runner = CliRunner()
    lazy_help = runner.invoke(cli.main, ["--help"], prog_name="stegvis")
    eager_help = runner.invoke(eager, ["--help"], prog_name="stegvis")
    assert lazy_help.exit_code == 0
    assert lazy_help.output == eager_help.output
    assert "\n  validate      Check program files: every problem as file:line:col" in lazy_help.output
    assert len([line for line in lazy_help.output.split("Commands:\n")[1].splitlines() if line.strip()]) == 16


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli.main, ["valdiate", "x.yaml"])
    assert result.exit_code == 2
    assert "No such command 'valdiate'" in result.output
