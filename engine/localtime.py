"""Local time in Europe/Stockholm: the calendar every rule of a moment counts in.

Days left, days in the moment, reminders and activity plans are all counted in calendar days
and wall-clock times in Sweden, never in 24-hour blocks of UTC, so they stay right across the
daylight-saving changes (last Sunday of March and of October).

`add_local_days`, `fmt` and `iso` depend on the instant alone and run for every moment the tick looks at
(several times each, with the same start), so each remembers its latest answers (`_by_instant`).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache, wraps
from typing import Any, Callable, Final, TypeVar, cast
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Stockholm")
#: answers each of the memoised functions keeps (a tick reads a moment's few instants many times in a row)
MEMO_SIZE = 8192

_F = TypeVar("_F", bound=Callable[..., Any])


def _by_instant(fn: _F) -> _F:
    """`fn(at, *args)`, remembered for the instant `at` and the other arguments (`fn` depends on nothing else).

    The key holds `at.fold` too: two aware datetimes with the same tzinfo compare (and hash) equal by their
    wall-clock fields, fold ignored, so 02:30 of the October night before and after the clocks go back
    would otherwise share one answer; with different tzinfos they compare by instant. Anything but a
    datetime (an error) is not remembered, and neither is an error.
    """
    remembered = lru_cache(maxsize=MEMO_SIZE)(lambda at, _fold, *args: fn(at, *args))

    @wraps(fn)
    def by_instant(at: datetime, *args: Any) -> Any:
        if not isinstance(at, datetime):
            return fn(at, *args)
        return remembered(at, at.fold, *args)

    return cast(_F, by_instant)


def require_aware(at: datetime) -> datetime:
    """Return `at` unchanged, or raise ValueError when it has no time zone (a programming error)."""
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, received {at!r}")
    return at


def to_local(at: datetime) -> datetime:
    """The same instant as a Europe/Stockholm datetime."""
    return require_aware(at).astimezone(TZ)


def local_date(at: datetime) -> date:
    """The Swedish calendar date of an instant."""
    return to_local(at).date()


def localize(naive: datetime) -> datetime:
    """A Stockholm wall-clock time as an aware datetime.

    A time that does not exist (02:00–02:59 on the last Sunday of March) moves one hour
    forward; an ambiguous time (02:00–02:59 on the last Sunday of October) is the first,
    summer-time one (fold=0).
    """
    aware = naive.replace(tzinfo=TZ, fold=0)
    # The round trip through UTC normalises non-existent wall times to real ones.
    return aware.astimezone(timezone.utc).astimezone(TZ)


def at_local(day: date, clock: time = time(0, 0)) -> datetime:
    """The aware instant of a Stockholm date and wall-clock time."""
    return localize(datetime.combine(day, clock))


#: `add_local_days(at, n)` is n × 24 hours from `at`, ± 1 hour (daylight saving time): two hours to spare
LOCAL_DAYS_SPARE: Final = timedelta(hours=2)


@_by_instant
def add_local_days(at: datetime, days: int) -> datetime:
    """The same wall-clock time `days` calendar days later in Stockholm (not days × 24 hours)."""
    local = to_local(at)
    return localize(local.replace(tzinfo=None) + timedelta(days=days))


def add_working_days(at: datetime, days: int) -> datetime:
    """The same wall-clock time `days` working days (Monday–Friday) later in Stockholm; from a weekend
    day the first working day counts as one."""
    local = to_local(at).replace(tzinfo=None)
    day = local.date()
    while days > 0:
        day += timedelta(days=1)
        days -= day.weekday() < 5
    return localize(datetime.combine(day, local.time()))


def days_between(earlier: datetime, later: datetime) -> int:
    """Calendar days from the Stockholm date of `earlier` to that of `later`."""
    return (local_date(later) - local_date(earlier)).days


@_by_instant
def fmt(at: datetime) -> str:
    """`2026-03-02 09:00` in Stockholm time, as the timeline shows it."""
    return to_local(at).strftime("%Y-%m-%d %H:%M")


@_by_instant
def iso(at: datetime) -> str:
    """ISO 8601 in Stockholm time with its offset (`2026-03-02T09:00:00+01:00`); stable in cause keys."""
    return to_local(at).isoformat()
