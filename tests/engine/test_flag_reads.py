"""flag_reads: what due_flags reads of the events, each rule's declaration checked against what it touches.

The web's tick reads back only what `EventsRead.needed` keeps of the stored events (web.services.core.
moment_batch.events), so a rule that reads an event type it does not declare would silently see too
little there. Every event here is wrapped so that each field read (other than its type) is recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

import pytest

from engine.localtime import iso
from engine.model import frozen_map
from engine.moment import flags as fl
from engine.moment.flag_reads import READS, READS_ACTIONS, EventsRead, events_read
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
    viewed = [e for e in needed if e.type == "step_viewed"]
    assert viewed and all(e.actor == PATIENT and e == Event("step_viewed", e.at, PATIENT) for e in viewed)


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
