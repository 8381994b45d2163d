"""Readiness of a node and the workers' heartbeat: what /readyz and `stegvis serve` check.

- `migration_problem()`: the database's Alembic revision against the code's head (None when current).
- `beat(now)`: a worker records that a pass finished (one row per host:pid, upserted).
- `readiness(now, max_age)`: database reachable, migrations current, every program loaded (those
  that did not are named), a worker beat within `max_age`; every check reported, so a load balancer's log
  says what is wrong.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...models import WorkerHeartbeat
from ...content.programs import all_programs, not_loaded
from . import planner_stats

#: heartbeats older than this are deleted by the worker that writes its own
PRUNE_AFTER = timedelta(days=1)


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The Alembic head revisions shipped with this code."""
    from alembic.script import ScriptDirectory

    from ...paths import MIGRATIONS_DIR

    return frozenset(ScriptDirectory(MIGRATIONS_DIR).get_heads())


def database_heads() -> frozenset[str]:
    """The revisions the database is at (empty for an unmigrated database); raises if unreachable."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())


def migration_problem() -> str | None:
    """`DATABASE_URL: expected …, received …` when the database is unreachable or not at head; else None."""
    expected = ", ".join(sorted(code_heads()))
    try:
        current = database_heads()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0]
        return f"DATABASE_URL: expected a reachable database, received an error ({reason})"
    if current != code_heads():
        found = ", ".join(sorted(current)) or "no migrations"
        return (f"DATABASE_URL: expected a database migrated to {expected}, received {found} "
                "(run `stegvis db upgrade` first)")
    return None


def worker_name() -> str:
    """This process as a heartbeat key."""
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def beat(now: datetime, name: str | None = None) -> None:
    """Record a finished worker pass at `now` and prune day-old beats of dead workers (commits)."""
    name = name or worker_name()
    try:
        row = db.session.execute(db.select(WorkerHeartbeat).where(WorkerHeartbeat.worker == name)
                                 ).scalar_one_or_none()
        if row is None:
            db.session.add(WorkerHeartbeat(worker=name, beat_at=now))
        else:
            row.beat_at = now
        db.session.execute(db.delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - PRUNE_AFTER))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def last_beat() -> datetime | None:
    """The newest heartbeat of any worker."""
    return db.session.execute(db.select(db.func.max(WorkerHeartbeat.beat_at))).scalar_one()


def statistics_warning() -> str | None:
    """What to do when large tables have no planner statistics (None when all have them or on SQLite)."""
    try:
        return planner_stats.warning(planner_stats.never_analyzed())
    except SQLAlchemyError as exc:
        db.session.rollback()
        return f"statistics unknown: {type(getattr(exc, 'orig', exc)).__name__}"


@dataclass
class Readiness:
    """Each check's name → None (fine) or what is wrong; warnings do not affect readiness."""

    checks: dict[str, str | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(problem is None for problem in self.checks.values())

    def to_dict(self) -> dict:
        return {"ready": self.ready,
                "checks": {name: ("ok" if problem is None else problem) for name, problem in self.checks.items()},
                "warnings": list(self.warnings)}


def programs_problem() -> str | None:
    """None when every program file loaded; else the files that did not (their errors are in the log and
    the author preview, not on this unauthenticated endpoint)."""
    failed = not_loaded()
    if failed:
        return "not loaded: " + ", ".join(
            f"{name} ({len(errors)} {'error' if len(errors) == 1 else 'errors'})" for name, errors in failed.items())
    return None if all_programs() else "no program loaded"


def readiness(now: datetime, max_age: timedelta) -> Readiness:
    """Database reachable, migrations current, programs loaded, a worker heartbeat within `max_age`."""
    result = Readiness()
    try:
        db.session.execute(text("SELECT 1"))
        result.checks["database"] = None
    except SQLAlchemyError as exc:
        db.session.rollback()
        result.checks["database"] = f"unreachable: {type(getattr(exc, 'orig', exc)).__name__}"
    if result.checks["database"] is None:
        result.checks["migrations"] = migration_problem()
    else:
        result.checks["migrations"] = "unknown: the database is unreachable"
    result.checks["programs"] = programs_problem()
    if result.checks["migrations"] is not None:
        result.checks["worker"] = "unknown: the database is not ready"
    else:
        try:
            latest = last_beat()
        except SQLAlchemyError as exc:
            db.session.rollback()
            latest = None
            result.checks["worker"] = f"unknown: {type(getattr(exc, 'orig', exc)).__name__}"
        if "worker" not in result.checks:
            if latest is None:
                result.checks["worker"] = "no heartbeat: is `stegvis worker` running?"
            elif now - latest > max_age:
                result.checks["worker"] = (f"last heartbeat {int((now - latest).total_seconds())} s ago "
                                           f"(more than {int(max_age.total_seconds())} s)")
            else:
                result.checks["worker"] = None
        if message := statistics_warning():
            result.warnings.append(message)
    db.session.rollback()  # end the read transaction
    return result
