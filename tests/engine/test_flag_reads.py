"""flag_reads: what due_flags reads of the events, each rule's declaration checked against what it touches.

The web's tick reads back only what `EventsRead.needed` keeps of the stored events (web.services.core.
moment_batch.events), so a rule that reads an event type it does not declare would silently see too
little there. Every event here is wrapped so that each field read (other than its type) is recorded.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, timedelta
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.localtime import iso
from engine.model import frozen_map
from engine.moment import flags as fl
from engine.moment.flag_reads import (ACTIONS_APART, EPOCH, READS, READS_ACTIONS, EventsRead, events_read,
                                      union)
from engine.moment.flag_times import NOW_INDEPENDENT, next_due_at
from engine.moment import schedule as sc
from engine.moment.state import EVENT_TYPES, SYSTEM, Event
from moment_builders import CLINICIAN, PATIENT, sthlm

START = sthlm(2026, 3, 2, 9)
NOW = START + timedelta(days=80)
#: every rule type, with parameters that make it fire in the history below
RULES = (
    fl.FormSaved(), fl.FormReview(), fl.FormReview(days=3), fl.BatteryFormSaved(), fl.BatteryStarted(),
    fl.ActivitySaved(), fl.ModuleReminder(module="steg-1", days_before=2), fl.DateReminder(date=date(2026, 3, 10)),
    fl.PatientInactivity(days=7), fl.MomentEndingSoon(days=5), fl.ClinicianChanged(), fl.NewMessage(),
)
PLAN = sc.plan_from_dict({"id": "1", "name": "Promenad", "start": "2026-03-02", "elements": [{"kind": "registration"}],
                          "times": [{"time": "08:30", "weekdays": ["mon", "thu"]}], "flag_missed": True})


class Spy:
    """An event that records (its type, the field) for every field read other than its type."""

    def __init__(self, event: Event, touched: set[tuple[str, str]]):
        self._event, self._touched = event, touched

    @property
    def type(self) -> str:
        return self._event.type

    def __getattr__(self, name: str):
        self._touched.add((self._event.type, name))
        return getattr(self._event, name)


def check(program, state, rules, plans=()) -> list[fl.Flag]:
    """due_flags over the history: it reads in full exactly the declared types, of the others at most the
    time and actor (and only where the patient's actions are declared), and answers the same from
    `needed`; the flags."""
    touched: set[tuple[str, str]] = set()
    events = history()
    due = fl.due_flags(program, state, [Spy(e, touched) for e in events], rules, NOW, plans=plans)
    read = events_read(rules, plans=plans)
    assert {type_ for type_, field in touched if field not in ("at", "actor")} == read.types
    assert {field for type_, field in touched if type_ not in read.types} <= (
        {"at", "actor"} if read.actions else set())
    assert fl.due_flags(program, state, read.needed(events), rules, NOW, plans=plans) == due
    return due


def history() -> list[Event]:
    """Every event type by every kind of actor, with and without a battery, two hours apart, oldest first."""
    occurrence = iso(sc.occurrences(PLAN, START, NOW)[1])
    events, at = [], START + timedelta(hours=1)
    for type_ in EVENT_TYPES:
        for actor in (PATIENT, CLINICIAN, SYSTEM):
            for battery in (None, "uppfoljning-3m"):
                data = {"battery": battery, "plan": "1", "occurrence": occurrence, "to": "c2", "alerts": ("hogt",),
                        "conversation": None, "flag": "form_saved", "cause": f"form_saved:skal:{iso(at)}"}
                events.append(Event(type_, at, actor, module="steg-1", form="skal", data=frozen_map(data),
                                    text="Något hände"))
                at += timedelta(hours=2)
    # and one form never opened after it (every earlier one was opened within hours)
    return [*events, Event("form_submitted", at, PATIENT, module="steg-1", form="skal", text="Något hände")]


def test_the_rules_here_are_every_rule_type_and_each_declares_what_it_reads():
    assert {rule.type for rule in RULES} == set(fl.RULES) == set(READS)
    assert READS_ACTIONS <= set(READS)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.type)
def test_a_rule_reads_what_it_declares_and_nothing_else(program, started, rule):
    assert rule.type in {f.type for f in check(program, started[0], [rule])}  # the history makes each fire
    assert events_read([rule]).actions == (rule.type in READS_ACTIONS)


def test_missed_activities_read_only_the_registrations(program, started):
    assert fl.ACTIVITY_MISSED in {f.type for f in check(program, started[0], [], plans=[PLAN])}
    assert sc.REGISTRATION_EVENTS <= events_read([], plans=[PLAN]).types


def test_given_only_the_events_needed_due_flags_answers_the_same_with_every_rule(program, started):
    assert {f.type for f in check(program, started[0], RULES, plans=[PLAN])} == set(fl.LABELS)
    read, events = events_read(RULES, plans=[PLAN]), history()
    needed = read.needed(events)
    # a real restriction: other people's events of other types left out, the patient's bare
    assert read.actions and read.types < set(EVENT_TYPES)
    assert len(needed) < len(events)
    # (the step views among them: of the patient's actions only the first and last of each stretch are needed)
    bare = [e for e in needed if e.type not in read.types]
    assert bare and all(e.actor == PATIENT and e == Event(e.type, e.at, PATIENT) for e in bare)


def test_the_plans_registrations_are_read_only_for_an_active_plan_that_flags_missed_ones():
    assert not sc.REGISTRATION_EVENTS & events_read([fl.FormSaved()], plans=[]).types
    assert sc.REGISTRATION_EVENTS <= events_read([fl.FormSaved()], plans=[PLAN]).types
    quiet = sc.plan_from_dict({**sc.plan_to_dict(PLAN), "flag_missed": False})
    assert not sc.REGISTRATION_EVENTS & events_read([], plans=[quiet]).types


def test_a_rule_that_does_not_declare_what_it_reads_is_given_every_event():
    @dataclass(frozen=True, kw_only=True)
    class Undeclared(fl.FlagRule):
        type: ClassVar[str] = "undeclared"

    assert events_read([fl.FormSaved(), Undeclared()]) is None
    assert events_read([fl.FormSaved()]) is not None


def test_the_event_driven_rules_read_no_more_than_the_flag_causes_and_their_follow_ups():
    # the event-driven rules fire from FLAG_CAUSES; beyond those they read only what cancels a flag
    read = events_read([cls() for cls in fl.RULES.values() if not cls.time_driven])
    assert read == EventsRead(fl.FLAG_CAUSES | {"flag_raised", "form_opened"}, actions=False)


def test_the_spy_records_a_field_read_but_not_a_type_read():
    touched: set[tuple[str, str]] = set()
    spy = Spy(Event("step_viewed", START, PATIENT), touched)
    assert spy.type == "step_viewed" and touched == set()
    assert spy.at == START and touched == {("step_viewed", "at")}


def test_needed_keeps_the_order_and_the_read_events_whole():
    read = EventsRead(frozenset({"form_submitted"}), actions=True)
    submitted = Event("form_submitted", START, PATIENT, module="steg-1", form="skal", data=frozen_map({"a": 1}),
                      text="Skickade")
    viewed = Event("step_viewed", START, PATIENT, module="steg-1", step="motivation", text="Läste")
    opened = Event("form_opened", START, CLINICIAN, form="skal", text="Öppnade")
    assert read.needed([viewed, opened, submitted]) == [Event("step_viewed", START, PATIENT), submitted]
    assert EventsRead(frozenset({"form_submitted"})).needed([viewed, opened, submitted]) == [submitted]


def test_of_the_patients_actions_only_the_first_and_last_of_each_stretch_are_needed(program, started):
    # step views every two hours for twenty days, starting long before the subscription: of those before it the
    # first and the latest are kept (only the latest is needed), of the later ones the first and the last of each
    # stretch of under 7 days (at most three of them); the read form among them whole
    since = START + timedelta(days=20)
    rule = fl.PatientInactivity(days=7, since=since)
    read = events_read([rule])
    assert read.apart == timedelta(days=7, hours=-2) and read.before == since
    views = [Event("step_viewed", START + timedelta(days=6, hours=2 * i), PATIENT) for i in range(12 * 20)]
    submitted = Event("form_submitted", START + timedelta(days=7, hours=1), PATIENT, form="skal")
    events = sorted([*views, submitted], key=lambda e: e.at)
    needed = read.needed(events)
    assert submitted in needed and len(needed) <= 1 + 2 + 2 * 3
    assert [e for e in needed if e.at < read.before] == [views[0], submitted, max(
        (e for e in views if e.at < read.before), key=lambda e: e.at)]
    state = started[0]
    assert fl.due_flags(program, state, needed, [rule], NOW) == fl.due_flags(program, state, events, [rule], NOW)
    # every action told apart: a rule of 0 days without a subscription time (with one: only those before it not)
    assert events_read([fl.PatientInactivity(days=0)]).needed(events) == events
    assert events_read([fl.PatientInactivity(days=0, since=since)]) == EventsRead(read.types, True, None, since)
    assert events_read([rule, fl.PatientInactivity(days=0)]) == EventsRead(read.types, True, None, None)
    assert union([read, events_read([fl.FormSaved()])]) == read
    assert union([read, events_read([fl.PatientInactivity(days=1)])]).before is None
    assert set(ACTIONS_APART) <= READS_ACTIONS


def test_actions_just_over_a_stretch_apart_are_told_apart(program, started):
    # two views half an hour apart at the start of a stretch, the next one 7 days and 30 minutes later: that
    # one opens a new stretch (of `apart`, under 7 days), so the second view is kept and flagged from
    rule = fl.PatientInactivity(days=7)
    read = events_read([rule])
    first = EPOCH + (START + timedelta(days=10) - EPOCH) // read.apart * read.apart + timedelta(minutes=10)
    views = [Event("step_viewed", at, PATIENT) for at in (
        first, first + timedelta(minutes=30), first + timedelta(days=7, minutes=60))]
    assert read.needed(views) == views
    assert fl.cause_key(rule.type, 7, iso(views[1].at)) in {f.cause for f in fl.due_flags(
        program, started[0], views, [rule], NOW)}


#: the patient's actions (minutes apart): clusters, gaps within hours of 1, 2 or 7 days (either side, across
#: daylight saving time), and long silences
_GAPS = st.lists(st.one_of(st.integers(0, 180), *(st.integers(d * 1440 - 180, d * 1440 + 180) for d in (1, 2, 7)),
                           st.integers(0, 30 * 1440)), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=_GAPS, first=st.integers(-5 * 1440, 5 * 1440), autumn=st.booleans(),
       days=st.lists(st.sampled_from([0, 1, 2, 7]), min_size=1, max_size=2, unique=True),
       since=st.one_of(st.none(), st.integers(0, 90 * 1440)), now=st.integers(0, 150 * 1440),
       before=st.integers(-3 * 60, 3 * 60), utc=st.booleans(),
       submitted=st.sets(st.integers(0, 39), max_size=4))
def test_inactivity_flags_are_the_same_from_the_needed_actions(program, started, gaps, first, autumn, days, since,
                                                              now, before, utc, submitted):
    # in UTC as the database returns them, or in Stockholm's zone (where two times subtract as wall-clock times)
    start = sthlm(2026, 10, 18, 9) if autumn else sthlm(2026, 3, 22, 9)  # a week before daylight saving time
    zone = UTC if utc else start.tzinfo
    state = replace(started[0], started_at=start.astimezone(zone))
    at, events = start + timedelta(minutes=first), []
    for i, gap in enumerate(gaps):
        at = (at + timedelta(minutes=gap)).astimezone(zone)
        kind = "form_submitted" if i in submitted else "step_viewed"  # a read event among the bare ones
        events.append(Event(kind, at, PATIENT, form="skal" if kind == "form_submitted" else None))
        events.append(Event("form_opened", at + timedelta(minutes=5), CLINICIAN, form="skal"))
    events.sort(key=lambda e: e.at)
    if since is not None and events and since % 2:  # a subscription within hours of a stretch falling due
        since = int((events[since % len(events)].at - start) / timedelta(minutes=1)) + days[0] * 1440 + before
    rules = [fl.PatientInactivity(days=d, since=None if since is None else start + timedelta(minutes=since))
             for d in days]
    read, when = events_read(rules), start + timedelta(minutes=now)
    needed = read.needed(events)
    assert fl.due_flags(program, state, needed, rules, when) == fl.due_flags(program, state, events, rules, when)
    assert next_due_at(program, state, needed, rules, when, types=frozenset({"patient_inactivity"})) == next_due_at(
        program, state, events, rules, when, types=frozenset({"patient_inactivity"}))


def test_with_the_raised_causes_given_the_flag_raised_events_are_not_needed(program, started):
    # the web hands due_flags its Flag rows' causes (every flag_raised event is written with its Flag row), so
    # the tick reads no flag_raised events back: half the rows of a first tick's battery starts
    state, events = started[0], history()
    due = fl.due_flags(program, state, events, RULES, NOW, plans=[PLAN])
    assert len(due) > 3
    events = sorted([*events, *(fl.flag_event(f) for f in due[::2])], key=lambda e: e.at)  # half of them raised
    causes = {e.data.get("cause") for e in events if e.type == "flag_raised"}
    left = fl.due_flags(program, state, events, RULES, NOW, plans=[PLAN])
    assert left == due[1::2]
    read = events_read(RULES, plans=[PLAN], raised_given=True)
    assert read.types == events_read(RULES, plans=[PLAN]).types - {"flag_raised"}
    needed = read.needed(events)
    assert not [e for e in needed if e.type == "flag_raised"]
    assert fl.due_flags(program, state, needed, RULES, NOW, plans=[PLAN], raised=causes) == left
    # without the causes the raised flags would be raised again
    assert fl.due_flags(program, state, needed, RULES, NOW, plans=[PLAN]) == due
    # and next_due_at, which the tick asks with the same events, the same
    inactivity = [r for r in RULES if r.type in NOW_INDEPENDENT]
    assert next_due_at(program, state, needed, inactivity, NOW, types=NOW_INDEPENDENT, raised=causes) == next_due_at(
        program, state, events, inactivity, NOW, types=NOW_INDEPENDENT)
