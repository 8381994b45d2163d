"""Operations state shared by every node: WorkerHeartbeat."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class WorkerHeartbeat(db.Model):
    """The last pass of each `stegvis worker` (one row per host and process); /readyz reads the newest."""

    __tablename__ = "worker_heartbeat"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "host:pid" of the worker process
    worker: Mapped[str] = mapped_column(String(255), unique=True)
    #: when the worker's last pass finished
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
