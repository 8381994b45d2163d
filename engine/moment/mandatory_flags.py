"""Flags every responsible clinician gets without subscribing (engine.moment.flags.due_flags adds them).

- ``answer_alert`` "Svar kräver uppmärksamhet": one per alert that a submitted form triggered (the
  alert ids `submit_form` records in the form_submitted event), with the alert's title. A safety
  flag is never opt-in. Cause: ``answer_alert:<form>:<alert id>:<event time>``. The flag of an
  `urgent` alert is marked urgent (the web tells the responsible clinician at once, unbatched).
- ``battery_started`` "Nytt mätbatteri startat" for a battery the system started by itself
  (auto_start): nobody acted, so the clinician must hear of it. Same cause as the subscribed flag,
  so a subscriber gets it once.

Each is yielded as the fields of a `Flag` (type, at, cause, text, module, form, urgent); flags.py builds it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Collection, Final, Iterable, Iterator

from ..localtime import fmt, iso
from ..model import Alert, Program
from .causes import cause_key
from .state import Event

__all__ = ["ANSWER_ALERT", "ANSWER_ALERT_LABEL", "FlagFields", "MANDATORY_READS", "mandatory_flags", "alert_cause",
           "alert_of_cause"]

ANSWER_ALERT = "answer_alert"
ANSWER_ALERT_LABEL = "Svar kräver uppmärksamhet"
#: type, at, cause, text, module, form, urgent — the fields of engine.moment.flags.Flag
FlagFields = tuple[str, datetime, str, str, str | None, str | None, bool]
#: the event types `mandatory_flags` reads (engine.moment.flag_reads; tests/engine/test_flag_reads.py)
MANDATORY_READS: Final[frozenset[str]] = frozenset({"form_submitted", "battery_started"})


def alert_cause(form_id: str, alert_id: str, at: datetime) -> str:
    """The cause key of the answer_alert flag of one alert of one submission."""
    return cause_key(ANSWER_ALERT, form_id, alert_id, iso(at))


def alert_of_cause(program: Program, cause: str) -> tuple[str, Alert] | None:
    """The form id and alert an answer_alert cause key names (None for another cause or an unknown alert)."""
    kind, _, rest = cause.partition(":")
    form_id, _, rest = rest.partition(":")
    alert_id = rest.partition(":")[0]
    form = program.form(form_id) if kind == ANSWER_ALERT else None
    alert = form.alert(alert_id) if form is not None else None
    return (form_id, alert) if alert is not None else None


def mandatory_flags(program: Program, events: Iterable[Event], *,
                    raised: Collection[object] = ()) -> Iterator[FlagFields]:
    """The never-opt-in flags the events call for, but those whose cause is in `raised` (due_flags would drop
    them; left out before their texts are written)."""
    for e in events:
        if e.type == "form_submitted" and e.form:
            yield from _answer_alerts(program, e, raised)
        elif e.type == "battery_started" and e.actor.kind == "system":
            battery_id = e.data.get("battery")
            cause = cause_key("battery_started", battery_id, iso(e.at))
            if cause in raised:
                continue
            battery = program.battery(battery_id) if isinstance(battery_id, str) else None
            title = battery.title if battery else battery_id
            yield ("battery_started", e.at, cause,
                   f"Mätbatteriet {title} startade automatiskt {fmt(e.at)}.", e.module, None, False)


def _answer_alerts(program: Program, e: Event, raised: Collection[object]) -> Iterator[FlagFields]:
    form = program.form(e.form) if e.form else None
    form_title = form.title if form else e.form
    for alert_id in e.data.get("alerts") or ():
        cause = alert_cause(str(e.form), alert_id, e.at)
        if cause in raised:
            continue
        alert = form.alert(alert_id) if form else None
        title = alert.title if alert else alert_id
        yield (ANSWER_ALERT, e.at, cause, f"{title}: svar i formuläret {form_title} {fmt(e.at)}.", e.module, e.form,
               bool(alert and alert.urgent))
