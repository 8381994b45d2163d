"""Static checks of expressions against a form's questions, run when a program is loaded.

Each question's answer has a type: short/long text → text, number/scale → number, single
choice → text (one of its option ids), multiple choice → list of option ids, yes/no → yes/no,
date → date, time → time. In score expressions (`scoring=True`) every question that can
carry a score stands for its item score, a number. Every problem is reported, each with the
0-based offset of the part of the expression it is about.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..errors import ExpressionError
from ..model import CHOICE_TYPES, Question
from .parser import parse
from .syntax import (AGGREGATES, COMPARISONS, Binary, Call, Expr, ListLit, Literal, Name, Unary, parse_date_literal,
                     parse_time_literal)

_KIND_OF_TYPE = {"short_text": "text", "long_text": "text", "number": "number", "scale": "number",
                 "single_choice": "text", "multiple_choice": "list", "yes_no": "bool",
                 "date": "date", "time": "time"}
_WORDS = {"number": "a number", "text": "text", "bool": "yes/no", "list": "a list", "date": "a date",
          "time": "a time", "null": "null", "any": "a value"}
_ORDERABLE = ("number", "text", "date", "time")
#: how many option ids an error message lists before "…"
_MAX_LISTED = 8


@dataclass(frozen=True)
class Ty:
    """The static type of a sub-expression; `question` is set when it is a question's answer."""

    kind: str
    elem: str = "any"
    question: Question | None = None


ANY = Ty("any")


def can_score(question: Question) -> bool:
    """Whether a question's answer can carry a score (number, scale, yes/no, scored options)."""
    if question.type in CHOICE_TYPES:
        return any(o.score is not None for o in question.options)
    return question.type in ("number", "scale", "yes_no")


def did_you_mean(name: str, candidates: Sequence[str]) -> str:
    """"; did you mean 'x'?" for the closest candidate, or "" when none is close."""
    # 0.55 keeps 'cigs' → 'cigarettes' (0.57) but drops 'nope' → 'name' (0.5)
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.55)
    return f"; did you mean '{close[0]}'?" if close else ""


def check(source: str | Expr, questions: Sequence[Question], *, before: int | None = None,
          scoring: bool = False, what: str = "show_if", values: Mapping[str, str] | None = None,
          aggregates: str | None = None,
          others: Mapping[str, Mapping[str, str]] | None = None) -> list[ExpressionError]:
    """Type-check an expression; returns every problem (empty list = fine), sorted by offset.

    `before`: only questions with a smaller index may be used (`what` names the expression
    kind in that message). `scoring`: scored questions stand for their item scores.
    `values`: computed values usable by id, with their kind ("number", "time" …).
    `aggregates`: None allows mean_last() and the like (a form with entries); otherwise the
    reason they are refused. `others`: the other forms' question and computed value kinds by form id,
    for `form_id.value_id` (None: such references are not allowed here).
    """
    try:
        expr = parse(source) if isinstance(source, str) else source
    except ExpressionError as exc:
        return [exc]
    checker = _Checker(questions, before, scoring, what, values or {}, aggregates, others)
    checker.infer(expr)
    unique = {(e.offset, e.message): e for e in checker.errors}
    return [unique[k] for k in sorted(unique)]


def result_kind(source: str, questions: Sequence[Question], values: Mapping[str, str] | None = None,
                others: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The kind of value an expression gives ("number", "time", "bool" …; "any" when unknown)."""
    try:
        expr = parse(source)
    except ExpressionError:
        return "any"
    return _Checker(questions, None, False, "", values or {}, None, others).infer(expr).kind


def kind_of(question: Question) -> str:
    """The kind of a question's answer in expressions ("number", "text", "time" …)."""
    return _KIND_OF_TYPE.get(question.type, "any")


def start(node: Expr) -> int:
    """Offset of the first character of a node (a binary node's own offset is its operator)."""
    if isinstance(node, Binary):
        return start(node.left)
    return node.offset


def describe(node: Expr, ty: Ty) -> str:
    """A phrase for messages: "'cigs' (a number)", "the text 'ten'", "a list"."""
    if isinstance(node, Name) and ty.question is not None:
        q = ty.question
        word = _WORDS[ty.kind]
        if q.type in CHOICE_TYPES and ty.kind != "number":
            word = "a single choice" if q.type == "single_choice" else "a multiple choice"
        return f"'{q.id}' ({word})"
    if isinstance(node, Literal):
        v = node.value
        if isinstance(v, str):
            return f"the text '{v}'"
        if isinstance(v, bool):
            return "true" if v else "false"
        return "null" if v is None else f"the number {v!r}"
    return _WORDS[ty.kind]


def _options(q: Question) -> str:
    ids = [o.id for o in q.options]
    listed = ", ".join(ids[:_MAX_LISTED])
    return listed + (", …" if len(ids) > _MAX_LISTED else "")


class _Checker:
    def __init__(self, questions: Sequence[Question], before: int | None, scoring: bool, what: str,
                 values: Mapping[str, str], aggregates: str | None,
                 others: Mapping[str, Mapping[str, str]] | None = None):
        self.others = others
        self.values = values
        self.aggregates = aggregates
        self.questions = {q.id: q for q in questions}
        self.index = {q.id: i for i, q in enumerate(questions)}
        self.before = before
        self.scoring = scoring
        self.what = what
        self.errors: list[ExpressionError] = []

    def error(self, message: str, offset: int) -> None:
        self.errors.append(ExpressionError(message, offset))

    def infer(self, node: Expr) -> Ty:
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, ListLit):
            kinds = {self.infer(item).kind for item in node.items} - {"null", "any"}
            return Ty("list", kinds.pop() if len(kinds) == 1 else "any")
        if isinstance(node, Unary):
            ty = self.infer(node.operand)
            if node.op == "not":
                return Ty("bool")
            self.need_number("-", node.operand, ty)
            return Ty("number")
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        return ANY

    def literal(self, node: Literal) -> Ty:
        v = node.value
        if v is None:
            return Ty("null")
        if isinstance(v, bool):
            return Ty("bool")
        return Ty("text") if isinstance(v, str) else Ty("number")

    def name(self, node: Name) -> Ty:
        if "." in node.id:
            return self.other(node)
        q = self.questions.get(node.id)
        if q is None and node.id in self.values:
            return Ty(self.values[node.id])
        if q is None:
            what = "question or computed value" if self.values else "question"
            known = list(self.questions) + list(self.values)
            self.error(f"unknown {what} '{node.id}'{did_you_mean(node.id, known)}", node.offset)
            return ANY
        index = self.index[node.id]
        if self.before is not None and index >= self.before:
            where = "is this question" if index == self.before else "is asked after this question"
            self.error(f"'{node.id}' {where}; {self.what} may only use earlier questions",
                       node.offset)
        if self.scoring and can_score(q):
            return Ty("number", question=q)
        kind = _KIND_OF_TYPE.get(q.type, "any")
        return Ty(kind, "text" if kind == "list" else "any", q)

    def other(self, node: Name) -> Ty:
        """form_id.value_id: another form's newest answer or computed value."""
        form_id, value_id = node.id.split(".", 1)
        if self.others is None:
            self.error(f"'{node.id}': another form's values can only be used in computed values and alerts",
                       node.offset)
            return ANY
        kinds = self.others.get(form_id)
        if kinds is None:
            hint = did_you_mean(form_id, list(self.others)) or " (a form id with '-' cannot be used in expressions)"
            self.error(f"unknown form '{form_id}'{hint}", node.offset)
            return ANY
        if value_id not in kinds:
            self.error(f"form '{form_id}' has no question or computed value '{value_id}'"
                       f"{did_you_mean(value_id, list(kinds))}", node.offset)
            return ANY
        kind = kinds[value_id]
        return Ty(kind, "text" if kind == "list" else "any")

    def need_temporal(self, func: str, node: Expr, ty: Ty, kind: str) -> None:
        """A date/time answer (today() is a date) or a 'YYYY-MM-DD' / 'HH:MM' text literal."""
        date_kind = kind == "date"
        if isinstance(node, Literal) and isinstance(node.value, str):
            if (parse_date_literal if date_kind else parse_time_literal)(node.value) is None:
                form = "dates as 'YYYY-MM-DD'" if date_kind else "times as 'HH:MM'"
                self.error(f"'{node.value}' is not a {kind}; write {form}", node.offset)
        elif ty.kind not in (kind, "any", "null"):
            wanted = "dates" if date_kind else "times of day"
            self.error(f"{func}() needs {wanted}, got {describe(node, ty)}", start(node))

    def need_number(self, op: str, node: Expr, ty: Ty) -> None:
        if ty.kind not in ("number", "null", "any"):
            self.error(f"cannot use '{op}' on {describe(node, ty)}; arithmetic needs numbers",
                       start(node))

    def binary(self, node: Binary) -> Ty:
        op = node.op
        left, right = self.infer(node.left), self.infer(node.right)
        if op in ("and", "or"):
            return Ty("bool")
        if op not in COMPARISONS:
            self.need_number(op, node.left, left)
            self.need_number(op, node.right, right)
            return Ty("number")
        if op in ("in", "not in"):
            self.membership(node, left, right)
        elif self.comparable(node.left, left, node.right, right, node.offset) and op not in ("==", "!="):
            kind = left.kind if left.kind not in ("null", "any") else right.kind
            if kind not in _ORDERABLE + ("null", "any"):
                side = (node.left, left) if left.kind == kind else (node.right, right)
                self.error(f"cannot use '{op}' on {describe(*side)}; '{op}' needs numbers, "
                           "dates, times or text", node.offset)
        return Ty("bool")

    def comparable(self, lnode: Expr, lt: Ty, rnode: Expr, rt: Ty, offset: int) -> bool:
        """Whether two sides may be compared; reports why not. Checks option ids and date literals."""
        for qnode, qt, other, ot in ((lnode, lt, rnode, rt), (rnode, rt, lnode, lt)):
            if self.option_literals(qt, other) is False:
                return True  # already reported, and the types themselves fit
            temporal = self.temporal_literal(qt, other, ot)
            if temporal is not None:
                return temporal
        if "any" in (lt.kind, rt.kind) or "null" in (lt.kind, rt.kind):
            return True
        if lt.kind == rt.kind and (lt.kind != "list" or "any" in (lt.elem, rt.elem)
                                   or lt.elem == rt.elem):
            return True
        hint = "; use 'in' to look for one option" if {lt.kind, rt.kind} == {"list", "text"} else ""
        self.error(f"cannot compare {describe(lnode, lt)} with {describe(rnode, rt)}{hint}", offset)
        return False

    def option_literals(self, qt: Ty, other: Expr) -> bool | None:
        """Check string literals against a choice question's options; None when not applicable."""
        q = qt.question
        if q is None or q.type not in CHOICE_TYPES or qt.kind == "number":
            return None
        literals = [other] if isinstance(other, Literal) else (
            list(other.items) if isinstance(other, ListLit) else [])
        ok: bool | None = None
        for lit in literals:
            if isinstance(lit, Literal) and isinstance(lit.value, str):
                ok = ok is not False
                if q.option(lit.value) is None:
                    self.error(f"'{lit.value}' is not an option of '{q.id}' (options: {_options(q)})",
                               lit.offset)
                    ok = False
        return ok

    def temporal_literal(self, qt: Ty, other: Expr, ot: Ty) -> bool | None:
        """A date/time answer may meet a 'YYYY-MM-DD' / 'HH:MM' text literal."""
        if qt.kind not in ("date", "time") or not (isinstance(other, Literal)
                                                   and isinstance(other.value, str)):
            return None
        text = other.value
        if qt.kind == "date" and parse_date_literal(text) is None:
            self.error(f"'{text}' is not a date; write dates as 'YYYY-MM-DD'", other.offset)
        elif qt.kind == "time" and parse_time_literal(text) is None:
            self.error(f"'{text}' is not a time; write times as 'HH:MM'", other.offset)
        return True

    def aggregate(self, node: Call) -> Ty:
        """mean_last(value, N) and the like: a numeric value id of this form and a whole number N ≥ 1."""
        target, count = node.args
        if self.aggregates is not None:
            self.error(f"{node.func}() {self.aggregates}", node.offset)
        if not isinstance(target, Name):
            self.error(f"{node.func}() takes a question or computed value id first", start(target))
        else:
            ty = self.infer(target)
            if ty.kind not in ("number", "any"):
                self.error(f"{node.func}() needs numbers, got {describe(target, ty)}", start(target))
        if not (isinstance(count, Literal) and isinstance(count.value, int)
                and not isinstance(count.value, bool) and count.value >= 1):
            what = "entries" if node.func.endswith("_last") else "days"
            self.error(f"{node.func}() takes the number of {what} as a whole number of at least 1, "
                       f"e.g. {node.func}(x, 7)", start(count))
        return Ty("number")

    def membership(self, node: Binary, left: Ty, right: Ty) -> None:
        if right.kind in ("any", "null"):
            return
        if right.kind != "list":
            hint = ""
            if right.question is not None and right.question.type == "single_choice":
                hint = "; use == to compare with one option"
            self.error(f"'{node.op}' needs a list on the right, got "
                       f"{describe(node.right, right)}{hint}", node.offset)
            return
        if isinstance(node.right, ListLit):
            # each listed value is compared with the left side, options and dates included
            for item in node.right.items:
                self.comparable(node.left, left, item, self.infer(item), item.offset)
            return
        if self.option_literals(right, node.left) is not None:
            return
        if left.kind in ("any", "null") or right.elem == "any" or left.kind == right.elem:
            return
        self.error(f"cannot look for {describe(node.left, left)} in {describe(node.right, right)}",
                   node.offset)

    def call(self, node: Call) -> Ty:
        func = node.func
        if func == "answered":
            self.infer(node.args[0])
            return Ty("bool")
        if func == "today":
            if self.scoring:
                self.error("today() cannot be used in a score expression; a score must not depend on "
                           "the date", node.offset)
            return Ty("date")
        if func == "days_between":
            for arg in node.args:
                self.need_temporal(func, arg, self.infer(arg), "date")
            return Ty("number")
        if func in AGGREGATES:
            return self.aggregate(node)
        if func == "minutes_between":
            for arg in node.args:
                self.need_temporal(func, arg, self.infer(arg), "time")
            return Ty("number")
        if func in ("count", "len"):
            arg = node.args[0]
            ty = self.infer(arg)
            allowed = ("list", "any", "null") + (("text",) if func == "len" else ())
            if ty.kind not in allowed:
                wanted = "a list" if func == "count" else "text or a list"
                self.error(f"{func}() needs {wanted}, got {describe(arg, ty)}", start(arg))
            return Ty("number")
        for arg in node.args:  # sum, min, max
            ty = self.infer(arg)
            if ty.question is not None and isinstance(arg, Name) and can_score(ty.question):
                continue  # a scored question stands for its item score
            if ty.kind in ("number", "any", "null") or (ty.kind == "list"
                                                         and ty.elem in ("number", "any")):
                continue
            hint = ""
            if ty.question is not None and ty.question.type in CHOICE_TYPES:
                hint = "; its options have no scores"
            self.error(f"{func}() needs numbers, got {describe(arg, ty)}{hint}", start(arg))
        return Ty("number")
