"""The battery pass's check that a start changed only the batteries equals the dataclass comparison it stands for."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings, strategies as st

from engine.model import frozen_map
from engine.moment.state import Actor, ModuleState, MomentState
from web.services.operations.tick_batch import only_batteries_changed

START = datetime(2026, 3, 2, 8, tzinfo=UTC)
BASE = MomentState("tobakshjalpen", "2.0.0", START, Actor("clinician", "1", "Sanna", "Enheten"),
                   modules=frozen_map({"steg-1": ModuleState("steg-1", "current", "read_write", 7, START)}),
                   batteries=frozenset({"b1"}))
#: one change of each kind a start could make besides its batteries (and the batteries themselves)
CHANGES = {
    "batteries": {"batteries": frozenset({"b1", "b2"})},
    "status": {"status": "ended"},
    "ended_at": {"ended_at": START + timedelta(days=3)},
    "last_active": {"last_active": START + timedelta(hours=1)},
    "modules": {"modules": frozen_map({"steg-1": ModuleState("steg-1", "completed", "read_only", 7, START)})},
    "steps": {"steps": frozen_map({"steg-1/a": "done"})},
    "submitted_forms": {"submitted_forms": frozenset({"vanor"})},
    "anchor_dates": {"anchor_dates": frozen_map({"stopp/stoppdag": START.date()})},
    "clinician": {"clinician": Actor("clinician", "2", "Olle", "Enheten")},
    "linked": {"linked": ("x",)},
}


@settings(max_examples=200, deadline=None)
@given(st.sets(st.sampled_from(sorted(CHANGES))))
def test_only_batteries_changed_is_the_comparison_of_the_states_with_the_batteries_put_back(kinds):
    after = BASE
    for kind in sorted(kinds):
        after = replace(after, **CHANGES[kind])
    assert only_batteries_changed(BASE, after) == (replace(after, batteries=BASE.batteries) == BASE)
    assert only_batteries_changed(BASE, after) == (kinds <= {"batteries"})
