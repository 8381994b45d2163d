"""Syntax tree, constants and printer of the expression language (`show_if`, validation, scoring).

The grammar is in engine.expr (package docstring). Nodes are frozen dataclasses; `str(node)` prints a
node back as source with the fewest parentheses that keep its meaning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, time
from typing import Any

#: function name → (min args, max args or None for "any number")
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sum": (1, None),
    "count": (1, 1),
    "len": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "answered": (1, 1),
    #: the caller's date (the patient's local date); unknown (null) when the caller gives none
    "today": (0, 0),
    #: days from the first date to the second (negative when the second is earlier)
    "days_between": (2, 2),
    #: minutes from the first time of day to the second, wrapping past midnight (23:30 → 06:30 = 420)
    "minutes_between": (2, 2),
    #: over a form with entries: the mean / lowest / highest of a value in the last N entries (this one included)
    "mean_last": (2, 2),
    "min_last": (2, 2),
    "max_last": (2, 2),
    #: over a form with entries: the mean of a value in the entries of the last N days (today included)
    "mean_days": (2, 2),
}
#: the functions over a form's earlier entries (first argument a value id, second a whole number N ≥ 1)
AGGREGATES = ("mean_last", "min_last", "max_last", "mean_days")
#: deepest nesting the parser accepts; keeps every recursive walk far from Python's limit
MAX_DEPTH = 50
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
ARITHMETIC = ("+", "-", "*", "/")


# ---------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class Expr:
    """Base of every syntax-tree node; `str(node)` prints it back as source."""

    @cached_property
    def depth(self) -> int:
        """Nesting depth (1 for a leaf); derived, so hand-built trees (tests) have it too."""
        return 1 + max((c.depth for c in children(self)), default=0)

    @property
    def offset(self) -> int:
        """Column (0-based) of the node in its source; every node type overrides this with a field."""
        return 0

    def __str__(self) -> str:
        return to_source(self)


@dataclass(frozen=True)
class Literal(Expr):
    """A number, text, true/false or null written in the expression."""

    value: str | int | float | bool | None
    offset: int = field(default=0, compare=False)

    def __eq__(self, other: object) -> bool:
        # True == 1 in Python; literals of different types must still differ
        return (isinstance(other, Literal) and type(self.value) is type(other.value)
                and self.value == other.value)

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True)
class ListLit(Expr):
    """A list written in brackets: [1, 'a']."""

    items: tuple[Expr, ...]
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Name(Expr):
    """A question id; evaluates to that question's answer."""

    id: str
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Unary(Expr):
    """`-x` or `not x`."""

    op: str  # "-" | "not"
    operand: Expr
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Binary(Expr):
    """`left op right`: and/or, a comparison, `in`/`not in` or arithmetic."""

    op: str  # "or" | "and" | a comparison | an arithmetic operator
    left: Expr
    right: Expr
    offset: int = field(default=0, compare=False)  # of the operator


@dataclass(frozen=True)
class Call(Expr):
    """A call of one of FUNCTIONS."""

    func: str
    args: tuple[Expr, ...]
    offset: int = field(default=0, compare=False)


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node."""
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def uses_today(node: Expr) -> bool:
    """Whether the expression calls today() anywhere (its value then depends on the caller's date)."""
    if isinstance(node, Call) and node.func == "today":
        return True
    return any(uses_today(child) for child in children(node))


# ---------------------------------------------------------------- printer

_LEVEL = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7}


def _level(node: Expr) -> int:
    if isinstance(node, Binary):
        return _LEVEL["cmp"] if node.op in COMPARISONS else _LEVEL[node.op]
    if isinstance(node, Unary):
        return _LEVEL["not"] if node.op == "not" else _LEVEL["neg"]
    return 8


def _literal_source(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def to_source(node: Expr, min_level: int = 0) -> str:
    """Print a tree back as source with the fewest parentheses that keep its meaning."""
    level = _level(node)
    if isinstance(node, Literal):
        text = _literal_source(node.value)
    elif isinstance(node, Name):
        text = node.id
    elif isinstance(node, ListLit):
        text = "[" + ", ".join(to_source(i) for i in node.items) + "]"
    elif isinstance(node, Call):
        text = node.func + "(" + ", ".join(to_source(a) for a in node.args) + ")"
    elif isinstance(node, Unary):
        inner = to_source(node.operand, level)
        text = f"not {inner}" if node.op == "not" else f"-{inner}"
    elif isinstance(node, Binary):
        # comparisons never chain, so both sides bind tighter; the rest are left-associative
        left_min = level + 1 if level == _LEVEL["cmp"] else level
        text = f"{to_source(node.left, left_min)} {node.op} {to_source(node.right, level + 1)}"
    else:
        raise TypeError(f"not an expression node: {node!r}")
    return f"({text})" if level < min_level else text


# ---------------------------------------------------------------- literals

def parse_date_literal(text: str) -> date | None:
    """'YYYY-MM-DD' → date, anything else → None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_time_literal(text: str) -> time | None:
    """'HH:MM' → time, anything else → None."""
    m = re.fullmatch(r"(\d{2}):(\d{2})", text)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        return None
    return time(int(m[1]), int(m[2]))

