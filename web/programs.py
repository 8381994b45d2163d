"""The programs the app serves, loaded once at start from PROGRAMS_DIR (or handed in by tests)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from flask import Flask, current_app

from engine.model import Program

EXTENSION_KEY = "stegvis.programs"


def load_programs(directory: str | Path) -> dict[str, Program]:
    """Load every programs/*.yaml; raises engine.errors.ProgramError for the first invalid one."""
    from engine.loader import load_program  # the loader is optional at import time for tooling

    programs: dict[str, Program] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        program = load_program(path)
        programs[program.id] = program
    return programs


def init_app(app: Flask) -> None:
    """Attach the program registry to the app."""
    given = app.config.get("PROGRAMS")
    app.extensions[EXTENSION_KEY] = dict(given) if given is not None else load_programs(app.config["PROGRAMS_DIR"])


def all_programs() -> Mapping[str, Program]:
    """Program id → Program, in file order."""
    return current_app.extensions[EXTENSION_KEY]


def get_program(program_id: str) -> Program | None:
    """The loaded program with this id, or None."""
    return all_programs().get(program_id)
