"""Computed values, entries and clinician-set values of a moment's forms, read from the stored
`form_submitted` events: what a submission's expressions see (earlier entries, other forms' newest
values), the table of a form's entries with their computed values, and a trend of one of them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from engine import forms
from engine.expr import Entry
from engine.localtime import local_date
from engine.model import Computed, Form, Program
from engine.moment.entries import entries_of, entry_rows, latest_values
from engine.moment.state import Event as EngineEvent

from ...extensions import db
from ...models import Enrollment, Event, FormResponse
from .rows import engine_event

__all__ = ["Context", "EntryTable", "TrendPoint", "submission_context", "entry_table", "latest_shown",
           "stored_alert_ids", "trend_points"]


@dataclass(frozen=True)
class Context:
    """What a new submission's computed values and alerts see."""

    history: list[Entry]
    others: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class EntryTable:
    """A form's submissions as a table: the computed values' labels and one row per entry, oldest first."""

    form: Form
    columns: tuple[Computed, ...]
    #: (the entry's local day, each column's value, each column's value as shown)
    rows: list[tuple[date, list[Any], list[str]]]


@dataclass(frozen=True)
class TrendPoint:
    """One entry's value of a computed value, for the trend chart (None when it could not be computed)."""

    day: date
    value: float | None
    shown: str


def _submissions(enrollment: Enrollment) -> list[EngineEvent]:
    rows = db.session.execute(
        db.select(Event).where(Event.enrollment_id == enrollment.id, Event.type == "form_submitted")
        .order_by(Event.at, Event.id)).scalars()
    return [engine_event(r) for r in rows]


def submission_context(enrollment: Enrollment, program: Program, form: Form) -> Context:
    """Earlier entries (a form with entries) and other forms' newest values, read only when the form uses them."""
    others = forms.uses_other_forms(form)
    if not (form.entries or others):
        return Context([], {})
    events = _submissions(enrollment)
    return Context(entries_of(form, events) if form.entries else [], latest_values(program, events) if others else {})


def entry_table(enrollment: Enrollment, form: Form) -> EntryTable:
    """Every submission of the form with its computed values as the patient reads them."""
    rows = [(local_date(row.at), [row.values.get(c.id) for c in form.computed],
             [forms.show_value(c, row.values.get(c.id)) for c in form.computed])
            for row in entry_rows(form, _submissions(enrollment))]
    return EntryTable(form, form.computed, rows)


def latest_shown(enrollment: Enrollment, form: Form) -> list[tuple[str, str]]:
    """(label, shown value) of the newest submission's computed values (e.g. the sleep window the clinician set)."""
    rows = entry_rows(form, _submissions(enrollment))
    if not rows:
        return []
    values = rows[-1].values
    return [(c.label, forms.show_value(c, values.get(c.id))) for c in form.computed]


def trend_points(table: EntryTable, value_id: str) -> list[TrendPoint]:
    """One computed value over the entries of a table, oldest first."""
    index = next((i for i, c in enumerate(table.columns) if c.id == value_id), None)
    if index is None:
        return []
    return [TrendPoint(day, _number(values[index]), shown[index]) for day, values, shown in table.rows]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def stored_alert_ids(response: FormResponse) -> list[str] | None:
    """The alert ids recorded with a submission (None when no submission event is stored for it)."""
    data = db.session.execute(
        db.select(Event.data).where(Event.form_response_id == response.id, Event.type == "form_submitted")
        .order_by(Event.id.desc()).limit(1)).scalar_one_or_none()
    if data is None:
        return None
    alerts = data.get("alerts") or []
    return [a for a in alerts if isinstance(a, str)]
