"""Column types shared by every model."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, so SQLite and PostgreSQL return the same values.

    Naive datetimes are refused: a time without a zone is a bug waiting for daylight saving time.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Default for created-at columns written outside a service call (services pass their own `now`)."""
    return datetime.now(UTC)


#: JSON on both backends (portable; nothing here needs JSONB operators)
JSONType = JSON
