"""Tokenizer and Pratt parser of the expression language (grammar in the engine.expr docstring)."""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import ExpressionError
from .syntax import FUNCTIONS, MAX_DEPTH, Binary, Call, Expr, ListLit, Literal, Name, Unary, children

_CONSTANTS = {"true": True, "True": True, "false": False, "False": False,
              "null": None, "none": None, "None": None}
_KEYWORDS = {"and", "or", "not", "in"}


# ---------------------------------------------------------------- tokenizer

@dataclass(frozen=True)
class Token:
    """One lexical token with its 0-based offset and source text."""

    kind: str  # "num" | "str" | "name" | "op" | "end"
    value: Any
    offset: int
    text: str


_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
#: a question id, or form_id.value_id: another form's newest answer or computed value
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")
#: common habits from other languages, with the word to use instead
_HINTS = {"&&": "use 'and'", "||": "use 'or'", "&": "use 'and'", "|": "use 'or'",
          "!": "use 'not'", "=": "use '==' to compare"}


def _fail(message: str, offset: int) -> ExpressionError:
    return ExpressionError(message, offset)


def tokenize(source: str) -> list[Token]:
    """Split source into tokens; raises ExpressionError at the first character that fits nothing."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "'\"":
            tokens.append(_string(source, i))
            i += len(tokens[-1].text)
            continue
        m = _NUMBER.match(source, i)
        if m:
            tokens.append(_number(m.group(), i))
            i = m.end()
            continue
        m = _NAME.match(source, i)
        if m:
            tokens.append(Token("name", m.group(), i, m.group()))
            i = m.end()
            continue
        op = next((o for o in _OPERATORS if source.startswith(o, i)), None)
        if op:
            tokens.append(Token("op", op, i, op))
            i += len(op)
            continue
        bad = source[i:i + 2] if source[i:i + 2] in _HINTS else ch
        hint = _HINTS.get(bad)
        if hint:
            raise _fail(f"unexpected '{bad}' at column {i + 1}; {hint}", i)
        raise _fail(f"unexpected character {bad!r} at column {i + 1}", i)
    tokens.append(Token("end", None, n, ""))
    return tokens


def _string(source: str, start: int) -> Token:
    quote, i = source[start], start + 1
    chars: list[str] = []
    while i < len(source):
        ch = source[i]
        if ch == quote:
            return Token("str", "".join(chars), start, source[start:i + 1])
        if ch == "\\":
            nxt = source[i + 1:i + 2]
            if nxt not in ("\\", "'", '"'):
                raise _fail(f"unknown escape '\\{nxt}' at column {i + 1}; only \\\\, \\' and \\\" "
                            "are escapes", i)
            chars.append(nxt)
            i += 2
            continue
        chars.append(ch)
        i += 1
    raise _fail(f"unterminated string starting at column {start + 1}; add the closing {quote}", start)


def _number(text: str, offset: int) -> Token:
    # a long literal is a typo, and huge ints would make int() and arithmetic slow
    if len(text) > 30:
        raise _fail(f"number too long at column {offset + 1}", offset)
    value: int | float = float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(f"number too large at column {offset + 1}", offset)
    return Token("num", value, offset, text)


# ---------------------------------------------------------------- parser

_BINARY_POWER = {"or": 10, "and": 20, "==": 40, "!=": 40, "<": 40, "<=": 40, ">": 40, ">=": 40,
                 "in": 40, "not": 40, "+": 50, "-": 50, "*": 60, "/": 60}
_NOT_POWER, _NEG_POWER = 30, 70


def _describe(tok: Token) -> str:
    return "end of expression" if tok.kind == "end" else f"'{tok.text}'"


class Parser:
    """Parses one expression source into a tree; `parse()` raises ExpressionError."""

    def __init__(self, source: str):
        self.tokens = tokenize(source)
        self.pos = 0
        self.nesting = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def is_op(self, tok: Token, *ops: str) -> bool:
        return tok.kind in ("op", "name") and tok.value in ops and (
            tok.kind == "op" or tok.value in _KEYWORDS)

    def expect(self, op: str) -> Token:
        tok = self.peek()
        if not self.is_op(tok, op):
            raise _fail(f"unexpected {_describe(tok)} at column {tok.offset + 1}; expected '{op}'",
                        tok.offset)
        return self.take()

    def node(self, node: Expr) -> Expr:
        if node.depth > MAX_DEPTH:
            raise _fail(f"expression nested too deeply at column {node.offset + 1}; split it up",
                        node.offset)
        return node

    def parse(self) -> Expr:
        expr = self.expression(0)
        tok = self.peek()
        if tok.kind != "end":
            raise _fail(f"unexpected {_describe(tok)} at column {tok.offset + 1}; "
                        "expected an operator or the end of the expression", tok.offset)
        return expr

    def binding(self, tok: Token) -> int:
        if tok.kind == "op" or (tok.kind == "name" and tok.value in _KEYWORDS):
            return _BINARY_POWER.get(tok.value, 0)
        return 0

    def expression(self, rbp: int) -> Expr:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            tok = self.peek()
            raise _fail(f"expression nested too deeply at column {tok.offset + 1}; split it up",
                        tok.offset)
        left = self.prefix(self.take())
        while rbp < self.binding(self.peek()):
            left = self.infix(self.take(), left)
        self.nesting -= 1
        return left

    def prefix(self, tok: Token) -> Expr:
        if tok.kind in ("num", "str"):
            return Literal(tok.value, tok.offset)
        if tok.kind == "name" and tok.value in _CONSTANTS:
            return Literal(_CONSTANTS[tok.value], tok.offset)
        if self.is_op(tok, "not"):
            return self.node(Unary("not", self.expression(_NOT_POWER), tok.offset))
        if self.is_op(tok, "-"):
            return self.node(Unary("-", self.expression(_NEG_POWER), tok.offset))
        if self.is_op(tok, "("):
            inner = self.expression(0)
            self.expect(")")
            return inner
        if self.is_op(tok, "["):
            return self.node(ListLit(self.arguments("]"), tok.offset))
        if tok.kind == "name" and tok.value not in _KEYWORDS:
            if self.is_op(self.peek(), "("):
                return self.call(tok)
            return Name(tok.value, tok.offset)
        raise _fail(f"unexpected {_describe(tok)} at column {tok.offset + 1}; expected an expression",
                    tok.offset)

    def arguments(self, closing: str) -> tuple[Expr, ...]:
        items: list[Expr] = []
        while not self.is_op(self.peek(), closing):
            items.append(self.expression(0))
            if not self.is_op(self.peek(), ","):
                break
            self.take()
        self.expect(closing)
        return tuple(items)

    def call(self, tok: Token) -> Expr:
        name = tok.value
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; functions: {', '.join(FUNCTIONS)}"
            raise _fail(f"unknown function '{name}' at column {tok.offset + 1}{hint}", tok.offset)
        self.take()  # "("
        args = self.arguments(")")
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f"exactly {low}" if low == high else f"at least {low}"
            plural = "" if low == 1 else "s"
            raise _fail(f"{name}() takes {wanted} argument{plural}, got {len(args)} "
                        f"(column {tok.offset + 1})", tok.offset)
        if name == "answered" and not isinstance(args[0], Name):
            raise _fail(f"answered() takes a question id (column {tok.offset + 1})", tok.offset)
        return self.node(Call(name, args, tok.offset))

    def infix(self, tok: Token, left: Expr) -> Expr:
        op = tok.value
        if op == "not":
            nxt = self.peek()
            if not self.is_op(nxt, "in"):
                raise _fail(f"unexpected {_describe(nxt)} at column {nxt.offset + 1}; "
                            "expected 'in' after 'not'", nxt.offset)
            self.take()
            op = "not in"
        power = _BINARY_POWER[tok.value]
        right = self.expression(power)
        node = self.node(Binary(op, left, right, tok.offset))
        if power == 40 and self.binding(self.peek()) == 40:
            nxt = self.peek()
            raise _fail(f"comparisons cannot be chained (column {nxt.offset + 1}); "
                        "join them with 'and'", nxt.offset)
        return node


# ---------------------------------------------------------------- entry points

def parse(source: str) -> Expr:
    """Parse an expression; raises ExpressionError(message, offset) on the first syntax error."""
    if not isinstance(source, str):
        raise ExpressionError(f"expected an expression as text, got {type(source).__name__}", 0)
    return _parse_cached(source)


@lru_cache(maxsize=1024)
def _parse_cached(source: str) -> Expr:
    # trees are immutable, so pages evaluating the same show_if share one parse
    return Parser(source).parse()


def names(expr: Expr | str) -> set[str]:
    """The question ids an expression refers to."""
    node = parse(expr) if isinstance(expr, str) else expr
    found = {node.id} if isinstance(node, Name) else set()
    for child in children(node):
        found |= names(child)
    return found
