"""Reminders and batteries anchored to an answered date (the stop day): loading with located errors,
due times with and without the answer, batteries that start themselves and flag the clinician, and
"Moment snart slut" when the last follow-up runs past the recommended length."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from engine.errors import TransitionError
from engine.loader import check_text, load_text
from engine.localtime import add_local_days
from engine.model import Anchor, AutoStart, Battery, Form, Question, Reminder, frozen_map
from engine.moment import flags as fl
from engine.moment import lifecycle as lc
from engine.moment.anchors import anchor_dates_from, planned_end, program_anchors, scheduled_at
from engine.moment.batteries import DueBattery, due_batteries, next_battery_at, start_battery
from engine.moment.reminders import due_reminders
from engine.moment.rules import moment_status
from engine.moment.state import SYSTEM
from engine.moment.subscriptions import parse_subscription
from moment_builders import CLINICIAN, MINI_CONTENT, PATIENT, build_program, mini_yaml, sthlm

CONTENT = MINI_CONTENT
START = sthlm(2026, 3, 2, 9)
STOP_DAY = Anchor("stopp", "stoppdag")
STOPP = Form("stopp", "Min stoppdag", (Question("stoppdag", "date", "Vilken dag?"),), resubmit=True)


def _program(**overrides):
    """The test program with the stop-day form in step 1.3, a reminder and a battery 90 days after it."""
    base = build_program()
    stoppdagen = replace(base.step("steg-1", "stoppdagen"), forms=("stopp",))
    modules = tuple(replace(m, steps=(*m.steps[:2], stoppdagen)) if m.id == "steg-1" else m for m in base.modules)
    fields = dict(
        modules=modules, forms=frozen_map({**base.forms, "stopp": STOPP}),
        reminders=(Reminder("tre-manader", "Dags för uppföljning", anchor=STOP_DAY, days_after_anchor=90),),
        batteries=(Battery("uppfoljning-3m", "Uppföljning 3 månader", ("uppfoljning",), "steg-2",
                           AutoStart(anchor=STOP_DAY, days_after_anchor=90)),),
    )
    fields.update(overrides)
    return build_program(**fields)


def _started(program):
    return lc.start(program, now=START, clinician=CLINICIAN).state


def _with_stop_day(program, day=date(2026, 3, 16), at=sthlm(2026, 3, 5, 20)):
    return lc.submit_form(program, _started(program), "stopp", {"stoppdag": day}, now=at, actor=PATIENT).state


# ---------------------------------------------------------------- the answered dates

def test_submitting_the_form_keeps_the_anchor_date_and_a_resubmission_replaces_it():
    program = _program()
    state = _with_stop_day(program)
    assert dict(state.anchor_dates) == {"stopp/stoppdag": date(2026, 3, 16)}
    state = lc.submit_form(program, state, "stopp", {"stoppdag": date(2026, 3, 20)}, now=sthlm(2026, 3, 6, 8),
                           actor=PATIENT).state
    assert dict(state.anchor_dates) == {"stopp/stoppdag": date(2026, 3, 20)}
    state = lc.submit_form(program, state, "stopp", {}, now=sthlm(2026, 3, 6, 9), actor=PATIENT).state
    assert dict(state.anchor_dates) == {}


def test_anchor_dates_from_stored_answers_read_the_newest_answer_of_each_anchor():
    program = _program()
    assert program_anchors(program) == (STOP_DAY,)
    stored = {"stopp": {"stoppdag": "2026-03-16"}, "skal": {"viktigt": 8}}
    assert dict(anchor_dates_from(program, stored)) == {"stopp/stoppdag": date(2026, 3, 16)}
    assert dict(anchor_dates_from(program, {"stopp": {"stoppdag": None}})) == {}


# ---------------------------------------------------------------- reminders

def test_an_anchored_reminder_is_due_at_nine_ninety_days_after_the_answered_date():
    program = _program()
    state = _with_stop_day(program)
    # 16 March + 90 days = 14 June (15 + 30 + 31 + 14), summer time
    assert due_reminders(program, state, sthlm(2026, 6, 14, 8, 59)) == []
    due = due_reminders(program, state, sthlm(2026, 6, 14, 9))
    assert [(d.reminder.id, d.at, d.key) for d in due] == [
        ("tre-manader", sthlm(2026, 6, 14, 9), "reminder:tre-manader:2026-03-02T09:00:00+01:00")]


def test_an_anchored_reminder_falls_back_to_the_moment_start_while_the_date_is_unanswered():
    program = _program()
    state = _started(program)
    # 2 March + 90 days = 31 May (29 + 30 + 31), at the time the moment started
    assert due_reminders(program, state, sthlm(2026, 5, 31, 8, 59)) == []
    assert [d.at for d in due_reminders(program, state, sthlm(2026, 5, 31, 9))] == [sthlm(2026, 5, 31, 9)]


# ---------------------------------------------------------------- batteries that start themselves

def test_a_battery_starts_itself_at_its_anchored_time_once_and_only_in_an_active_moment():
    program = _program()
    state = _with_stop_day(program)
    assert due_batteries(program, state, sthlm(2026, 6, 14, 8, 59)) == []
    due = due_batteries(program, state, sthlm(2026, 6, 15, 12))
    assert [(d.battery.id, d.at) for d in due] == [("uppfoljning-3m", sthlm(2026, 6, 14, 9))]
    t = start_battery(program, state, "uppfoljning-3m", now=sthlm(2026, 6, 15, 12), actor=SYSTEM)
    assert t.events[0].text == "Mätbatteri Uppföljning 3 månader startades automatiskt"
    assert t.events[0].data["auto"] is True
    assert due_batteries(program, t.state, sthlm(2026, 6, 16)) == []
    ended = lc.end(program, state, "genomford", now=sthlm(2026, 6, 1), actor=CLINICIAN).state
    assert due_batteries(program, ended, sthlm(2026, 6, 15, 12)) == []


def test_a_battery_the_clinician_started_early_is_not_started_again():
    program = _program()
    state = start_battery(program, _started(program), "uppfoljning-3m", now=sthlm(2026, 4, 1), actor=CLINICIAN).state
    assert due_batteries(program, state, sthlm(2026, 7, 1)) == []
    with pytest.raises(TransitionError):
        start_battery(program, state, "uppfoljning-3m", now=sthlm(2026, 7, 1), actor=SYSTEM)


def test_a_battery_started_by_the_system_flags_the_clinician_without_a_subscription_and_once_with_one():
    program = _program()
    t = start_battery(program, _with_stop_day(program), "uppfoljning-3m", now=sthlm(2026, 6, 14, 9), actor=SYSTEM)
    flags = fl.due_flags(program, t.state, t.events, [], sthlm(2026, 6, 14, 9))
    assert [(f.type, f.label, f.cause, f.text) for f in flags] == [(
        "battery_started", "Nytt mätbatteri startat", "battery_started:uppfoljning-3m:2026-06-14T09:00:00+02:00",
        "Mätbatteriet Uppföljning 3 månader startade automatiskt 2026-06-14 09:00.")]
    subscribed = [parse_subscription(program, {"flag": "battery_started"}, since=START)]
    assert len(fl.due_flags(program, t.state, t.events, subscribed, sthlm(2026, 6, 14, 9))) == 1


def test_a_battery_the_clinician_starts_flags_only_subscribers():
    program = _program()
    t = start_battery(program, _started(program), "uppfoljning-3m", now=sthlm(2026, 4, 1), actor=CLINICIAN)
    assert fl.due_flags(program, t.state, t.events, [], sthlm(2026, 4, 2)) == []


# ---------------------------------------------------------------- the moment's planned end

def test_moment_ending_soon_waits_for_a_follow_up_past_the_recommended_length():
    program = _program()  # recommended 70 days: 11 May
    state = _with_stop_day(program)
    assert planned_end(program, state) == sthlm(2026, 6, 14, 9)
    rule = [parse_subscription(program, {"flag": "moment_ending_soon", "days": 7}, since=START)]
    assert fl.due_flags(program, state, [], rule, sthlm(2026, 6, 7, 8, 59)) == []
    flags = fl.due_flags(program, state, [], rule, sthlm(2026, 6, 7, 9))
    assert [(f.at, f.text) for f in flags] == [(
        sthlm(2026, 6, 7, 9),
        "Momentets sista uppföljning är om 7 dagar, 2026-06-14 (rekommenderad längd 70 dagar, 2026-05-11).")]


def test_moment_ending_soon_keeps_the_recommended_length_when_every_follow_up_lies_within_it():
    program = _program(batteries=(), reminders=(
        Reminder("tidig", "Tidig", anchor=STOP_DAY, days_after_anchor=30),))
    state = _with_stop_day(program)  # 16 March + 30 = 15 April, before 11 May
    assert planned_end(program, state) == sthlm(2026, 5, 11, 9)
    rule = [parse_subscription(program, {"flag": "moment_ending_soon", "days": 7}, since=START)]
    assert [(f.at, f.text) for f in fl.due_flags(program, state, [], rule, sthlm(2026, 5, 4, 9))] == [(
        sthlm(2026, 5, 4, 9), "Momentet når rekommenderad längd (70 dagar) om 7 dagar, 2026-05-11.")]


def test_days_in_the_moment_keep_counting_past_the_recommended_length():
    state = _with_stop_day(_program())
    assert lc.days_in_moment(state, sthlm(2026, 6, 14, 9)) == 104  # 29 + 30 + 31 + 14 from 2 March


# ---------------------------------------------------------------- loading

PROGRAM = mini_yaml("stopp") + """  - id: stopp
    title: Stoppdag
    questions:
      - {id: stoppdag, type: date, text: Stoppdag}
      - {id: hur, type: scale, text: Hur säker, min: 0, max: 10}
batteries:
  - id: tre
    title: Tre månader
    forms: [stopp]
    auto_start: {anchor: {form: stopp, question: stoppdag}, days_after_anchor: 90}
reminders:
  - id: tre
    title: Dags
    anchor: {form: stopp, question: stoppdag}
    days_after_anchor: 90
"""


def load(source: str):
    return check_text(source, "p.yaml", content_dir=CONTENT)


def test_anchored_reminders_and_auto_started_batteries_are_loaded():
    program = load_text(PROGRAM, "p.yaml", content_dir=CONTENT)
    assert program.reminders == (Reminder("tre", "Dags", anchor=Anchor("stopp", "stoppdag"), days_after_anchor=90),)
    assert program.battery("tre").auto_start == AutoStart(anchor=Anchor("stopp", "stoppdag"), days_after_anchor=90)


@pytest.mark.parametrize("change, expected", [
    (("    anchor: {form: stopp, question: stoppdag}", "    anchor: {form: stop, question: stoppdag}"),
     "p.yaml:27:20: error: unknown form 'stop' in the anchor of reminder 'tre'; did you mean 'stopp'?"),
    (("    anchor: {form: stopp, question: stoppdag}", "    anchor: {form: stopp, question: stopdag}"),
     "p.yaml:27:37: error: form 'stopp' has no question 'stopdag' (the anchor of reminder 'tre'); "
     "did you mean 'stoppdag'?"),
    (("    anchor: {form: stopp, question: stoppdag}", "    anchor: {form: stopp, question: hur}"),
     "p.yaml:27:37: error: the anchor of reminder 'tre' must be a date question; 'hur' in form 'stopp' is scale"),
    (("    days_after_anchor: 90\n", ""),
     "p.yaml:27:13: error: reminder 'tre': anchor needs days_after_anchor"),
    (("    days_after_anchor: 90\n", "    days_after_anchor: 90\n    days_after_start: 90\n"),
     "p.yaml:28:24: error: reminder 'tre' has both days_after_start and days_after_anchor; keep one"),
    (("auto_start: {anchor: {form: stopp, question: stoppdag}, days_after_anchor: 90}", "auto_start: {}"),
     "p.yaml:23:17: error: auto_start of battery 'tre' needs days_after_start or days_after_anchor"),
    (("{form: stopp, question: stoppdag}, days_after_anchor: 90}", "{form: stopp, question: hur}, days_after_anchor: 90}"),
     "p.yaml:23:50: error: the anchor of battery 'tre' must be a date question; 'hur' in form 'stopp' is scale"),
    (("days_after_anchor: 90}", "days_after_anchr: 90}"),
     "p.yaml:23:61: error: unknown key 'days_after_anchr' in auto start; did you mean 'days_after_anchor'?"),
])
def test_anchor_mistakes_are_located(change, expected):
    program, problems = load(PROGRAM.replace(*change, 1))
    assert program is None
    assert expected in [p.format() for p in problems]


FIRST = Anchor("stopp", "stoppdag", "first")
TIMING = st.one_of(st.tuples(st.integers(0, 800), st.none(), st.none()),
                   st.tuples(st.none(), st.sampled_from([STOP_DAY, FIRST]), st.integers(0, 800)),
                   st.tuples(st.none(), st.none(), st.none()))


def _planned_end_by_every_timing(program, state):
    """planned_end as first written: every timing converted, then the latest (what the grouped one must equal)."""
    times = [scheduled_at(state, days_after_start=r.days_after_start, anchor=r.anchor,
                          days_after_anchor=r.days_after_anchor) for r in program.reminders]
    times += [scheduled_at(state, days_after_start=b.auto_start.days_after_start, anchor=b.auto_start.anchor,
                           days_after_anchor=b.auto_start.days_after_anchor)
              for b in program.batteries if b.auto_start is not None]
    if program.recommended_days:
        times.append(add_local_days(state.started_at, program.recommended_days))
    known = [t for t in times if t is not None]
    return max(known) if known else None


#: a moment's start and its answered anchor dates, as the equivalence properties below draw them
STARTED = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31))
ANSWERED = st.dictionaries(st.sampled_from([STOP_DAY.key, FIRST.key]),
                           st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)))


@settings(max_examples=300, deadline=None)
@given(started=STARTED, answered=ANSWERED,
       reminders=st.lists(TIMING, max_size=4), batteries=st.lists(TIMING, max_size=4),
       recommended=st.integers(0, 800))
def test_the_planned_end_is_the_latest_of_every_timing_converted(started, answered, reminders, batteries, recommended):
    program = _program(
        recommended_days=recommended,
        reminders=tuple(Reminder(f"r{i}", "R", days_after_start=s, anchor=a, days_after_anchor=d)
                        for i, (s, a, d) in enumerate(reminders)),
        batteries=tuple(Battery(f"b{i}", "B", ("uppfoljning",), None, AutoStart(s, a, d) if i % 3 else None)
                        for i, (s, a, d) in enumerate(batteries)))
    state = replace(_started(program), started_at=started.replace(tzinfo=UTC), anchor_dates=frozen_map(answered))
    expected = _planned_end_by_every_timing(program, state)
    assert planned_end(program, state) == expected
    assert (planned_end(program, state) or started).utcoffset() == (expected or started).utcoffset()


def _due_batteries_by_every_timing(program, state, now):
    """due_batteries as first written: every battery's time converted (what the one that stops early must equal)."""
    if moment_status(state, now) != "active":
        return []
    found = []
    for battery in program.batteries:
        auto = battery.auto_start
        if auto is None or battery.id in state.batteries:
            continue
        at = scheduled_at(state, days_after_start=auto.days_after_start, anchor=auto.anchor,
                          days_after_anchor=auto.days_after_anchor)
        if at is not None and at <= now:
            found.append(DueBattery(battery, max(at, state.started_at)))
    return sorted(found, key=lambda d: (d.at, d.battery.id))


def _next_battery_by_every_timing(program, state):
    if state.ended_at is not None:
        return None
    times = [scheduled_at(state, days_after_start=b.auto_start.days_after_start, anchor=b.auto_start.anchor,
                          days_after_anchor=b.auto_start.days_after_anchor)
             for b in program.batteries if b.auto_start is not None and b.id not in state.batteries]
    known = [t for t in times if t is not None]
    return min(known) if known else None


@settings(max_examples=300, deadline=None)
@given(started=STARTED, answered=ANSWERED,
       batteries=st.lists(TIMING, max_size=6), started_ids=st.sets(st.integers(0, 5)),
       after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1200)))
def test_due_and_next_batteries_are_those_of_every_timing_converted(started, answered, batteries, started_ids, after):
    program = _program(batteries=tuple(
        Battery(f"b{i}", "B", ("uppfoljning",), None, AutoStart(s, a, d) if i % 4 != 3 else None)
        for i, (s, a, d) in enumerate(batteries)))
    state = replace(_started(program), started_at=started.replace(tzinfo=UTC), anchor_dates=frozen_map(answered),
                    batteries=frozenset(f"b{i}" for i in started_ids))
    now = state.started_at + after
    assert due_batteries(program, state, now) == _due_batteries_by_every_timing(program, state, now)
    assert next_battery_at(program, state) == _next_battery_by_every_timing(program, state)


@pytest.mark.parametrize("pick, key", [("newest", "stopp/stoppdag"), ("first", "stopp/stoppdag@first")])
def test_an_anchors_key_is_remembered_and_its_equality_and_hash_ignore_that(pick, key):
    anchor = Anchor("stopp", "stoppdag", pick)
    assert anchor.key == key and anchor.key is anchor.key
    fresh = Anchor("stopp", "stoppdag", pick)
    assert anchor == fresh and hash(anchor) == hash(fresh) and {anchor: 1}[fresh] == 1
    assert replace(anchor, question="annan").key == key.replace("stoppdag", "annan")
