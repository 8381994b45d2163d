"""Database management used by `stegvis db …` and the demo: migrations through Flask-Migrate."""
from __future__ import annotations

import flask_migrate
from flask import Flask

from web.paths import MIGRATIONS_DIR


def upgrade(app: Flask, revision: str = "head") -> None:
    """Apply migrations up to `revision` (creates the database file and tables if needed); ANALYZE after
    any were applied, since a migration may rewrite a table and leave the planner without statistics."""
    from web.services.operations.planner_stats import analyze
    from web.services.operations.readiness import database_heads

    with app.app_context():
        before = database_heads()
        flask_migrate.upgrade(MIGRATIONS_DIR, revision)
        if database_heads() != before:
            analyze()


def downgrade(app: Flask, revision: str) -> None:
    """Revert migrations down to `revision`."""
    with app.app_context():
        flask_migrate.downgrade(MIGRATIONS_DIR, revision)


def current(app: Flask) -> None:
    """Print the database's current revision."""
    with app.app_context():
        flask_migrate.current(MIGRATIONS_DIR)


def autogenerate(app: Flask, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    with app.app_context():
        flask_migrate.migrate(MIGRATIONS_DIR, message=message)
