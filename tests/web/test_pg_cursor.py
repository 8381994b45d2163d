"""The app's psycopg cursor (web.ops.pg_cursor): the same description as psycopg's, built only when read."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from web.extensions import db
from web.models import User
from web.ops.pg_cursor import LazyDescriptionCursor

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])  # the cursor is psycopg's

#: one column of each kind the app stores, NULL and named oddly included
ROWS = ("SELECT 1::int AS n, 2::bigint, 'å'::text AS \"Svar\", 1.5::numeric(6, 2) AS tal, "
        "now() AS nu, true AS ja, NULL::jsonb AS data, ARRAY[1, 2] AS lista, 'x'::varchar(12) AS kort")


def _fields(column) -> tuple:
    return (column.name, column.type_code, column.display_size, column.internal_size, column.precision,
            column.scale, column.null_ok, tuple(column))


def test_the_app_connects_with_the_lazy_cursor(app, backend):
    connection = db.session.connection().connection.dbapi_connection
    assert connection.cursor_factory is LazyDescriptionCursor


def test_its_description_equals_psycopgs_own_column_for_column(app, backend):
    raw = db.session.connection().connection.dbapi_connection
    with raw.cursor() as lazy, psycopg.Cursor(raw) as eager:
        lazy.execute(ROWS)
        eager.execute(ROWS)
        described = lazy.description
        assert len(described) == len(eager.description) == 9
        assert [_fields(c) for c in described] == [_fields(c) for c in eager.description]
        assert _fields(described[-1]) == _fields(eager.description[-1])
        assert [_fields(c) for c in described[1:3]] == [_fields(c) for c in eager.description[1:3]]
        # the columns describe the result as it was when read, not the cursor's next statement
        later = lazy.description
        lazy.execute("SELECT 'ett' AS annat")
        assert [c.name for c in later] == ["n", "int8", "Svar", "tal", "nu", "ja", "data", "lista", "kort"]
        assert [c.name for c in lazy.description] == ["annat"]
        # a statement without rows has no description, as with psycopg's cursor
        lazy.execute("SET LOCAL statement_timeout = 0")
        eager.execute("SET LOCAL statement_timeout = 0")
        assert lazy.description is None and eager.description is None
        # "SELECT" without columns still returns (an empty) description
        lazy.execute("SELECT")
        eager.execute("SELECT")
        assert list(lazy.description) == list(eager.description) == []


def test_a_compiled_select_builds_no_column_objects_and_text_results_keep_their_names(app, backend, monkeypatch):
    built = []
    real_init = psycopg.Column.__init__
    monkeypatch.setattr(psycopg.Column, "__init__", lambda self, *a: (built.append(1), real_init(self, *a))[1])
    statement = db.select(User.id, User.username).where(User.id == db.bindparam("uid"))
    db.session.execute(statement, {"uid": 0}).all()  # compiles and caches the result metadata
    built.clear()
    assert db.session.execute(statement, {"uid": 0}).all() == []
    assert built == []
    # text() has no compiled columns: SQLAlchemy reads the names from the description, which builds them
    row = db.session.execute(text("SELECT 7 AS sju, 'åtta' AS \"Åtta\"")).mappings().one()
    assert dict(row) == {"sju": 7, "Åtta": "åtta"} and len(built) == 2
