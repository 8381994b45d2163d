"""Swedish number words: "1 dag" but "2 dagar" (singular only for exactly one)."""
from __future__ import annotations

__all__ = ["plural"]


def plural(n: int, singular: str, plural_form: str) -> str:
    """`n` followed by the singular or plural noun: plural(1, "dag", "dagar") == "1 dag"."""
    return f"{n} {singular if n in (1, -1) else plural_form}"
