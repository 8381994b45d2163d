"""mandatory_flags leaves out the causes already raised before writing their texts, and only those."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from engine.model import frozen_map
from engine.moment.mandatory_flags import mandatory_flags
from engine.moment.state import SYSTEM, Event
from moment_builders import PATIENT, build_program, sthlm

PROGRAM = build_program()
EVENTS = (
    Event("form_submitted", sthlm(2026, 3, 3, 12), PATIENT, form="vanor", data=frozen_map({"alerts": ["a1", "a2"]})),
    Event("battery_started", sthlm(2026, 3, 4, 9), SYSTEM, data=frozen_map({"battery": "uppfoljning-3m"})),
    Event("form_submitted", sthlm(2026, 3, 5, 12), PATIENT, form="okand", data=frozen_map({"alerts": ["a1"]})),
    Event("battery_started", sthlm(2026, 3, 6, 9), SYSTEM, data=frozen_map({"battery": "okant"})),
)
CAUSES = [fields[2] for fields in mandatory_flags(PROGRAM, EVENTS)]


def test_every_event_here_calls_for_a_flag_of_its_own():
    assert len(CAUSES) == len(set(CAUSES)) == 5


@settings(max_examples=100, deadline=None)
@given(st.sets(st.sampled_from(CAUSES)), st.sets(st.text(max_size=5)))
def test_raised_causes_are_left_out_and_the_rest_are_as_without_them(raised, others):
    expected = [fields for fields in mandatory_flags(PROGRAM, EVENTS) if fields[2] not in raised]
    assert list(mandatory_flags(PROGRAM, EVENTS, raised=raised | others)) == expected
