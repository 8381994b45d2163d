"""Server-side login sessions: WebSession (the cookie carries only a random id)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class WebSession(db.Model):
    """One browser session; deleting the row ends it at once (logout, password change, role change)."""

    __tablename__ = "web_session"
    __table_args__ = (Index("ix_web_session_user_key", "user_key"),)
    #: SHA-256 of the cookie value, so a copy of the database holds no usable session ids
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: "staff:<id>", "patient:<id>", or None before login
    user_key: Mapped[str | None] = mapped_column(String(40))
    #: the session's data (flash messages, CSRF token, chosen unit), Flask's tagged JSON
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    #: how the owner logged in: "password", "password+totp" or "oidc" (web.services.core.assurance)
    auth_level: Mapped[str | None] = mapped_column(String(20))
    #: the OpenID provider's acr for an "oidc" login, e.g. http://id.elegnamnden.se/loa/1.0/loa3
    auth_acr: Mapped[str | None] = mapped_column(String(255))
