"""Notice timing, pure: quiet hours for SMS, retry backoff, and which patient reminders are due.

Nothing here reads the clock; `now` is passed in. The web layer queues and delivers the notices.

Patient reminders:
- an authored reminder with ``days_after_start: N`` is due N calendar days after the moment
  started, at the same wall-clock time; if it names a module, only while the patient can see that
  module (and, if the module opened later, from the moment it opened);
- one with ``anchor`` and ``days_after_anchor: N`` is due at 09:00 N days after the answered date
  (engine.moment.anchors; as ``days_after_start: N`` while unanswered), with the same module rule;
  it is sent once per moment even if the patient later changes the date;
- one with ``days_before_deadline: N`` is due at 09:00 Stockholm time on the day the current
  module has N days left (never before the module opened), once per activation and deadline;
- one with ``days_after_activation: N`` (and a module) is due N days after the module opened, at
  ``at`` or else at the time of day it opened, once per opening;
- one with ``every: day`` (and a module, and ``at``) is due every day at ``at`` while the module is
  current and visible; only the newest occurrence is ever due (a missed day is not sent later);
- an activity occurrence is due at its time; the patient is reminded while it is still today's.
Reminders stop when the moment is no longer active. A reminder more than `max_late` overdue is
not sent: it would only confuse ("three months have passed" at month eight, or a flood of history
when the notices are first turned on).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Collection, Final, Iterable, Sequence

from ..errors import EngineError
from ..localtime import add_local_days, at_local, iso, local_date, require_aware, to_local
from ..model import Program, Reminder
from .anchors import scheduled_at
from .rules import deadline, moment_status, patient_can_see
from .flags import cause_key
from .schedule import ActivityPlan, occurrence_status, occurrences
from .state import Event, MomentState

__all__ = [
    "QuietHours", "QuietHoursError", "parse_quiet_hours", "next_allowed", "retry_delay",
    "DueReminder", "DueActivity", "due_reminders", "due_activities", "next_anchored_reminder_at",
    "DEFAULT_QUIET_HOURS", "DEADLINE_REMINDER_TIME", "MAX_LATE", "REMINDER", "ACTIVITY",
]

#: the first part of an authored reminder's key and of an activity reminder's key (see flags.cause_key)
REMINDER: Final = "reminder"
ACTIVITY: Final = "activity"

#: wall-clock time deadline reminders are due (a patient-friendly hour, not midnight)
DEADLINE_REMINDER_TIME = time(9, 0)
#: reminders later than this are skipped, never sent
MAX_LATE = timedelta(days=7)


class QuietHoursError(EngineError):
    """A quiet-hours setting that is not `HH:MM-HH:MM`."""


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (Stockholm wall clock) in which SMS wait; `start` > `end` wraps midnight."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, at: datetime) -> bool:
        """Whether the instant falls inside the window."""
        t = to_local(at).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


DEFAULT_QUIET_HOURS = QuietHours()
_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def parse_quiet_hours(text: str | None) -> QuietHours | None:
    """"21:00-08:00" → QuietHours; "" or "off" → None (no quiet hours); QuietHoursError otherwise."""
    if text is None or text.strip().lower() in ("", "off", "none", "av"):
        return None
    match = _QUIET.match(text)
    if not match:
        raise QuietHoursError(f"expected HH:MM-HH:MM such as 21:00-08:00, received {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        return QuietHours(time(h1, m1), time(h2, m2))
    except ValueError:
        raise QuietHoursError(f"expected HH:MM-HH:MM such as 21:00-08:00, received {text!r}") from None


def next_allowed(at: datetime, quiet: QuietHours | None) -> datetime:
    """`at` itself outside quiet hours, else the instant the window ends (postponed, never dropped)."""
    require_aware(at)
    if quiet is None or not quiet.contains(at):
        return at
    day = local_date(at)
    if quiet.start > quiet.end and to_local(at).time() >= quiet.start:
        day += timedelta(days=1)
    return at_local(day, quiet.end)


def retry_delay(failures: int, *, base: timedelta = timedelta(minutes=1),
                cap: timedelta = timedelta(hours=6)) -> timedelta:
    """Exponential backoff after the `failures`-th failed attempt: base, 2×base, 4×base … at most cap."""
    if failures < 1:
        raise ValueError(f"expected failures ≥ 1, received {failures}")
    # 2**40 × any sensible base is past every cap; bounding the exponent avoids huge integers
    return min(cap, base * (1 << min(failures - 1, 40)))


# --- patient reminders --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    """An authored reminder that is due: when, and a key stable for its cause (once per cause)."""

    reminder: Reminder
    at: datetime
    key: str


@dataclass(frozen=True)
class DueActivity:
    """An activity occurrence the patient should be reminded of."""

    plan_id: str
    occurrence: datetime
    key: str


def _module_timed(state: MomentState, r: Reminder, now: datetime) -> tuple[datetime, str] | None:
    """When a reminder of every: day or days_after_activation is due (None while its module is closed)."""
    ms = state.modules.get(r.module or "")
    if ms is None or ms.activated_at is None or ms.status == "hidden":
        return None
    if r.days_after_activation is not None:
        at = add_local_days(ms.activated_at, r.days_after_activation)
        if r.at is not None:
            at = at_local(local_date(at), r.at)
        return at, cause_key(REMINDER, r.id, iso(ms.activated_at))
    if ms.state != "current" or r.at is None:
        return None
    day = local_date(now)
    if to_local(now).time() < r.at:
        day -= timedelta(days=1)  # today's is still ahead: yesterday's is the newest
    at = at_local(day, r.at)
    if at < ms.activated_at:
        return None
    return at, cause_key(REMINDER, r.id, day)


def _reminder_due(state: MomentState, r: Reminder, now: datetime) -> tuple[datetime, str] | None:
    if r.every is not None or r.days_after_activation is not None:
        return _module_timed(state, r, now)
    at_or_none = scheduled_at(state, days_after_start=r.days_after_start, anchor=r.anchor,
                              days_after_anchor=r.days_after_anchor)
    if at_or_none is not None:
        at = at_or_none
        if r.module is not None:
            ms = state.modules.get(r.module)
            if ms is None or ms.status == "hidden":
                return None
            if ms.activated_at is not None:
                at = max(at, ms.activated_at)
        return at, cause_key(REMINDER, r.id, iso(state.started_at))
    if r.days_before_deadline is not None and r.module is not None:
        last_day = deadline(state, r.module)
        ms = state.modules.get(r.module)
        if last_day is None or ms is None or ms.activated_at is None or ms.status == "hidden":
            return None
        at = max(ms.activated_at, at_local(last_day - timedelta(days=r.days_before_deadline),
                                           DEADLINE_REMINDER_TIME))
        return at, cause_key(REMINDER, r.id, iso(ms.activated_at), last_day)
    return None


def due_reminders(program: Program, state: MomentState, now: datetime, *,
                  max_late: timedelta = MAX_LATE) -> list[DueReminder]:
    """The program's authored reminders due at `now` for this moment, oldest first (pure)."""
    require_aware(now)
    if moment_status(state, now) != "active":
        return []
    found = []
    for r in program.reminders:
        due = _reminder_due(state, r, now)
        if due is None:
            continue
        at, key = due
        if at <= now and now - at <= max_late and at >= state.started_at:
            if r.module is None or patient_can_see(state, r.module, now):
                found.append(DueReminder(r, at, key))
    return sorted(found, key=lambda d: (d.at, d.key))


def next_anchored_reminder_at(program: Program, state: MomentState, now: datetime, *,
                              max_late: timedelta = MAX_LATE, sent: Collection[str] = ()) -> datetime | None:
    """The earliest time at `now` or later that a reminder timed from an answered date (`days_after_anchor`)
    can be due, as long as the state stays as it is (None: none can) (pure).

    Such a reminder is due in a window from its time to `max_late` after (`due_reminders`); one whose
    window has closed by `now` is left out, so a moment reminded of its first follow-up waits for the
    next one. The time can be `now` or earlier (a window still open: it may not have been sent yet).
    Valid for every time from `now` on: the web layer stores it with the moment so the tick reads only
    the moments whose time has come. `sent`: ids of reminders already sent for this moment (due now and
    queued): they are left out though their window is open, so a moment reminded of its 3-month follow-up
    is not read again on every tick of that window for its later ones.
    """
    require_aware(now)
    if state.status != "active":  # moment_status is "active" only then, whatever the time
        return None
    times = []
    for r in program.reminders:
        if r.days_after_anchor is None or r.id in sent:
            continue
        due = _reminder_due(state, r, now)  # does not read `now` for an anchored reminder
        if due is not None and due[0] >= state.started_at and now - due[0] <= max_late:
            times.append(due[0])
    return min(times) if times else None


def due_activities(state: MomentState, plans: Sequence[ActivityPlan], events: Iterable[Event],
                   now: datetime) -> list[DueActivity]:
    """Activity occurrences due today (time passed, not registered or skipped), oldest first (pure)."""
    require_aware(now)
    if moment_status(state, now) != "active":
        return []
    events = list(events)
    day_start = max(at_local(local_date(now)), state.started_at)
    found = []
    for plan in plans:
        if not plan.active:
            continue
        for t in occurrences(plan, day_start, now + timedelta(microseconds=1)):
            if occurrence_status(plan, t, events, now) == "due":
                found.append(DueActivity(plan.id, t, cause_key(ACTIVITY, plan.id, iso(t))))
    return sorted(found, key=lambda d: (d.occurrence, d.key))
