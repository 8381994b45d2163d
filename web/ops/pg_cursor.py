"""The app's psycopg cursor: `description` builds its Column objects only when someone reads them.

psycopg's `Cursor.description` makes one `psycopg.Column` per result column on every access (about eight
Python calls each), and SQLAlchemy asks for it after every SELECT. For a statement it has compiled before
(all of the app's hot statements) SQLAlchemy reuses the result metadata it cached and only checks that a
description is there: the columns were built and thrown away, ~1 000 calls on a patient step (133 columns
over its 7 statements), 376 of the cheapest page's 5 300 (the session-with-owner statement's 47 columns).

`LazyDescriptionCursor` returns a sequence of the same length whose columns are built on first index or
iteration, from the result as it was when `description` was read (a later statement on the cursor cannot
change them). SQLAlchemy's documented way to choose the cursor class is the `cursor_factory` connect
argument (web.config.postgres_options sets it).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg import pq

#: the result statuses psycopg describes as rows (its `description` property's own test)
_ROW_STATUSES = frozenset({pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK})


class _ResultAsOf:
    """What `psycopg.Column` reads from its cursor, fixed at one result."""

    __slots__ = ("pgresult", "_encoding", "adapters")

    def __init__(self, cursor: psycopg.Cursor, pgresult: Any):
        self.pgresult = pgresult
        self._encoding = cursor._encoding
        self.adapters = cursor.adapters


class LazyDescription(Sequence):
    """`cursor.description` as a sequence of `psycopg.Column`, built when first read."""

    __slots__ = ("_source", "_count", "_columns")

    def __init__(self, source: _ResultAsOf, count: int):
        self._source = source
        self._count = count
        self._columns: list[psycopg.Column] | None = None

    def _built(self) -> list[psycopg.Column]:
        if self._columns is None:
            self._columns = [psycopg.Column(self._source, index) for index in range(self._count)]
        return self._columns

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self._built()[index]

    def __iter__(self) -> Iterator[psycopg.Column]:
        return iter(self._built())

    def __repr__(self) -> str:
        return repr(self._built())


class LazyDescriptionCursor(psycopg.Cursor):
    """psycopg's cursor with a `description` that costs nothing until a column is read."""

    __slots__ = ()

    @property
    def description(self) -> LazyDescription | None:  # type: ignore[override]
        result = self.pgresult
        if result and (result.nfields or result.status in _ROW_STATUSES):
            return LazyDescription(_ResultAsOf(self, result), result.nfields)
        return None
