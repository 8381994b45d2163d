"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL."""
import os

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from stegvis_testing import PG_ADMIN_URL
from web import create_app
from commands.operators import database as manage
from web.extensions import db as _db
from web.models.people import PATIENT_TRIGRAM_INDEX


def _compare(conn):
    """compare_metadata without the PostgreSQL-only trigram index that is not a model index (0012n)."""
    def include_name(name, type_, parent_names):
        return not (type_ == "index" and name == PATIENT_TRIGRAM_INDEX)

    return compare_metadata(MigrationContext.configure(
        conn, opts={"compare_type": True, "include_name": include_name}), _db.metadata)


def test_the_migrated_test_database_has_no_difference_from_the_models(app, db):
    # the session database was built by `manage.upgrade` (see conftest), not by create_all
    with db.engine.connect() as conn:
        assert _compare(conn) == []
        assert MigrationContext.configure(conn).get_current_revision() is not None
        names = {index["name"] for index in inspect(conn).get_indexes("patient")}
        assert (PATIENT_TRIGRAM_INDEX in names) == (conn.dialect.name == "postgresql")


@pytest.fixture
def empty_database_url(backend, tmp_path):
    """A brand-new empty database on the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"stegvis_test_{os.getpid()}_empty"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_builds_every_table_and_downgrade_removes_them(empty_database_url, programs):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url, "PROGRAMS": programs})
    manage.upgrade(app)
    with app.app_context():
        tables = set(inspect(_db.engine).get_table_names())
        assert {t.name for t in _db.metadata.sorted_tables} <= tables
        manage.downgrade(app, "base")
        assert set(inspect(_db.engine).get_table_names()) <= {"alembic_version"}
        manage.upgrade(app)
        with _db.engine.connect() as conn:
            assert _compare(conn) == []
        _db.engine.dispose()


def test_0014r_times_the_follow_ups_of_rows_purged_before_it_from_the_month_after_the_start(empty_database_url,
                                                                                          programs):
    from sqlalchemy import text

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url, "PROGRAMS": programs})
    manage.upgrade(app, "0013s")
    with app.app_context():
        flags = ", ".join(f"fu{m}_{k}" for m in (3, 6, 12) for k in ("answered", "point", "continuous"))
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO region (id, name) VALUES (1, 'Region')"))
            conn.execute(text("INSERT INTO care_unit (id, region_id, name) VALUES (1, 1, 'Enhet')"))
            conn.execute(text(f"INSERT INTO stat_record (care_unit_id, region_id, program_id, started_month, status, "
                              f"maintained, {flags}) VALUES (1, 1, 'tobakshjalpen', '2025-12', 'ended', false, "
                              f"{', '.join(['false'] * 9)})"))
        _db.engine.dispose()
    manage.upgrade(app)
    with app.app_context():
        with _db.engine.connect() as conn:
            row = conn.execute(text("SELECT fu3_due_on, fu6_due_on, fu12_due_on, fu3_due_at_purge FROM stat_record")).one()
        # 2026-01-01 + 90, 180 and 365 days
        assert tuple(row) == ("2026-04-01", "2026-06-30", "2027-01-01", False)
        _db.engine.dispose()
