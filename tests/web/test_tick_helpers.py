"""Shortcuts the tick's passes take equal what they stand for: the check that a battery start changed only the
batteries, each flag type's subscribers and the rules worked out once, the chunk's reads (empty lists read as
NULL, ids and times sent as array literals, planned with the indexes)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import select, text

from engine.model import frozen_map
from engine.moment.state import SYSTEM, Actor, Event, ModuleState, MomentState
from notify_support import personnummer, seed_unit, start
from web.extensions import db
from web.models import Enrollment, Event as EventRow, StepProgress
from web.content.programs import get_program
from web.services.core import moment_batch
from web.services.core.flags import Rules, rules_for
from web.services.core.rows import build_state, event_columns
from web.services.operations import tick_batch
from web.services.operations.seed_rows import insert_rows
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["patient_inactivity", "module_reminder", "form_saved"]),
                          st.integers(1, 4)), max_size=8))
def test_the_subscribers_of_a_flag_type_are_its_subscriptions_users_each_once_in_order(subscriptions):
    users = {i: SimpleNamespace(id=i) for i in range(1, 5)}
    owners = tuple(SimpleNamespace(id=100 + n, type=t, user_id=u, user=users[u])
                   for n, (t, u) in enumerate(subscriptions))
    rules = Rules((), owners)
    for flag_type in ("patient_inactivity", "module_reminder", "form_saved", "new_message"):
        matching = [s for s in owners if s.type == flag_type]  # as flags_to_raise asked each time before
        expected = (matching[0].id, list({s.user_id: s.user for s in matching}.values())) if matching else None
        found = rules.subscribers.get(flag_type)
        assert (found and (found[0], list(found[1]))) == expected


def test_moments_read_for_the_tick_keep_their_batteries_and_links_and_read_empty_ones_as_empty(app):
    """The tick reads empty JSON lists as NULL (nothing to decode): the states equal those built one by one,
    but for the step progress, which no decision of the tick reads (tests/engine/test_tick_reads.py)."""
    _, user = seed_unit()
    now = datetime(2026, 3, 2, 8, tzinfo=UTC)
    linked, plain = start(user, now, personnummer(1)), start(user, now, personnummer(2))
    linked.batteries, linked.linked = ["uppfoljning-3-manader"], [str(plain.id)]
    module = linked.modules[0].module_id
    db.session.add(StepProgress(enrollment_id=plain.id, module_id=module, step_id="s1", status="done"))
    db.session.commit()
    moments, broken = moment_batch.load([linked.id, plain.id], moment_batch.Cache())
    assert broken == {}
    assert moments[0].state.batteries == frozenset({"uppfoljning-3-manader"})
    assert moments[0].state.linked == (str(plain.id),)
    assert (moments[1].state.batteries, moments[1].state.linked) == (frozenset(), ())
    assert build_state(plain).steps == {f"{module}/s1": "done"} and moments[1].state.steps == {}
    assert [m.state for m in moments] == [replace(build_state(e), steps=frozen_map()) for e in (linked, plain)]
    # without the modules (the battery pass): the same but for them
    bare, _ = moment_batch.load([linked.id, plain.id], moment_batch.Cache(), modules=False)
    assert [m.state for m in bare] == [replace(m.state, modules=frozen_map()) for m in moments]
    assert all(m.state.modules for m in moments)


@pytest.mark.sqlite_only
def test_rules_known_by_their_list_of_subscriptions_are_those_of_that_list(app):
    """Cache.rules_of knows a shared list by identity; other lists (equal or not) get their own rules."""
    program = get_program("tobakshjalpen")
    subscription = lambda i, flag, **params: SimpleNamespace(  # noqa: E731
        id=i, type=flag, params=params, created_at=START, user_id=1, user=None)
    seven, three = [subscription(1, "patient_inactivity", days=7)], [subscription(2, "patient_inactivity", days=3)]
    cache = moment_batch.Cache()
    for subs in (seven, three, seven, list(seven), three, [], seven):
        for event_driven_only in (False, True):
            assert cache.rules_of(program, subs, event_driven_only) == rules_for(
                program, subs, event_driven_only=event_driven_only)


def test_the_passes_write_the_moments_times_exactly_none_and_microseconds_included(app):
    _, user = seed_unit()
    now = datetime(2026, 3, 2, 8, tzinfo=UTC)
    first, second = start(user, now, personnummer(1)), start(user, now, personnummer(2))
    later = datetime(2026, 3, 9, 10, 30, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    tick_batch._update_moments(("next_inactivity_at", "next_battery_at"), [
        {"eid": first.id, "next_inactivity_at": later, "next_battery_at": None},
        {"eid": second.id, "next_inactivity_at": None, "next_battery_at": now}])
    db.session.expire_all()
    assert (first.next_inactivity_at, first.next_battery_at) == (later, None)
    assert (second.next_inactivity_at, second.next_battery_at) == (None, now)
    assert first.next_inactivity_at.microsecond == 123456


def test_a_chunks_reads_are_planned_with_the_indexes_and_the_setting_is_put_back(app):
    if db.session.get_bind().dialect.name != "postgresql":
        with moment_batch.by_index():  # nothing to set on SQLite
            return
    setting = "SELECT current_setting('enable_seqscan')"
    assert db.session.execute(text(setting)).scalar_one() == "on"
    with moment_batch.by_index():
        assert db.session.execute(text(setting)).scalar_one() == "off"
    assert db.session.execute(text(setting)).scalar_one() == "on"
    db.session.rollback()


def _plain_by_recursion(value):
    """What rows._plain returned before its shortcut for plain values (the reference)."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if hasattr(value, "items"):
        return {str(k): _plain_by_recursion(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain_by_recursion(v) for v in value]
    return value


PLAIN = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4)
DATA = st.recursive(PLAIN, lambda inner: st.lists(inner, max_size=3).map(tuple)
                    | st.frozensets(PLAIN, max_size=3)
                    | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3).map(frozen_map),
                    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=5), DATA, max_size=4))
def test_an_events_data_is_stored_as_the_plain_values_the_recursion_made(data):
    columns = event_columns(Event("battery_started", START, SYSTEM, data=frozen_map(data)))
    assert columns["data"] == _plain_by_recursion(frozen_map(data))
    assert [type(v) for v in columns["data"].values()] == [type(v) for v in _plain_by_recursion(data).values()]


def test_a_battery_starts_events_are_kept_in_time_order_and_equal_times_in_the_order_written():
    """_Started._record keeps the moment's events as engine_events would read them back (by time, then id)."""
    at = [START + timedelta(hours=h) for h in range(4)]
    stored = [Event("flag_raised", at[1], SYSTEM), Event("step_viewed", at[3], SYSTEM)]
    started = tick_batch._Started(None, SimpleNamespace(state=BASE), stored, set(), [])
    started._record([Event("battery_started", at[3], SYSTEM), Event("form_opened", at[0], SYSTEM),
                     Event("answer_saved", at[1], SYSTEM)])
    assert [(e.type, e.at) for e in started.stored] == [
        ("form_opened", at[0]), ("flag_raised", at[1]), ("answer_saved", at[1]), ("step_viewed", at[3]),
        ("battery_started", at[3])]
    assert [e.type for e in started.events] == ["battery_started", "form_opened", "answer_saved"]


def test_among_matches_ids_and_strings_with_commas_and_quotes(app):
    """moment_batch.among: ids as one array literal, other values bound as an array (a literal would split them)."""
    _, user = seed_unit()
    first, second = start(user, START, personnummer(1)), start(user, START, personnummer(2))
    e = Enrollment.__table__.c
    ids = db.session.execute(select(e.id).where(moment_batch.among(e.id, [second.id, first.id, 10**6]))).scalars()
    assert sorted(ids) == sorted([first.id, second.id])
    found = db.session.execute(select(e.id).where(moment_batch.among(
        e.program_id, [first.program_id, 'x,"y', "{z}"]))).scalars()
    assert sorted(found) == sorted([first.id, second.id])


def test_rows_of_different_keys_are_copied_with_every_key_any_row_has(app):
    """seed_rows.insert_rows on PostgreSQL (COPY): the columns are the keys of all rows, in order of first
    appearance; a key a row lacks takes the column's default. (SQLite's executemany needs the same keys.)"""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    _, user = seed_unit()
    moment = start(user, START, personnummer(1))
    base = {"enrollment_id": moment.id, "type": "flag_raised", "at": START, "actor_kind": "system",
            "actor_id": "system", "actor_name": "Systemet"}
    insert_rows(EventRow, [{**base, "text": "a"}, {**base, "module_id": "steg-1"}, {**base, "data": {"cause": "c"}}])
    rows = db.session.execute(select(EventRow.text, EventRow.module_id, EventRow.data).where(
        EventRow.enrollment_id == moment.id, EventRow.type == "flag_raised").order_by(EventRow.id)).all()
    assert [tuple(r) for r in rows] == [("a", None, {}), ("", "steg-1", {}), ("", None, {"cause": "c"})]
