"""Forms with entries (`entries: true`, e.g. a nightly sleep diary): every submission of the form is an
entry. Entries are read back from the moment's `form_submitted` events, oldest first, each dated by the
patient's local day, with its answers and the computed values recorded when it was submitted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from .. import forms
from ..errors import AnswerError
from ..expr import Entry
from ..localtime import local_date
from ..model import Form, Program
from .state import Event

__all__ = ["EntryRow", "entries_of", "entry_rows", "latest_values"]


@dataclass(frozen=True)
class EntryRow:
    """One entry as the patient and the clinician see it in the table: when, and each value by id."""

    at: datetime
    values: Mapping[str, Any]


def entry_rows(form: Form, events: Iterable[Event]) -> list[EntryRow]:
    """The form's submissions, oldest first, with typed answers and the computed values recorded then."""
    rows = []
    for event in sorted((e for e in events if e.type == "form_submitted" and e.form == form.id),
                        key=lambda e: e.at):
        try:
            answers = forms.from_json(form, event.data.get("answers") or {})
        except AnswerError:
            continue  # a stored answer no version of the form can read; the timeline still shows it
        computed = event.data.get("computed") or {}
        rows.append(EntryRow(event.at, {**answers, **computed}))
    return rows


def entries_of(form: Form, events: Iterable[Event]) -> list[Entry]:
    """The form's earlier entries as the expression language sees them (mean_last() and the like)."""
    return [Entry(local_date(row.at), row.values) for row in entry_rows(form, events)]


def latest_values(program: Program, events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """Each submitted form's newest values (answers and computed values) by form id: what
    form_id.value_id stands for in other forms' computed values and alerts."""
    newest: dict[str, Event] = {}
    for event in sorted((e for e in events if e.type == "form_submitted" and e.form), key=lambda e: e.at):
        newest[event.form or ""] = event
    values: dict[str, dict[str, Any]] = {}
    for form_id, event in newest.items():
        form = program.form(form_id)
        rows = entry_rows(form, [event]) if form is not None else []
        if rows:
            values[form_id] = dict(rows[0].values)
    return values
