"""Per-request memo of moment states, and a commit that keeps what the request already loaded.

A page asks for a moment's MomentState several times (the view, the engine action, the flags); the
memo builds it once. It lives in the session's `info`, belongs to one request (outside requests
there is no memo), and is dropped whenever the session writes (a flush or an INSERT/UPDATE/DELETE
statement), commits, rolls back or has pending changes, so a memoised state is never older than
the rows it was built from.
"""
from __future__ import annotations

from typing import Any, Hashable

from flask import after_this_request, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ...extensions import db

_KEY = "stegvis_state_memo"


def _session() -> Session:
    return db.session()


def _key(enrollment: Any) -> Hashable | None:
    identity = inspect(enrollment).identity
    return identity[0] if identity else None


def get(enrollment: Any) -> Any | None:
    """The memoised state of the moment, or None (also whenever the session has unflushed changes)."""
    if not has_request_context():  # the worker and scripts build every time, as before
        return None
    session = _session()
    memo = _memo(session)
    if not memo:
        return None
    if session.new or session.dirty or session.deleted:
        memo.clear()
        return None
    return memo.get(_key(enrollment))


def put(enrollment: Any, state: Any) -> None:
    """Remember the moment's state for the rest of this transaction (and request)."""
    key = _key(enrollment)
    if key is not None and has_request_context():
        _memo(_session())[key] = state


def _owner() -> Any:
    return request._get_current_object()  # type: ignore[attr-defined]  # werkzeug's LocalProxy


def _memo(session: Session) -> dict:
    """The memo of the current request: a session that outlives a request (tests) starts a new one."""
    owner, memo = session.info.get(_KEY, (None, None))
    if memo is None or owner is not _owner():
        memo = {}
        session.info[_KEY] = (_owner(), memo)
    return memo


def _drop(session: Session, *_: Any) -> None:
    session.info.pop(_KEY, None)


def _drop_on_write(execute_state: Any) -> None:
    if execute_state.is_insert or execute_state.is_update or execute_state.is_delete:  # Core writes, too
        _drop(execute_state.session)


event.listen(Session, "do_orm_execute", _drop_on_write)
event.listen(Session, "after_flush", _drop)
event.listen(Session, "after_commit", _drop)
event.listen(Session, "after_soft_rollback", _drop)


def commit_keeping_loaded() -> None:
    """Commit without expiring the objects loaded in this request.

    For commits whose writes are known to the caller (an access-log row, a step view whose new
    state is in hand): the page can go on rendering from what it loaded instead of reading the
    same rows again. The objects are expired when the response is done, as a normal commit would
    have (a session that outlives the request, as in tests, never serves them stale). Outside a
    request this is a normal commit.
    """
    session = _session()
    if not has_request_context():
        session.commit()
        return
    after_this_request(_expire_all)
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = keep


def _expire_all(response: Any) -> Any:
    _session().expire_all()
    return response
