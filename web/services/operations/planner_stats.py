"""Planner statistics after bulk writes, and a warning when a large table has none.

PostgreSQL plans every page from the statistics ANALYZE gathers. A bulk seed, a restore (pg_restore
restores no statistics) or an upgrade that rewrites tables leaves them missing or stale until
autovacuum comes by, and without them the overview took 655 ms instead of 19 ms at 100 000 moments
(issue 27). So every bulk path calls `analyze()` on what it wrote, and `/readyz` and `stegvis serve`
name any large table that has never been analyzed (`never_analyzed()`).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text

from ...extensions import db

#: a table with more live rows than this and no statistics is worth a warning (autovacuum, when on,
#: analyzes a table after 50 rows + 10 % have changed, so only a switched-off autovacuum or a fresh
#: restore leaves one this large unanalyzed)
LARGE_TABLE_ROWS = 10_000


def analyze(tables: Iterable[str] | None = None) -> None:
    """Commit, then ANALYZE `tables` (every table when None); on SQLite a plain ANALYZE (harmless, fills sqlite_stat1)."""
    db.session.commit()
    names = sorted(set(tables or ()))
    if db.session.get_bind().dialect.name == "postgresql" and names:
        db.session.execute(text("ANALYZE " + ", ".join(f'"{name}"' for name in names)))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def never_analyzed(threshold: int | None = None) -> list[tuple[str, int]]:
    """(table, live rows) of each table above `threshold` (LARGE_TABLE_ROWS) rows that was never analyzed
    (PostgreSQL; [] on SQLite)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return []
    threshold = LARGE_TABLE_ROWS if threshold is None else threshold
    rows = db.session.execute(text(
        "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE schemaname = current_schema() "
        "AND last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > :threshold "
        "ORDER BY n_live_tup DESC, relname"), {"threshold": threshold}).all()
    return [(name, int(live)) for name, live in rows]


def warning(tables: list[tuple[str, int]]) -> str | None:
    """The operator's warning for `never_analyzed()`'s tables, or None when there are none."""
    if not tables:
        return None
    listed = ", ".join(f"{name} ({live} rows)" for name, live in tables)
    return (f"no planner statistics for {listed}: run `vacuumdb --analyze-in-stages` (or ANALYZE) "
            "and keep autovacuum on")
