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
           "timing_base", "at_base", "scheduled_at", "planned_end"]

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


def timing_base(state: MomentState, *, days_after_start: int | None = None, anchor: Anchor | None = None,
                days_after_anchor: int | None = None) -> tuple[date | None, int] | None:
    """What a timing counts from in this moment and how many days: (None, N) from the start (an unanswered
    anchor too), (the answered date, N) from an anchor; None for a timing of another kind.

    Of two timings from the same base the one with more days is later (a day apart in wall-clock time is
    always later), so callers after the earliest or latest of several convert only one per base.
    """
    if anchor is not None and days_after_anchor is not None:
        return state.anchor_dates.get(anchor.key), days_after_anchor
    if days_after_start is not None:
        return None, days_after_start
    return None


def at_base(state: MomentState, base: date | None, days: int) -> datetime:
    """The instant `days` after a timing's base (`timing_base`): the start's wall-clock time, or 09:00 after an
    answered date."""
    if base is None:
        return add_local_days(state.started_at, days)
    return at_local(base + timedelta(days=days), ANCHOR_TIME)


def scheduled_at(state: MomentState, *, days_after_start: int | None = None, anchor: Anchor | None = None,
                 days_after_anchor: int | None = None) -> datetime | None:
    """When a timing falls due in this moment (None for a timing of another kind)."""
    found = timing_base(state, days_after_start=days_after_start, anchor=anchor, days_after_anchor=days_after_anchor)
    return at_base(state, *found) if found is not None else None


def planned_end(program: Program, state: MomentState) -> datetime | None:
    """The later of the recommended length and the last scheduled follow-up (None without either).

    Only the most days after each base is converted (`timing_base`): the tick asks this for every moment.
    """
    most: dict[date | None, int] = {}  # the start (None) or an answered date → the most days after it
    timings = [(r.days_after_start, r.anchor, r.days_after_anchor) for r in program.reminders]
    timings += [(b.auto_start.days_after_start, b.auto_start.anchor, b.auto_start.days_after_anchor)
                for b in program.batteries if b.auto_start is not None]
    if program.recommended_days:
        timings.append((program.recommended_days, None, None))
    for days_after_start, anchor, days_after_anchor in timings:
        found = timing_base(state, days_after_start=days_after_start, anchor=anchor,
                            days_after_anchor=days_after_anchor)
        if found is not None and (found[0] not in most or found[1] > most[found[0]]):
            most[found[0]] = found[1]
    known = [at_base(state, base, days) for base, days in most.items()]
    return max(known) if known else None
