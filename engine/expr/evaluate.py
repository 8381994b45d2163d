"""Evaluation of expressions against typed answers (forgiving: never raises because of answers)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping, Sequence

from .parser import parse
from .syntax import (AGGREGATES, Binary, Call, Expr, ListLit, Literal, Name, Unary,
                     parse_date_literal, parse_time_literal)

# ---------------------------------------------------------------- evaluation

@dataclass(frozen=True)
class Entry:
    """An earlier submission of a form with entries (a diary night): its local day and its values
    (answers and computed values by id)."""

    day: date | None
    values: Mapping[str, Any]


def evaluate(expr_or_source: Expr | str, answers: Mapping[str, Any], *,
             scores: Mapping[str, Any] | None = None, today: date | None = None,
             history: Sequence[Entry] = (), others: Mapping[str, Mapping[str, Any]] | None = None) -> Any:
    """Evaluate against typed answers; missing answers are None and never make it raise.

    `scores` (question id → item score) is what a bare question id inside sum/min/max
    stands for when given, so `sum(a, b)` adds option scores rather than option ids.
    `today` is what `today()` returns (None when the caller gives no date).
    `history` holds the form's earlier entries, oldest first, for mean_last() and the like;
    `answers` is the newest entry (dated `today`). `others` holds other forms' newest values (answers
    and computed values) by form id, what `form_id.value_id` stands for (null when not submitted).
    """
    node = parse(expr_or_source) if isinstance(expr_or_source, str) else expr_or_source
    return _Evaluator(answers, scores, today, history, others or {}).eval(node)


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
    def __init__(self, answers: Mapping[str, Any], scores: Mapping[str, Any] | None,
                 today: date | None = None, history: Sequence[Entry] = (),
                 others: Mapping[str, Mapping[str, Any]] | None = None):
        self.others = others or {}
        self.answers = answers
        self.scores = scores
        self.today = today
        self.history = history

    def eval(self, node: Expr) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            if "." in node.id:
                form_id, value_id = node.id.split(".", 1)
                return (self.others.get(form_id) or {}).get(value_id)
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
            arg = node.args[0]  # the type checker lets only a question id through
            return _is_answered(self.answers.get(arg.id) if isinstance(arg, Name) else self.eval(arg))
        if func == "today":
            return _as_date(self.today)
        if func == "days_between":
            first, second = (_as_date(self.eval(arg)) for arg in node.args)
            return None if first is None or second is None else (second - first).days
        if func in AGGREGATES:
            return self.aggregate(node)
        if func == "minutes_between":
            start, end = (_as_time(self.eval(arg)) for arg in node.args)
            return None if start is None or end is None else minutes_between(start, end)
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

    def aggregate(self, node: Call) -> int | float | None:
        """mean_last/min_last/max_last over the last N entries, mean_days over the last N days."""
        target, count = node.args
        n = self.eval(count)
        if not isinstance(target, Name) or not _is_number(n) or n < 1:
            return None
        entries = [*self.history, Entry(self.today, self.answers)]
        if node.func == "mean_days":
            if self.today is None:
                return None
            first = self.today - timedelta(days=int(n) - 1)
            entries = [e for e in entries if e.day is not None and first <= e.day <= self.today]
        else:
            entries = entries[-int(n):]
        found: list[int | float] = [e.values[target.id] for e in entries if _is_number(e.values.get(target.id))]
        if not found:
            return None
        if node.func == "min_last":
            return min(found)
        if node.func == "max_last":
            return max(found)
        return sum(found) / len(found)

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


def _as_date(value: Any) -> date | None:
    """A date answer, today's date or a 'YYYY-MM-DD' literal as a date; anything else None."""
    if isinstance(value, str):
        return parse_date_literal(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return None


def _as_time(value: Any) -> time | None:
    """A time answer or an 'HH:MM' literal as a time; anything else None."""
    if isinstance(value, str):
        return parse_time_literal(value)
    return value if isinstance(value, time) else None


def minutes_between(start: time, end: time) -> int:
    """Whole minutes from one time of day to the next time the clock shows the other (0 when equal):
    an evening time before a morning time spans midnight, so 23:30 → 06:30 is 420."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return minutes % (24 * 60)


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
    result: int | float
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


