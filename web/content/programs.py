"""The programs the app serves, loaded once at start from PROGRAMS_DIR (or handed in by tests)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from flask import Flask, current_app

from engine.loader import program_digest
from engine.model import Program

EXTENSION_KEY = "stegvis.programs"
#: digest → YAML text of an installed program, kept so a snapshot stores exactly what was loaded
SOURCES_KEY = "stegvis.program_sources"


def load_programs(directory: str | Path) -> dict[str, Program]:
    """Load every programs/*.yaml; raises engine.errors.ProgramError for the first invalid one."""
    from engine.loader import load_program  # the loader is optional at import time for tooling

    programs: dict[str, Program] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        program = load_program(path)
        programs[program.id] = program
    return programs


def init_app(app: Flask) -> None:
    """Attach the program registry to the app (and remember each program's YAML text)."""
    given = app.config.get("PROGRAMS")
    registry = dict(given) if given is not None else load_programs(app.config["PROGRAMS_DIR"])
    app.extensions[EXTENSION_KEY] = registry
    sources: dict[str, str] = {}
    for program in registry.values():
        source = _read_source(program)
        if source is not None:
            sources[program.digest] = source
    app.extensions[SOURCES_KEY] = sources


def all_programs() -> Mapping[str, Program]:
    """Program id → Program, in file order."""
    return current_app.extensions[EXTENSION_KEY]


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
