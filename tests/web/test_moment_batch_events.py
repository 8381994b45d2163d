"""The tick's read of many moments' events (moment_batch.events) keeps exactly what `EventsRead.needed` keeps.

The patient's bare actions are thinned in SQL (the first and the last of each stretch, one stretch for those
before `before`); engine.moment.flag_reads defines that in Python and tests/engine/test_flag_reads.py holds it
to the flag rules. Here the database's answer is held to the Python one, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.moment.flag_reads import EventsRead
from engine.moment.state import SYSTEM, Actor, Event as EngineEvent
from notify_support import seed_unit, start, sthlm
from web.extensions import db
from web.services.core import moment_batch
from web.services.core.rows import engine_events, record_events

T0 = sthlm(2026, 3, 1, 10)
PATIENT = Actor("patient", "p1", "Invånaren")
CLINICIAN = Actor("clinician", "c1", "Sanna Eriksson", "Utbildningsenhet")
READ = frozenset({"flag_raised", "form_submitted"})


def _history(moment, offset: int) -> None:
    """Step views in clusters and after silences (across the spring's daylight saving time), a submitted form
    among them, a clinician's views and a raised flag."""
    at, events = T0 + timedelta(minutes=offset), []
    for i, gap in enumerate([0, 5, 5, 60 * 30, 10, 60 * 24 * 6, 60 * 24 * 8, 1, 1, 60 * 24 * 7 - 90, 60 * 24 * 7 + 90,
                             3, 60 * 24 * 20, 0, 0, 60 * 2]):
        at += timedelta(minutes=gap)
        events.append(EngineEvent("form_submitted" if i == 7 else "step_viewed", at, PATIENT, module="steg-1",
                                  step="motivation", form="skal" if i == 7 else None, text="Läste"))
        events.append(EngineEvent("form_opened", at + timedelta(minutes=1), CLINICIAN, form="skal", text="Öppnade"))
    events.append(EngineEvent("flag_raised", at, SYSTEM, data={"cause": "x:1"}, text="F"))
    record_events(moment, events)


@pytest.mark.parametrize("read", [
    EventsRead(READ, True, timedelta(days=7, hours=-2), None),
    EventsRead(READ, True, timedelta(days=1, hours=-2), T0 + timedelta(days=15)),
    EventsRead(READ, True, None, T0 + timedelta(days=15)),
    EventsRead(READ, True, timedelta(days=2, hours=-2), T0 + timedelta(days=400)),
    EventsRead(READ, True, None, None),
    EventsRead(READ, False, timedelta(days=7, hours=-2), T0),
], ids=["apart", "apart-before", "before", "all-before", "every-action", "no-actions"])
def test_the_events_read_back_are_what_needed_keeps(app, read):
    _, marita = seed_unit()
    moments = [start(marita, T0, personnummer=p, first=f"P{i}") for i, p in enumerate(
        ("19610831-2460", "19121212-1212"))]
    for i, moment in enumerate(moments):
        _history(moment, offset=i * 11 * 60)
    db.session.commit()
    read_back = moment_batch.events([m.id for m in moments], read)
    for moment in moments:
        everything = engine_events(moment)
        assert read_back[moment.id] == read.needed(everything)
        if read.actions and read.apart is not None:  # a real thinning
            assert 0 < len([e for e in read_back[moment.id] if e.type == "step_viewed"]) < len(
                [e for e in everything if e.type == "step_viewed"])
