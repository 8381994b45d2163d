"""PostgreSQL: a trigram index for the overview's name filter (text anywhere in "first last")

The overview's name filter is `lower(first_name || ' ' || last_name) LIKE '%text%'`: without this
index PostgreSQL computes that expression for every patient (a sequential scan, ~70 ms at 100 000
patients); with it a bitmap scan of the trigram index finds the candidates (docs/performance.md).
pg_trgm ships with PostgreSQL and is a trusted extension (the database owner may create it); where
it cannot be created the filter works as before, only without the index. SQLite: nothing to do.

Revision ID: 0012n
Revises: 0011b
Create Date: 2026-11-30 04:00:00.000000

"""
import logging

from alembic import op
from sqlalchemy.exc import DBAPIError

# revision identifiers, used by Alembic.
revision = '0012n'
down_revision = '0011b'
branch_labels = None
depends_on = None

INDEX = "ix_patient_full_name_trgm"  # web.models.people.PATIENT_TRIGRAM_INDEX
log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as exc:  # not installed, or the role may not create extensions
        log.warning("pg_trgm not available (%s): the name filter works without its index",
                    type(exc.orig).__name__)
        return
    bind.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON patient "
        "USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops)")
    # finer statistics of the full names, so the planner's guess of how many match '%text%' is close
    # enough to choose between this index and walking the name index (ANALYZE samples more rows)
    bind.exec_driver_sql(f"ALTER INDEX {INDEX} ALTER COLUMN 1 SET STATISTICS 1000")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {INDEX}")
