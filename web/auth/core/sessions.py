"""Server-side sessions in the database (table web_session): revocable, shared by every app process.

Why our own small table rather than Flask-Session: we need to end every session of one person at
once (logout elsewhere, password change, role change), which needs the owner as a column; the row
also carries created/last-seen for the idle and absolute timeouts. The cookie holds only a random
id (256 bits); the table stores its SHA-256.

- idle timeout: SESSION_IDLE_MINUTES_STAFF (30) / SESSION_IDLE_MINUTES_PATIENT (15), absolute 12 h
- the id rotates whenever the owner changes (login, logout) and on `rotate()` (privilege change)
- with an https base URL the cookie is `__Host-stegvis`, Secure, HttpOnly, SameSite=Lax, path /
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import Flask, Request, Response, g
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import CallbackDict

from ... import clock
from ...extensions import db

log = logging.getLogger(__name__)

#: last_seen is written at most this often (a write per click would serialise every request)
TOUCH_SECONDS = 60
_serializer = TaggedJSONSerializer()


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """Session data loaded from one web_session row (or a fresh, unsaved session)."""

    def __init__(self, initial=None, sid: str | None = None, owner: str | None = None,
                 created_at: datetime | None = None, last_seen: datetime | None = None, stored: str | None = None):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.loaded_owner = owner
        self.created_at = created_at
        self.last_seen = last_seen
        self.modified = False
        self.rotate_requested = False
        #: the data as stored, so a write that changes nothing is skipped
        self.stored = stored
        #: the database could not be reached when the session was opened (the request gets a 503)
        self.unavailable = False
        #: the owner's User or Patient, loaded with the row (the user loader then needs no statement)
        self.owner_row = None

    def rotate(self) -> None:
        """Give this session a new id at the next save (after a change of privilege)."""
        self.rotate_requested = True
        self.modified = True

    @property
    def owner(self) -> str | None:
        value = self.get("_user_id")
        return str(value) if value else None


def idle_limit(app: Flask, owner: str | None) -> timedelta:
    """How long a session may sit unused: patients less than staff (a shared computer at home)."""
    key = "SESSION_IDLE_MINUTES_PATIENT" if (owner or "").startswith("patient:") else "SESSION_IDLE_MINUTES_STAFF"
    return timedelta(minutes=app.config[key])


def seconds_left(app: Flask, session) -> int:
    """Seconds until this session ends for idleness, counting the touch the current response makes."""
    now = clock.now()
    last = getattr(session, "last_seen", None)
    if last is None or (now - last).total_seconds() >= TOUCH_SECONDS:
        last = now  # _save writes last_seen = now for this request
    owner = getattr(session, "owner", None)
    return max(0, int((idle_limit(app, owner) - (now - last)).total_seconds()))


def cookie_name(app: Flask) -> str:
    return "__Host-stegvis" if app.config["SESSION_COOKIE_SECURE"] else "stegvis"


def revoke(owner: str, *, keep: str | None = None, commit: bool = True) -> int:
    """End every session of "staff:<id>" / "patient:<id>" at once (but `keep`, a cookie value)."""
    from ...models import WebSession

    query = db.delete(WebSession).where(WebSession.user_key == owner)
    if keep:
        query = query.where(WebSession.id != _digest(keep))
    count = db.session.execute(query).rowcount
    if commit:
        db.session.commit()
    return count


def purge(now: datetime, absolute_hours: int = 12) -> int:
    """Delete sessions past the absolute timeout (the idle ones end when next used; run by the tick)."""
    from ...models import WebSession

    count = db.session.execute(
        db.delete(WebSession).where(WebSession.created_at < now - timedelta(hours=absolute_hours))
    ).rowcount
    db.session.commit()
    return count


def _owner_id(kind: str, dialect: str):
    """The owner's id in web_session.user_key ("staff:12" → 12) as SQL; NULL for another kind (never a cast error)."""
    from ...models import WebSession

    if dialect == "postgresql":
        digits = db.func.substring(WebSession.user_key, f"^{kind}:([0-9]{{1,9}})$")
    else:  # SQLite's CAST of a non-number is 0, not an error
        digits = db.case((WebSession.user_key.like(f"{kind}:%"), db.func.substr(WebSession.user_key, len(kind) + 2)))
    return db.cast(digits, db.Integer)


#: The first letter of a session id names its owner's kind: "s" staff, "p" patient, "a" nobody yet (before login).
#: The id is the letter and 43 random characters (256 bits); the table stores the SHA-256 of the whole id, so a
#: changed letter finds no row. The owner never changes under one id (a new owner means a new id, `_save`), so
#: the letter tells which shape of `_session_row_with_owner` reads the row. Ids from before (43 characters, no
#: letter) are read by the shape that joins both kinds.
KINDS = {"staff": "s", "patient": "p"}
_ANONYMOUS = "a"
_LETTERS = frozenset({*KINDS.values(), _ANONYMOUS})
_ID_LENGTH = 44
#: the shapes that join a staff member, whose memberships come as a joined collection (rows need `unique()`)
_WITH_STAFF = (KINDS["staff"], None)
#: the shapes that join a patient
_WITH_PATIENT = (KINDS["patient"], None)


def new_sid(owner: str | None) -> str:
    """A new session id for `owner` ("staff:12", "patient:7" or None): its kind's letter, then 256 random bits."""
    kind = KINDS.get((owner or "").partition(":")[0], _ANONYMOUS)
    return kind + secrets.token_urlsafe(32)


@cache
def _session_statement(dialect: str, kind: str | None):
    """The statement of `_session_row_with_owner` for one kind of owner (None: either), built once per dialect
    (building and keying an ORM statement with eager loads costs more CPU than running it)."""
    from ...models import CareUnit, Membership, Patient, User, WebSession

    statement = db.select(WebSession)
    if kind in _WITH_STAFF:  # staff pages read the memberships (roles, unit and its region) on every request
        statement = statement.add_columns(User).outerjoin(User, User.id == _owner_id("staff", dialect)).options(
            db.joinedload(User.memberships).joinedload(Membership.care_unit).joinedload(CareUnit.region))
    if kind in _WITH_PATIENT:
        statement = statement.add_columns(Patient).outerjoin(Patient, Patient.id == _owner_id("patient", dialect))
    return statement.where(WebSession.id == db.bindparam("digest"))


def _session_row_with_owner(sid: str):
    """The web_session row of this id, and in the same statement its owner as the user loader reads it (a staff
    member with memberships, unit and region, or a patient), so that loader finds the owner loaded: one
    statement for session and user on every page instead of two. Only the owner's kind is joined (the id's
    letter): a patient's page reads no staff tables, a page before login no owner."""
    kind = sid[0] if len(sid) == _ID_LENGTH and sid[0] in _LETTERS else None
    statement = _session_statement(db.session.get_bind().dialect.name, kind)
    result = db.session.execute(statement, {"digest": _digest(sid)})
    found = (result.unique() if kind in _WITH_STAFF else result).first()
    if not found:
        return None, None
    return found[0], next((owner for owner in found[1:] if owner is not None), None)


class DatabaseSessionInterface(SessionInterface):
    """Flask session interface storing sessions as WebSession rows."""

    def get_cookie_name(self, app: Flask) -> str:
        return cookie_name(app)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        # the user comes from this request's session only (tests reuse one app context, and g with it)
        g.pop("_login_user", None)
        try:
            return self._open(app, request)
        except DBAPIError:
            # a lost database must become the Swedish 503 (web.ops.endpoints), never a bare 500 from the server
            log.warning("session store unreachable", exc_info=True)
            db.session.rollback()
            session = ServerSession()
            session.unavailable = True
            return session

    def _open(self, app: Flask, request: Request) -> ServerSession:
        from ...models import WebSession

        sid = request.cookies.get(self.get_cookie_name(app))
        if not sid or len(sid) > 100:
            return ServerSession()
        row, owner = _session_row_with_owner(sid)
        if row is None:
            return ServerSession()
        now = clock.now()
        absolute = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
        if now - row.last_seen > idle_limit(app, row.user_key) or now - row.created_at > absolute:
            db.session.delete(row)
            db.session.commit()
            return ServerSession()
        session = ServerSession(_serializer.loads(row.data), sid=sid, owner=row.user_key,
                                created_at=row.created_at, last_seen=row.last_seen, stored=row.data)
        session.owner_row = owner  # held for the request: the ORM's identity map keeps only weak references
        return session

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.unavailable:
            return  # nothing was loaded and nothing may be written: the stored session stays as it was
        try:
            self._save(app, session, response)
        except DBAPIError:
            # the response is already made; the session keeps its stored state (it is saved again next time)
            log.warning("session not saved: database unreachable", exc_info=True)
            db.session.rollback()

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        from ...models import WebSession

        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        now = clock.now()
        if session.sid is not None and (session.rotate_requested or session.owner != session.loaded_owner
                                        or not session):
            # a new owner (login, logout) or a privilege change: the old id must stop working
            db.session.execute(db.delete(WebSession).where(WebSession.id == _digest(session.sid)))
            db.session.commit()
            old_sid, session.sid = session.sid, None
            if not session:
                response.delete_cookie(name, domain=domain, path=path, secure=self.get_cookie_secure(app),
                                       httponly=True, samesite=self.get_cookie_samesite(app))
                return
            session.created_at = None if session.owner != session.loaded_owner else session.created_at
            del old_sid
        if session.sid is None:
            if not session:
                return
            if session.owner and "csrf_token" not in session:
                # every page of a logged-in user renders a CSRF token: made now, the first page
                # after login does not write the session again
                from flask_wtf.csrf import generate_csrf

                generate_csrf()
            session.sid = new_sid(session.owner)
            db.session.add(WebSession(id=_digest(session.sid), user_key=session.owner,
                                      data=_serializer.dumps(dict(session)),
                                      created_at=session.created_at or now, last_seen=now,
                                      auth_level=session.get("auth_level"), auth_acr=session.get("auth_acr")))
            db.session.commit()
        elif (changed := session.modified and _serializer.dumps(dict(session)) != session.stored) or (
                now - session.last_seen).total_seconds() >= TOUCH_SECONDS:
            values = {"last_seen": now}
            if changed:
                values["data"] = _serializer.dumps(dict(session))
            db.session.execute(db.update(WebSession).where(WebSession.id == _digest(session.sid)).values(**values))
            db.session.commit()
            if not changed:
                return  # the cookie did not change
        else:
            return
        # only a new or rotated id needs a Set-Cookie (the value is the id, not the data)
        response.set_cookie(name, session.sid, domain=domain, path=path, secure=self.get_cookie_secure(app),
                            httponly=True, samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")
