"""Malformed input never becomes a 500: bounded integer URLs, a Swedish 500 page with a reference.

- `<int:…>` in every route accepts at most 2 147 483 647 (the database's integer), so a 23-digit id
  is a 404 instead of an OverflowError (SQLite) or a DataError (PostgreSQL).
- a value the database cannot store (OverflowError, DataError) anywhere else is also a 404.
- any other error: "Något gick fel" with a short reference id that is also in the log, so support
  can find the traceback from what the user reads out.
"""
from __future__ import annotations

import logging
import os

from flask import Flask, render_template
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from .logs import current_request_id

log = logging.getLogger("stegvis.errors")
#: the largest id a route accepts (PostgreSQL `integer`)
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` limited to 0…MAX_ID (a longer number does not match: 404)."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def private_sqlite_file(url: str) -> None:
    """Create the SQLite database file readable by its owner only (0600); SQLite gives its journal
    files the same mode. An existing file is tightened too (health data must not be world-readable)."""
    path = url[len("sqlite:///"):]
    if not path or path == ":memory:":
        return
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def install_converters(app: Flask) -> None:
    """Replace the int converter; must run before any blueprint registers its routes."""
    app.url_map.converters["int"] = BoundedIntConverter


def init_app(app: Flask) -> None:
    """Register the 404-for-unstorable-values and the Swedish 500 handlers."""

    def not_storable(error):
        from ..extensions import db

        db.session.rollback()
        log.info("value the database cannot hold: %s", error)
        return render_template("error.html", code=404, title="Sidan finns inte",
                               text="Sidan du söker finns inte, eller så har du inte tillgång till den."), 404

    def server_error(error):
        if isinstance(error, HTTPException) and error.code != 500:
            return error
        from ..extensions import db

        reference = current_request_id()
        original = getattr(error, "original_exception", None) or error
        log.error("internal error, reference %s", reference, exc_info=original)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (the page must render whatever state the session is in)
            log.exception("rollback failed, reference %s", reference)
        return render_template("error.html", code=500, title="Något gick fel",
                               text="Något gick fel hos oss. Försök igen om en stund. Kontakta supporten "
                                    "och uppge felkoden om felet kvarstår."), 500

    app.register_error_handler(OverflowError, not_storable)
    app.register_error_handler(DataError, not_storable)
    app.register_error_handler(500, server_error)
