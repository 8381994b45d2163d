"""FLAG_CAUSES: the event types event-driven flags arise from (the web skips flag raising after others)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.model import frozen_map
from engine.moment import flags as fl
from engine.moment.state import EVENT_TYPES, SYSTEM, Event
from moment_builders import CLINICIAN, PATIENT, sthlm

AT = sthlm(2026, 3, 3, 10)
LATER = AT + timedelta(days=60)


def _event_driven_rules() -> list[fl.FlagRule]:
    return [cls() for cls in fl.RULES.values() if not cls.time_driven]


def _events(program, type_: str) -> list[Event]:
    form = next(iter(program.forms))
    data = frozen_map({"battery": None, "plan": "1", "occurrence": "x", "to": "2", "answers": {}})
    return [Event(type_, AT, actor, module="steg-1", form=form, data=data, text="Något hände")
            for actor in (PATIENT, CLINICIAN, SYSTEM)]


@pytest.mark.parametrize("type_", sorted(set(EVENT_TYPES) - fl.FLAG_CAUSES - {"flag_raised"}))
def test_no_event_driven_flag_arises_from_other_events(program, started, type_):
    state, start_events = started
    events = [*start_events, *_events(program, type_)]
    assert fl.due_flags(program, state, events, _event_driven_rules(), LATER) == []


@pytest.mark.parametrize("type_", sorted(fl.FLAG_CAUSES))
def test_each_flag_cause_can_raise_an_event_driven_flag(program, started, type_):
    state, start_events = started
    events = [*start_events, *_events(program, type_)]
    assert fl.due_flags(program, state, events, _event_driven_rules(), LATER) != []
