"""Snapshots of the programs moments were started on: ProgramVersion."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, UTCDateTime, utcnow


class ProgramVersion(db.Model):
    """The exact YAML and Markdown of one program digest, written when the first moment starts on it.

    Moments store the digest they were started on; this row lets the app rebuild that program after
    the installed YAML or content has changed, so a running patient never sees silent edits.
    """

    __tablename__ = "program_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: program id from the YAML, e.g. "tobakshjalpen"
    program_id: Mapped[str] = mapped_column(String(64), index=True)
    #: program version from the YAML, e.g. "1.0.0" (not unique: content may change without a new version)
    version: Mapped[str] = mapped_column(String(32))
    #: sha256 over the YAML and every content file it uses (engine.loader's digest); the identity
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: the program's YAML text, exactly as loaded
    source: Mapped[str] = mapped_column(Text)
    #: content-relative path (e.g. "steg-1/motivation.md") → Markdown text, for every content file a step uses
    files: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    #: when the snapshot was written (the start of the first moment on this digest)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
