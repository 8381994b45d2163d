"""MomentState.with_batteries is `dataclasses.replace(state, batteries=…)`, without replace's per-field work."""
from __future__ import annotations

from dataclasses import fields, replace
from datetime import timedelta

from hypothesis import given, settings, strategies as st

from engine.model import frozen_map
from engine.moment.state import MomentState, ModuleState
from moment_builders import CLINICIAN, sthlm

START = sthlm(2026, 3, 2, 9)
IDS = st.frozensets(st.sampled_from(["uppfoljning-3m", "uppfoljning-6m", "a", "b"]), max_size=4)
STATES = st.builds(
    MomentState, program_id=st.just("tobakshjalpen"), program_version=st.sampled_from(["1.0.0", "2.0.0"]),
    started_at=st.just(START), clinician=st.just(CLINICIAN),
    status=st.sampled_from(["active", "maintenance", "ended"]),
    modules=st.just(frozen_map({"steg-1": ModuleState("steg-1", "current", "read_write", 7, START)})),
    submitted_forms=st.frozensets(st.sampled_from(["vanor", "stopp"])), batteries=IDS,
    ended_at=st.none() | st.just(START + timedelta(days=30)), linked=st.lists(st.text(max_size=3)).map(tuple))


@settings(max_examples=200, deadline=None)
@given(STATES, IDS)
def test_with_batteries_equals_replace_and_leaves_the_state_it_came_from_as_it_was(state, batteries):
    before = replace(state)
    changed = state.with_batteries(batteries)
    assert changed == replace(state, batteries=batteries)
    assert type(changed) is MomentState and changed.batteries is batteries
    assert [getattr(changed, f.name) for f in fields(MomentState) if f.name != "batteries"] == [
        getattr(state, f.name) for f in fields(MomentState) if f.name != "batteries"]
    assert state == before and state.batteries == before.batteries


def test_moment_state_has_no_post_init_that_with_batteries_would_skip():
    assert not hasattr(MomentState, "__post_init__")
