"""The expression language of `show_if`, validation rules and score expressions.

A small hand-written tokenizer and Pratt parser (never Python `eval`). Grammar, loosest first:

    expr   := expr 'or' expr | expr 'and' expr | 'not' expr
            | sum (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in') sum)?   # never chained
    sum    := sum ('+' | '-') term | term          term := term ('*' | '/') unary | unary
    unary  := '-' unary | atom
    atom   := number | 'text' | "text" | true | false | null | none | [expr, ...]
            | question_id | function '(' expr, ... ')' | '(' expr ')'

Functions: sum, count, len, min, max, answered. Evaluation is forgiving by design: an
unanswered question is None, a comparison involving None is False (`x == null` excepted),
arithmetic with None gives None, and `evaluate` never raises because of answers.
The static checker (`check`, in engine.typecheck) catches author mistakes at load time.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .errors import ExpressionError

if TYPE_CHECKING:
    from .model import Question

#: function name → (min args, max args or None for "any number")
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sum": (1, None),
    "count": (1, 1),
    "len": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "answered": (1, 1),
}
#: deepest nesting the parser accepts; keeps every recursive walk far from Python's limit
MAX_DEPTH = 50
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
ARITHMETIC = ("+", "-", "*", "/")


# ---------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class Expr:
    """Base of every syntax-tree node; `str(node)` prints it back as source."""

    def __post_init__(self) -> None:
        # depth is derived, so hand-built trees (tests) get it too
        object.__setattr__(self, "depth", 1 + max((c.depth for c in children(self)), default=0))

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


def names(expr: Expr | str) -> set[str]:
    """The question ids an expression refers to."""
    node = parse(expr) if isinstance(expr, str) else expr
    found = {node.id} if isinstance(node, Name) else set()
    for child in children(node):
        found |= names(child)
    return found


def parse(source: str) -> Expr:
    """Parse an expression; raises ExpressionError(message, offset) on the first syntax error."""
    if not isinstance(source, str):
        raise ExpressionError(f"expected an expression as text, got {type(source).__name__}", 0)
    return _parse_cached(source)


@lru_cache(maxsize=1024)
def _parse_cached(source: str) -> Expr:
    # trees are immutable, so pages evaluating the same show_if share one parse
    from .exprparse import Parser  # tokenizer and parser live in their own module (size)

    return Parser(source).parse()


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


# ---------------------------------------------------------------- evaluation

def evaluate(expr_or_source: Expr | str, answers: Mapping[str, Any], *,
             scores: Mapping[str, Any] | None = None) -> Any:
    """Evaluate against typed answers; missing answers are None and never make it raise.

    `scores` (question id → item score) is what a bare question id inside sum/min/max
    stands for when given, so `sum(a, b)` adds option scores rather than option ids.
    """
    node = parse(expr_or_source) if isinstance(expr_or_source, str) else expr_or_source
    return _Evaluator(answers, scores).eval(node)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _as_comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Let a date/time answer meet a 'YYYY-MM-DD' / 'HH:MM' literal."""
    if isinstance(a, (date, time)) and isinstance(b, str):
        return a, _parse_temporal(type(a), b)
    if isinstance(b, (date, time)) and isinstance(a, str):
        return _parse_temporal(type(b), a), b
    return a, b


def _parse_temporal(kind: type, text: str) -> Any:
    if kind is time:
        return parse_time_literal(text)
    return parse_date_literal(text)


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


def _equal(a: Any, b: Any) -> bool:
    a, b = _as_comparable(a, b)
    if a is None or b is None:
        return False
    if isinstance(a, bool) != isinstance(b, bool):  # yes/no answers are not the numbers 1 and 0
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - exotic values compare as unequal, never crash a page
        return False


def truthy(v: Any) -> bool:
    """How `and`, `or`, `not` and show_if read a value: None, false, 0, '' and [] are false."""
    return bool(v) if isinstance(v, (bool, int, float, str, list, tuple)) else v is not None


class _Evaluator:
    def __init__(self, answers: Mapping[str, Any], scores: Mapping[str, Any] | None):
        self.answers = answers
        self.scores = scores

    def eval(self, node: Expr) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            return self.answers.get(node.id)
        if isinstance(node, ListLit):
            return [self.eval(i) for i in node.items]
        if isinstance(node, Unary):
            value = self.eval(node.operand)
            if node.op == "not":
                return not truthy(value)
            return -value if _is_number(value) else None
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        return None

    def binary(self, node: Binary) -> Any:
        op = node.op
        if op == "and":
            return truthy(self.eval(node.left)) and truthy(self.eval(node.right))
        if op == "or":
            return truthy(self.eval(node.left)) or truthy(self.eval(node.right))
        left, right = self.eval(node.left), self.eval(node.right)
        if op in ("==", "!="):
            if _is_null(node.left) or _is_null(node.right):
                # the explicit null literal asks "is it unanswered?"
                return (left is None and right is None) == (op == "==")
            if left is None or right is None:
                return False
            return _equal(left, right) == (op == "==")
        if op in ("in", "not in"):
            if left is None or not isinstance(right, (list, tuple)):
                return False
            return any(_equal(left, item) for item in right) == (op == "in")
        if op in ("<", "<=", ">", ">="):
            return _order(op, left, right)
        return _arithmetic(op, left, right)

    def call(self, node: Call) -> Any:
        func = node.func
        if func == "answered":
            return _is_answered(self.answers.get(node.args[0].id))  # type: ignore[union-attr]
        if func in ("count", "len"):
            value = self.eval(node.args[0])
            if value is None:
                return 0
            if isinstance(value, (list, tuple)) or (func == "len" and isinstance(value, str)):
                return len(value)
            return None
        numbers = self.numbers(node.args)
        try:
            if func == "sum":
                return sum(numbers)
            return (min if func == "min" else max)(numbers) if numbers else None
        except (OverflowError, TypeError, ValueError):
            return None

    def numbers(self, args: tuple[Expr, ...]) -> list[int | float]:
        out: list[int | float] = []
        for arg in args:
            if isinstance(arg, Name) and self.scores is not None and arg.id in self.scores:
                value = self.scores[arg.id]
            else:
                value = self.eval(arg)
            for v in value if isinstance(value, (list, tuple)) else [value]:
                if _is_number(v):
                    out.append(v)
        return out


def _is_null(node: Expr) -> bool:
    return isinstance(node, Literal) and node.value is None


def _is_answered(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != ()


def _order(op: str, left: Any, right: Any) -> bool:
    left, right = _as_comparable(left, right)
    if left is None or right is None or isinstance(left, bool) or isinstance(right, bool):
        return False
    try:
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)
    except (TypeError, ValueError, OverflowError):
        return False


def _arithmetic(op: str, left: Any, right: Any) -> int | float | None:
    if not (_is_number(left) and _is_number(right)):
        return None
    try:
        if op == "+":
            result = left + right
        elif op == "-":
            result = left - right
        elif op == "*":
            result = left * right
        else:
            result = left / right
    except (ZeroDivisionError, OverflowError):
        return None
    if isinstance(result, float) and not math.isfinite(result):
        return None
    return result


def check(source: str | Expr, questions: Sequence[Question], *, before: int | None = None,
          scoring: bool = False, what: str = "show_if") -> list[ExpressionError]:
    """Type-check an expression against a form's questions; every problem, each with its offset."""
    from .typecheck import check as _check  # the checker lives in its own module (size)

    return _check(source, questions, before=before, scoring=scoring, what=what)
