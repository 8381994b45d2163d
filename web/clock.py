"""The web layer's clock and local-time formatting (the engine never reads the clock; we pass `now`)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from engine.localtime import TZ


def now() -> datetime:
    """The current instant (aware, UTC); tests freeze it with the CLOCK config value."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else datetime.now(UTC)


def tz() -> ZoneInfo:
    """The local time zone: the engine's (Europe/Stockholm), the one zone every rule counts in."""
    return TZ


def local(at: datetime) -> datetime:
    """An instant in local time."""
    return at.astimezone(tz())


def today() -> date:
    """The local calendar date now."""
    return local(now()).date()


def format_datetime(at: datetime | None) -> str:
    """"2021-08-17 12:10" in local time ("" for None)."""
    return local(at).strftime("%Y-%m-%d %H:%M") if at else ""


def format_date(at: datetime | date | None) -> str:
    """"2021-08-17" (local date of an instant, or a date as is; "" for None)."""
    if at is None:
        return ""
    if isinstance(at, datetime):
        return local(at).strftime("%Y-%m-%d")
    return at.isoformat()
