"""Tidslinje: the moment's events filtered by kind and date (the patient never sees it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, not_, or_

from ...extensions import db
from ...models import Enrollment, Event, FormResponse

#: filter id → (label, event types); "alla" is everything
CATEGORIES = {
    "flaggor": ("Flaggor", ("flag_raised", "flag_handled", "hold_released", "urgent_escalated")),
    "formular": ("Formulär", ("form_submitted", "form_opened", "form_saved", "battery_started")),
    "meddelanden": ("Meddelanden", ("message_sent",)),
    "modul": ("Modul", ("module_activated", "module_completed", "module_set_upcoming", "days_changed",
                        "status_changed")),
}


@dataclass(frozen=True)
class TimelineEntry:
    text: str
    at: datetime
    actor_name: str
    actor_unit: str | None
    actor_kind: str
    category: str | None
    #: the answers a form entry links to
    form_response_id: int | None
    type: str


#: event type → the filter it belongs to
_CATEGORY_OF = {event_type: key for key, (_, types) in CATEGORIES.items() for event_type in types}
#: the types whose entry links to the answers
_LINKED = frozenset({"form_submitted", "form_opened"})


def category_of(event_type: str) -> str | None:
    """The filter an event type belongs to (None: only under Alla)."""
    return _CATEGORY_OF.get(event_type)


def timeline(enrollment: Enrollment, *, categories: list[str] | None, start: datetime | None,
             end: datetime | None) -> list[TimelineEntry]:
    """Events newest first; submitted forms appear once a clinician has opened them."""
    conditions = [
        Event.enrollment_id == enrollment.id,
        # the manual: submitted answers reach the timeline after the clinician first opens them
        not_(and_(Event.type == "form_submitted", FormResponse.id.is_not(None), FormResponse.opened_at.is_(None))),
    ]
    chosen = [c for c in (categories or []) if c in CATEGORIES]
    if chosen:
        conditions.append(or_(*(Event.type.in_(CATEGORIES[c][1]) for c in chosen)))
    if start is not None:
        conditions.append(Event.at >= start)
    if end is not None:
        conditions.append(Event.at < end)
    # the columns an entry shows as plain rows (a long moment has hundreds of events: no ORM objects)
    rows = db.session.execute(
        db.select(Event.text, Event.at, Event.actor_name, Event.actor_unit, Event.actor_kind, Event.type,
                  Event.form_response_id)
        .outerjoin(FormResponse, Event.form_response_id == FormResponse.id)
        .where(*conditions).order_by(Event.at.desc(), Event.id.desc()))
    category = _CATEGORY_OF.get
    return [TimelineEntry(text, at, name, unit, kind, category(kind_of_event),
                          response if kind_of_event in _LINKED else None, kind_of_event)
            for text, at, name, unit, kind, kind_of_event, response in rows]


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing `day` (Veckovis)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def day_range(first: date, last: date, tz) -> tuple[datetime, datetime]:
    """Local midnight of `first` to local midnight after `last`, as aware datetimes."""
    return (datetime.combine(first, time(0), tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))
