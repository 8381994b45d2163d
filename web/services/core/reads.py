"""Column selects run on the session's connection: `read(statement, params)` gives what `db.session.execute` gives.

For a select of columns (no ORM entities, no loader options) the ORM's execution layer adds nothing to the
rows but costs about 85 of the ~240 Python calls of a one-row select (its execute events, compile-state and
result set-up). `read` does what that layer does that matters here — the autoflush, so pending changes are
seen — and runs the statement on the session's connection, in the session's transaction. The hot pages'
column reads use it.

Not for statements that select ORM entities or carry loader options (those need the ORM to build objects),
and not for writes (web.services.core.state_memo hears of writes through the ORM's execute event).
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy.engine import Result

from ...extensions import db


def read(statement: Any, params: Mapping[str, Any] | None = None) -> Result:
    """The rows of a column select, as `db.session.execute(statement, params)` returns them."""
    session = db.session()
    if session.autoflush:  # as session.execute: pending changes are flushed first (unless in no_autoflush)
        session.flush()
    return session.connection().execute(statement, params or {})
