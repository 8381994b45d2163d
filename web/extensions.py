"""Flask extensions, created once here and bound to an app in `create_app` with `init_app`."""
from __future__ import annotations

import sqlite3

from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

#: constraint names are explicit so Alembic migrations are identical on SQLite and PostgreSQL
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection, _record) -> None:
    """SQLite, the embedded default: write-ahead logging, so page reads never wait for a write and
    a commit appends to the log instead of rewriting the file with several fsyncs (synchronous
    NORMAL: an application crash loses nothing; a power cut may lose the last commits, never
    consistency). The log files get the database file's mode (0600)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # deleted rows are overwritten with zeros, so a purged patient does not linger in free pages (some
        # builds, Debian's among them, already default to it; others do not)
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
