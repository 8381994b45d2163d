"""An expression tree as plain JSON data, for the browser's show_if evaluator (web/static/show_if.js).

The browser evaluates the same tree the engine checks, never the source text (no second parser).
Nodes: {"k": "lit", "v": value} · {"k": "list", "items": [...]} · {"k": "name", "id": id} ·
{"k": "un", "op": op, "x": node} · {"k": "bin", "op": op, "l": node, "r": node} ·
{"k": "call", "f": name, "args": [...]}.
"""
from __future__ import annotations

from typing import Any

from .syntax import Binary, Call, Expr, ListLit, Literal, Name, Unary


def to_json(node: Expr) -> dict[str, Any]:
    """The tree of an expression as JSON-ready dicts and lists."""
    if isinstance(node, Literal):
        return {"k": "lit", "v": node.value}
    if isinstance(node, ListLit):
        return {"k": "list", "items": [to_json(i) for i in node.items]}
    if isinstance(node, Name):
        return {"k": "name", "id": node.id}
    if isinstance(node, Unary):
        return {"k": "un", "op": node.op, "x": to_json(node.operand)}
    if isinstance(node, Binary):
        return {"k": "bin", "op": node.op, "l": to_json(node.left), "r": to_json(node.right)}
    if isinstance(node, Call):
        return {"k": "call", "f": node.func, "args": [to_json(a) for a in node.args]}
    raise TypeError(f"not an expression node: {node!r}")
