"""Reads of a whole region's rows (Statistik, Export): PostgreSQL settings for the rest of the transaction."""
from __future__ import annotations

from sqlalchemy import text

from ...extensions import db


def without_jit() -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction.

    At a region's size these statements cost far above `jit_above_cost`, and compiling them took longer
    than running them (11 s of 12 for one Statistik statement, 1 s of 1.9 for the moments export;
    docs/performance.md). SQLite: nothing to do.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
