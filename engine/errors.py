"""The engine's exception hierarchy: one root, a few subclasses.

The CLI turns these into clean `file:line:col: error: …` lines and the web layer into
400 responses or flash messages; nobody should ever see a traceback for them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Location:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Problem:
    """One finding of the loader or validator: an error or a warning at a location."""

    location: Location | None
    message: str
    severity: str = "error"  # "error" | "warning"

    def format(self) -> str:
        """Render as `file:line:col: error: message` (the compiler-style line authors see)."""
        where = str(self.location) if self.location else "<unknown>"
        return f"{where}: {self.severity}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for `--format json`."""
        loc = self.location
        return {
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "col": loc.col if loc else None,
            "severity": self.severity,
            "message": self.message,
        }


class EngineError(Exception):
    """Root of every error the engine raises on purpose."""


@dataclass
class ProgramError(EngineError):
    """A program (or scenario) file could not be loaded; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class ExpressionError(EngineError):
    """An expression could not be parsed, type-checked or evaluated."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        #: 0-based character offset inside the expression source
        self.offset = offset


class TransitionError(EngineError):
    """A lifecycle action that makes no sense in the current state (e.g. completing an ended moment)."""


class AnswerError(EngineError):
    """Submitted form answers are invalid; `errors` maps question id → Swedish message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
