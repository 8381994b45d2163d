"""Constants and helpers shared by tests/conftest.py and the web and browser tests."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
PASSWORD = "lösenord-123"
BACKENDS = [b.strip() for b in os.environ.get("STEGVIS_TEST_DATABASES", "sqlite,postgresql").split(",") if b.strip()]
PG_ADMIN_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@dataclass
class FrozenClock:
    """A clock the app reads through the CLOCK config value; tests move it explicitly."""

    at: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=STOCKHOLM))

    def __call__(self) -> datetime:
        return self.at.astimezone(UTC)

    def advance(self, **delta) -> datetime:
        """Move the clock forward (e.g. advance(days=1)); returns the new time."""
        self.at += timedelta(**delta)
        return self.at




def reload_moment(db, moment):
    """The moment as the database has it now (everything loaded before is expired)."""
    from web.models import Enrollment

    db.session.expire_all()
    return db.session.get(Enrollment, moment.id)


def closing(app):
    """The app, its response bodies closed even when the browser drops the connection (werkzeug's dev server
    then skips `close()`, and a sent file left open warned in a later test's teardown as an unclosed file)."""

    def serve(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:  # also when the server drops this generator unfinished (its close() on collection)
            if hasattr(body, "close"):
                body.close()

    return serve
