"""The programs the app serves, loaded once at start from PROGRAMS_DIR (or handed in by tests).

Every `*.yaml` of the folder is loaded. One that does not load never takes the others down: its
errors (`file:line:col: error: message`, as `stegvis validate` prints them) are kept and logged one
line each, /readyz reports it as not loaded, and its moments keep their pinned version
(web.services.core.versions). Only where PROGRAMS_STRICT is on (`stegvis serve`, operators' commands)
does an invalid program stop the app from being built: a deploy must fail loudly.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

from flask import Flask, current_app

from engine.errors import Location, Problem
from engine.loader import program_digest
from engine.model import Program

from ..config import ConfigError

log = logging.getLogger("stegvis.programs")

EXTENSION_KEY = "stegvis.programs"
#: digest → YAML text of an installed program, kept so a snapshot stores exactly what was loaded
SOURCES_KEY = "stegvis.program_sources"
#: file name → the errors of a program file that did not load
FAILURES_KEY = "stegvis.program_failures"


class ProgramsNotLoaded(ConfigError):
    """A program of PROGRAMS_DIR does not load (strict mode); `problems` are its located error lines."""

    def lines(self) -> list[str]:
        """The lines to print: `file:line:col: error: message`, exactly as `stegvis validate` prints them."""
        return list(self.problems)


def check_programs(directory: str | Path) -> tuple[dict[str, Program], dict[str, list[Problem]]]:
    """Load every *.yaml of `directory`: (program id → Program, file name → errors of each that does not load)."""
    from engine.loader import check_program  # the loader is optional at import time for tooling

    programs: dict[str, Program] = {}
    failures: dict[str, list[Problem]] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        program, problems = check_program(path)
        if program is None:
            failures[path.name] = [p for p in problems if p.severity == "error"]
        elif program.id in programs:
            where = programs[program.id].source_path
            failures[path.name] = [Problem(Location(str(path), 1, 1), f"the id {program.id!r} is already used by "
                                           f"{where}; give each program its own id")]
        else:
            programs[program.id] = program
    return programs, failures


def load_programs(directory: str | Path) -> dict[str, Program]:
    """Load every programs/*.yaml; raises ProgramsNotLoaded listing the errors of every invalid one."""
    programs, failures = check_programs(directory)
    if failures:
        raise ProgramsNotLoaded([p.format() for problems in failures.values() for p in problems])
    return programs


def init_app(app: Flask) -> None:
    """Attach the program registry to the app (and remember each program's YAML text).

    A program that does not load is left out with its errors logged, one line each (see the module's
    docstring); with PROGRAMS_STRICT it raises ProgramsNotLoaded instead.
    """
    given = app.config.get("PROGRAMS")
    failures: dict[str, list[Problem]] = {}
    if given is not None:
        registry = dict(given)
    else:
        registry, failures = check_programs(app.config["PROGRAMS_DIR"])
        if failures and app.config.get("PROGRAMS_STRICT"):
            raise ProgramsNotLoaded([p.format() for problems in failures.values() for p in problems])
        for problems in failures.values():
            for problem in problems:
                log.error("%s", problem.format())
    app.extensions[EXTENSION_KEY] = registry
    app.extensions[FAILURES_KEY] = failures
    sources: dict[str, str] = {}
    for program in registry.values():
        source = _read_source(program)
        if source is not None:
            sources[program.digest] = source
    app.extensions[SOURCES_KEY] = sources


def all_programs() -> Mapping[str, Program]:
    """Program id → Program, in file order."""
    return current_app.extensions[EXTENSION_KEY]


def not_loaded() -> Mapping[str, list[Problem]]:
    """File name → the errors of every program file of PROGRAMS_DIR that did not load at start."""
    return current_app.extensions.get(FAILURES_KEY, {})


def get_program(program_id: str) -> Program | None:
    """The loaded program with this id, or None."""
    return all_programs().get(program_id)


def program_files(program: Program) -> dict[str, str]:
    """Content-relative path → Markdown text of every content file the program's steps use."""
    return {step.content: step.text for module in program.modules for step in module.steps if step.content}


def installed_source(program: Program) -> str | None:
    """The YAML text `program` was loaded from, or None when the file has changed or is gone since."""
    sources = current_app.extensions.setdefault(SOURCES_KEY, {})
    source = sources.get(program.digest)
    if source is None:
        source = _read_source(program)
        if source is not None:
            sources[program.digest] = source
    return source


def _read_source(program: Program) -> str | None:
    """Read the program's YAML file; None unless it reproduces the program's digest."""
    if not program.source_path or not program.digest:
        return None
    try:
        # bytes, as the loader reads them: no newline translation
        source = Path(program.source_path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return source if program_digest(source, program_files(program)) == program.digest else None
