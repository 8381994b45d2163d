"""Aktivitetsplaner: recurring activities the patient registers, scheduled in Stockholm wall-clock time.

A plan has content elements (Registrering, Skala, Förväntning, Tjänst, Inbjudan), a schedule (start
date; time slots on whole or half hours, each on some weekdays; every N weeks; until a date or
"tills vidare") and settings (fill in up to N days after, flag the clinician on a missed activity,
patient may skip, comments allowed, activated).

Occurrences come from `dateutil.rrule` over *naive local* times, then get their real UTC offset,
so 08:30 stays 08:30 on both sides of a daylight-saving change. An occurrence is:
- ``upcoming`` before its time;
- ``due`` from its time to the end of that day;
- ``late`` after that day, within the fill-in window (`fill_in_days` more calendar days);
- ``missed`` once the window has closed without a registration (at midnight after the last day);
- ``done`` / ``skipped`` once the patient registered or skipped it.
Registrations are read from `activity_registered` / `activity_skipped` events.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Iterable, Mapping

from dateutil.rrule import MO, WEEKLY, rrule, rruleset

from ..errors import EngineError, TransitionError
from ..localtime import at_local, fmt, iso, local_date, localize, to_local
from ..model import Program
from .rules import check_time, make_event, moment_status, require_active, require_clinician, require_patient
from .patient import answers_to_json
from .state import Actor, Event, MomentState, Transition

#: the event types a plan's registrations are read from (`registrations`; a caller may pass only these)
REGISTRATION_EVENTS: Final[frozenset[str]] = frozenset({"activity_registered", "activity_skipped"})

__all__ = [
    "PlanError", "ContentElement", "TimeSlot", "ActivityPlan", "CONTENT_ELEMENTS", "WEEKDAYS",
    "plan_from_dict", "plan_to_dict", "occurrences", "window_end", "registrations",
    "occurrence_status", "open_occurrences", "missed_occurrences",
    "add_activity_plan", "register_activity", "skip_activity",
]

#: content element kinds → the manual's button labels
CONTENT_ELEMENTS = {
    "registration": "Registrering",
    "scale": "Skala",
    "expectation": "Förväntning",
    "service": "Tjänst",
    "invitation": "Inbjudan",
}
#: weekday ids (Monday first, as rrule and the manual's Mån … Sön)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = ("Mån", "Tis", "Ons", "Tors", "Fre", "Lör", "Sön")
OCCURRENCE_STATUSES = ("upcoming", "due", "late", "missed", "done", "skipped")
_HALF_HOURS = "ange hel eller halvtimme, exempelvis 14:00, 17:30, 09:30"


class PlanError(EngineError):
    """An activity plan that cannot be scheduled (bad time, no weekdays, end before start …)."""


@dataclass(frozen=True)
class ContentElement:
    """One thing the patient fills in: a registration, a scale (min–max), an expectation …"""

    kind: str
    text: str
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class TimeSlot:
    """A wall-clock time (whole or half hour) on some weekdays (0 = Monday)."""

    time: time
    weekdays: tuple[int, ...]


@dataclass(frozen=True)
class ActivityPlan:
    """An aktivitetsplan; constructing one validates it (PlanError with a Swedish message)."""

    id: str
    name: str
    elements: tuple[ContentElement, ...]
    start: date
    slots: tuple[TimeSlot, ...]
    every_weeks: int = 1
    #: last day with occurrences; None = "tills vidare"
    until: date | None = None
    #: the patient may fill in up to this many days after the occurrence's day
    fill_in_days: int = 0
    flag_missed: bool = False
    may_skip: bool = False
    comments: bool = False
    active: bool = True

    def __post_init__(self) -> None:
        _validate(self)


def _validate(plan: ActivityPlan) -> None:
    if not plan.id or not plan.name:
        raise PlanError("En aktivitetsplan behöver id och namn.")
    if not plan.elements:
        raise PlanError(f"Aktivitetsplan {plan.name}: lägg till minst ett innehållselement.")
    for el in plan.elements:
        if el.kind not in CONTENT_ELEMENTS:
            known = ", ".join(f"{k} ({v})" for k, v in CONTENT_ELEMENTS.items())
            raise PlanError(f"Okänt innehållselement {el.kind!r}; välj ett av {known}.")
        if el.kind == "scale" and (el.min is None or el.max is None or el.min >= el.max):
            raise PlanError(f"Skala {el.text!r} behöver min och max där min är mindre än max.")
    if not plan.slots:
        raise PlanError(f"Aktivitetsplan {plan.name}: ange minst en tidpunkt och veckodag.")
    for slot in plan.slots:
        t = slot.time
        if t.minute not in (0, 30) or t.second or t.microsecond:
            raise PlanError(f"Tidpunkt {t.strftime('%H:%M')}: {_HALF_HOURS}.")
        if not slot.weekdays:
            raise PlanError(f"Tidpunkt {t.strftime('%H:%M')}: välj minst en veckodag.")
        if any(isinstance(d, bool) or d not in range(7) for d in slot.weekdays):
            raise PlanError(f"Tidpunkt {t.strftime('%H:%M')}: okänd veckodag i {slot.weekdays}.")
    if isinstance(plan.every_weeks, bool) or not isinstance(plan.every_weeks, int) or plan.every_weeks < 1:
        raise PlanError(f"Intervall måste vara minst varje vecka (1), fick {plan.every_weeks!r}.")
    if plan.until is not None and plan.until < plan.start:
        raise PlanError(f"Slutdatum {plan.until} ligger före startdatum {plan.start}.")
    if isinstance(plan.fill_in_days, bool) or not isinstance(plan.fill_in_days, int) or plan.fill_in_days < 0:
        raise PlanError(f"Antal dagar att fylla i efter tillfället måste vara 0 eller mer, fick {plan.fill_in_days!r}.")


# --- building plans from plain data (scenario files, web forms, stored rows) ----------------------


#: a plan runs at most this many years past the moment's start (bounds every occurrence walk)
MAX_PLAN_YEARS = 5


def check_dates(start: date, until: date | None, moment_start: date) -> None:
    """A plan's dates within the moment: start not before the moment began, everything within 5 years.

    Occurrences are enumerated from the plan's start, so an unbounded start (year 1) would make every
    page and tick walk millennia of weeks.
    """
    latest = moment_start.replace(year=moment_start.year + MAX_PLAN_YEARS) if not (
        moment_start.month == 2 and moment_start.day == 29) else moment_start + timedelta(days=365 * MAX_PLAN_YEARS)
    if start < moment_start:
        raise PlanError(f"Startdatum kan inte ligga före momentets start ({moment_start}).")
    if start > latest:
        raise PlanError(f"Startdatum måste ligga inom {MAX_PLAN_YEARS} år från momentets start (senast {latest}).")
    if until is not None and until > latest:
        raise PlanError(f"Slutdatum måste ligga inom {MAX_PLAN_YEARS} år från momentets start (senast {latest}).")


def plan_from_dict(data: Mapping[str, Any]) -> ActivityPlan:
    """Build a plan from plain data (times "HH:MM", weekdays mon…sun, dates YYYY-MM-DD); PlanError if bad."""
    try:
        elements = tuple(
            ContentElement(e["kind"], e.get("text", CONTENT_ELEMENTS.get(e["kind"], "")),
                           e.get("min"), e.get("max"))
            for e in data.get("elements", ())
        )
        slots = tuple(TimeSlot(_time(s["time"]), tuple(_weekday(d) for d in s["weekdays"]))
                      for s in data.get("times", ()))
        return ActivityPlan(
            id=str(data["id"]), name=str(data["name"]), elements=elements,
            start=_date(data["start"]), slots=slots,
            every_weeks=data.get("every_weeks", 1),
            until=_date(data["until"]) if data.get("until") is not None else None,
            fill_in_days=data.get("fill_in_days", 0),
            flag_missed=bool(data.get("flag_missed", False)),
            may_skip=bool(data.get("may_skip", False)),
            comments=bool(data.get("comments", False)),
            active=bool(data.get("active", True)),
        )
    except KeyError as missing:
        raise PlanError(f"Aktivitetsplanen saknar {missing.args[0]!r}.") from None
    except (TypeError, AttributeError):
        raise PlanError("Aktivitetsplanen har fel form: element, tider och veckodagar ska vara listor.") from None


def plan_to_dict(plan: ActivityPlan) -> dict[str, Any]:
    """The plan as plain JSON data (the inverse of plan_from_dict)."""
    return {
        "id": plan.id, "name": plan.name,
        "elements": [{"kind": e.kind, "text": e.text, **({"min": e.min, "max": e.max}
                                                          if e.kind == "scale" else {})}
                     for e in plan.elements],
        "start": plan.start.isoformat(),
        "times": [{"time": s.time.strftime("%H:%M"), "weekdays": [WEEKDAYS[d] for d in s.weekdays]}
                  for s in plan.slots],
        "every_weeks": plan.every_weeks,
        "until": plan.until.isoformat() if plan.until else None,
        "fill_in_days": plan.fill_in_days, "flag_missed": plan.flag_missed,
        "may_skip": plan.may_skip, "comments": plan.comments, "active": plan.active,
    }


def _time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            hh, mm = value.split(":")
            return time(int(hh), int(mm))
        except ValueError:
            pass
    raise PlanError(f"Tidpunkt {value!r}: {_HALF_HOURS}.")


def _weekday(value: Any) -> int:
    if isinstance(value, str) and value.lower() in WEEKDAYS:
        return WEEKDAYS.index(value.lower())
    raise PlanError(f"Okänd veckodag {value!r}; använd {', '.join(WEEKDAYS)}.")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        raise PlanError(f"Ange ett datum utan klockslag, fick {value!r}.")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PlanError(f"Ogiltigt datum {value!r}; skriv ÅÅÅÅ-MM-DD.") from None


# --- the schedule -------------------------------------------------------------------------------


def occurrences(plan: ActivityPlan, start: datetime, end: datetime) -> list[datetime]:
    """Occurrences with start ≤ t < end, as aware Stockholm datetimes (DST-correct wall-clock times)."""
    rules = rruleset()
    last = datetime.combine(plan.until, time(23, 59, 59)) if plan.until else None
    for slot in plan.slots:
        rules.rrule(rrule(WEEKLY, interval=plan.every_weeks, wkst=MO, byweekday=slot.weekdays,
                          dtstart=datetime.combine(plan.start, slot.time), until=last))
    # rrule works in naive local time; a day of margin covers the UTC offsets either side.
    lo = to_local(start).replace(tzinfo=None) - timedelta(days=1)
    hi = to_local(end).replace(tzinfo=None) + timedelta(days=1)
    found = {localize(naive) for naive in rules.between(lo, hi, inc=True)}
    return sorted(t for t in found if start <= t < end)


def window_end(plan: ActivityPlan, occurrence: datetime) -> datetime:
    """When the patient can no longer fill in an occurrence: midnight after its last fill-in day."""
    return at_local(local_date(occurrence) + timedelta(days=plan.fill_in_days + 1))


def registrations(events: Iterable[Event], plan_id: str) -> dict[str, str]:
    """Occurrence (ISO, Stockholm time) → "done" or "skipped", read from the events."""
    found: dict[str, str] = {}
    for e in events:
        if e.type in REGISTRATION_EVENTS and e.data.get("plan") == plan_id:
            found[e.data["occurrence"]] = "done" if e.type == "activity_registered" else "skipped"
    return found


def occurrence_status(plan: ActivityPlan, occurrence: datetime, events: Iterable[Event],
                      now: datetime) -> str:
    """upcoming, due, late, missed, done or skipped (see the module docstring)."""
    registered = registrations(events, plan.id).get(iso(occurrence))
    if registered:
        return registered
    if now < occurrence:
        return "upcoming"
    if local_date(now) == local_date(occurrence):
        return "due"
    return "late" if now < window_end(plan, occurrence) else "missed"


def open_occurrences(plan: ActivityPlan, events: Iterable[Event], now: datetime) -> list[datetime]:
    """Occurrences the patient may register or skip now (due or late), oldest first."""
    events = list(events)
    since = at_local(local_date(now) - timedelta(days=plan.fill_in_days + 1))
    return [t for t in occurrences(plan, since, now + timedelta(microseconds=1))
            if occurrence_status(plan, t, events, now) in ("due", "late")]


def missed_occurrences(plan: ActivityPlan, events: Iterable[Event], now: datetime, *,
                       since: datetime, until: datetime | None = None) -> list[datetime]:
    """Occurrences at or after `since` (and before `until`) whose fill-in window closed unregistered."""
    events = list(events)
    end = min(now, until) if until else now
    return [t for t in occurrences(plan, since, end)
            if window_end(plan, t) <= now and occurrence_status(plan, t, events, now) == "missed"]


# --- actions ------------------------------------------------------------------------------------


def add_activity_plan(program: Program, state: MomentState, plan: ActivityPlan, *, now: datetime,
                      actor: Actor) -> Transition:
    """The clinician creates an activity plan for the moment (the plan itself is stored by the caller)."""
    check_time(state, now)
    require_clinician(actor, "skapa aktivitetsplaner")
    require_active(state, now)
    event = make_event("activity_plan_added", now, actor, f"Aktivitetsplan {plan.name} skapades",
                       plan=plan.id, definition=plan_to_dict(plan))
    return Transition(state, (event,))


def register_activity(program: Program, state: MomentState, plan: ActivityPlan,
                      events: Iterable[Event], *, now: datetime, actor: Actor,
                      occurrence: datetime | None = None, values: Mapping[str, Any] | None = None,
                      comment: str | None = None) -> Transition:
    """The patient registers an occurrence (the oldest open one unless given)."""
    occ = _open_occurrence(state, plan, events, now, actor, occurrence, "registrera")
    if comment and not plan.comments:
        raise TransitionError(f"Aktivitetsplan {plan.name} tillåter inte kommentarer.")
    event = make_event("activity_registered", now, actor,
                       f"Aktivitet {plan.name} registrerades (tillfälle {fmt(occ)})",
                       plan=plan.id, occurrence=iso(occ), values=answers_to_json(values or {}),
                       comment=comment)
    return Transition(replace(state, last_active=now), (event,))


def skip_activity(program: Program, state: MomentState, plan: ActivityPlan,
                  events: Iterable[Event], *, now: datetime, actor: Actor,
                  occurrence: datetime | None = None) -> Transition:
    """The patient skips an occurrence, when the plan allows it."""
    occ = _open_occurrence(state, plan, events, now, actor, occurrence, "hoppa över")
    if not plan.may_skip:
        raise TransitionError(f"Aktivitetsplan {plan.name} tillåter inte att invånaren hoppar över.")
    event = make_event("activity_skipped", now, actor,
                       f"Aktivitet {plan.name} hoppades över (tillfälle {fmt(occ)})",
                       plan=plan.id, occurrence=iso(occ))
    return Transition(replace(state, last_active=now), (event,))


def _open_occurrence(state: MomentState, plan: ActivityPlan, events: Iterable[Event],
                     now: datetime, actor: Actor, occurrence: datetime | None, verb: str) -> datetime:
    check_time(state, now)
    require_patient(actor, f"{verb} aktiviteter")
    if moment_status(state, now) == "maintenance":
        raise TransitionError("Momentet vidmakthålls: invånaren kan läsa men inte registrera aktiviteter.")
    require_active(state, now)
    if not plan.active:
        raise TransitionError(f"Aktivitetsplan {plan.name} är inte aktiverad.")
    events = list(events)
    if occurrence is None:
        open_ = open_occurrences(plan, events, now)
        if not open_:
            raise TransitionError(f"Aktivitetsplan {plan.name} har inget tillfälle att fylla i nu.")
        return open_[0]
    if occurrence not in occurrences(plan, occurrence, occurrence + timedelta(minutes=1)):
        raise TransitionError(f"Aktivitetsplan {plan.name} har inget tillfälle {fmt(occurrence)}.")
    status = occurrence_status(plan, occurrence, events, now)
    if status == "upcoming":
        raise TransitionError(f"Tillfället {fmt(occurrence)} har inte börjat ännu.")
    if status == "missed":
        raise TransitionError(
            f"Tillfället {fmt(occurrence)} kunde fyllas i till {fmt(window_end(plan, occurrence))}."
        )
    if status in ("done", "skipped"):
        raise TransitionError(f"Tillfället {fmt(occurrence)} är redan registrerat.")
    return to_local(occurrence)
