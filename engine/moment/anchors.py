"""Schedules anchored to an answered date: reminders and batteries timed from a date question.

A reminder with `anchor: {form, question}` and `days_after_anchor: N`, or a battery with
`auto_start: {anchor, days_after_anchor: N}`, is due at 09:00 Stockholm time N days after the
date the patient answered: the newest submission counts, or with `pick: first` the first date ever
answered (the Russell Standard's target quit date: a new stop day after a relapse moves nothing).
While the date is unanswered it is due N days after the moment started, at the time of day it
started, as `days_after_start: N` would be.

The answered dates reach the engine in `MomentState.anchor_dates` (`Anchor.key` → date):
`submit_form` keeps them up to date, and a state rebuilt from storage fills them with
`anchor_dates_of` over every submission of the anchor forms, oldest first.

The moment's planned end (`planned_end`) is the later of its recommended length and its last
scheduled follow-up, so "Moment snart slut" does not fire before a follow-up that a late stop day
pushed past the recommended 365 days.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Iterable, Mapping

from ..expr import parse_date_literal
from ..localtime import add_local_days, at_local
from ..model import Anchor, Program, frozen_map
from .state import MomentState

__all__ = ["ANCHOR_TIME", "program_anchors", "anchor_dates_from", "anchor_dates_of", "with_submission",
           "scheduled_at", "planned_end"]

#: wall-clock time an anchored reminder or battery is due (a patient-friendly hour)
ANCHOR_TIME = time(9, 0)


def program_anchors(program: Program) -> tuple[Anchor, ...]:
    """Every distinct anchor the program's reminders and batteries use, in program order."""
    found = [r.anchor for r in program.reminders if r.anchor is not None]
    found += [b.auto_start.anchor for b in program.batteries if b.auto_start and b.auto_start.anchor]
    return tuple(dict.fromkeys(found))


def _as_date(value: Any) -> date | None:
    if isinstance(value, str):
        return parse_date_literal(value)
    return value if isinstance(value, date) and not isinstance(value, datetime) else None


def anchor_dates_from(program: Program, answers: Mapping[str, Mapping[str, Any]]) -> Mapping[str, date]:
    """MomentState.anchor_dates from one submission per form id (typed or stored JSON answers)."""
    return anchor_dates_of(program, answers.items())


def anchor_dates_of(program: Program, submissions: Iterable[tuple[str, Mapping[str, Any]]]) -> Mapping[str, date]:
    """MomentState.anchor_dates from every submission as (form id, answers), oldest first."""
    found: Mapping[str, date] = frozen_map({})
    for form_id, answers in submissions:
        found = with_submission(program, found, form_id, answers)
    return found


def with_submission(program: Program, anchor_dates: Mapping[str, date], form_id: str,
                    answers: Mapping[str, Any]) -> Mapping[str, date]:
    """The anchor dates after a submission of `form_id`: a `newest` anchor takes its answer (or loses
    its date when left empty); a `first` anchor keeps the date it has and takes one only while it has none."""
    updated = dict(anchor_dates)
    for anchor in program_anchors(program):
        if anchor.form != form_id or (anchor.pick == "first" and anchor.key in updated):
            continue
        answered = _as_date(answers.get(anchor.question))
        if answered is not None:
            updated[anchor.key] = answered
        elif anchor.pick == "newest":
            updated.pop(anchor.key, None)
    return frozen_map(updated)


def scheduled_at(state: MomentState, *, days_after_start: int | None = None, anchor: Anchor | None = None,
                 days_after_anchor: int | None = None) -> datetime | None:
    """When a timing falls due in this moment (None for a timing of another kind)."""
    if anchor is not None and days_after_anchor is not None:
        answered = state.anchor_dates.get(anchor.key)
        if answered is None:
            return add_local_days(state.started_at, days_after_anchor)
        return at_local(answered + timedelta(days=days_after_anchor), ANCHOR_TIME)
    if days_after_start is not None:
        return add_local_days(state.started_at, days_after_start)
    return None


def planned_end(program: Program, state: MomentState) -> datetime | None:
    """The later of the recommended length and the last scheduled follow-up (None without either).

    Each timing is N days after the start or after an answered date, and later the more days it counts
    (a day apart in wall-clock time is always later), so only the most days after each of those is
    converted to an instant: the tick asks this for every moment it looks at.
    """
    most: dict[date | None, int] = {}  # the start (None) or an answered date → the most days after it
    timings = [(r.days_after_start, r.anchor, r.days_after_anchor) for r in program.reminders]
    timings += [(b.auto_start.days_after_start, b.auto_start.anchor, b.auto_start.days_after_anchor)
                for b in program.batteries if b.auto_start is not None]
    if program.recommended_days:
        timings.append((program.recommended_days, None, None))
    for days_after_start, anchor, days_after_anchor in timings:
        if anchor is not None and days_after_anchor is not None:  # as scheduled_at
            base, days = state.anchor_dates.get(anchor.key), days_after_anchor
        elif days_after_start is not None:
            base, days = None, days_after_start
        else:
            continue
        if base not in most or days > most[base]:
            most[base] = days
    known = [add_local_days(state.started_at, days) if base is None
             else at_local(base + timedelta(days=days), ANCHOR_TIME) for base, days in most.items()]
    return max(known) if known else None
