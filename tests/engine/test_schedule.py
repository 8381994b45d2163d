"""Activity plans: occurrences in Stockholm time across clock changes, statuses, registrations, flags."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.moment import flags as fl
from engine.moment import lifecycle as lc
from engine.moment import schedule as sc
from engine.errors import TransitionError
from moment_builders import CLINICIAN, PATIENT, sthlm

UTC = timezone.utc


def plan(**overrides):
    data = {
        "id": "narvaro", "name": "Närvaro",
        "elements": [{"kind": "registration", "text": "Har du varit rökfri i dag?"}],
        "start": "2026-03-23",
        "times": [{"time": "08:30", "weekdays": ["mon", "thu"]}],
        "fill_in_days": 1, "flag_missed": True, "may_skip": True,
    }
    data.update(overrides)
    return sc.plan_from_dict(data)


def test_monday_and_thursday_at_0830_across_the_march_clock_change():
    got = sc.occurrences(plan(), sthlm(2026, 3, 23), sthlm(2026, 4, 6))
    assert [t.isoformat() for t in got] == [
        "2026-03-23T08:30:00+01:00",
        "2026-03-26T08:30:00+01:00",
        "2026-03-30T08:30:00+02:00",
        "2026-04-02T08:30:00+02:00",
    ]
    assert [t.astimezone(UTC).strftime("%H:%M") for t in got] == ["07:30", "07:30", "06:30", "06:30"]


def test_occurrences_keep_their_wall_clock_time_across_the_october_clock_change():
    got = sc.occurrences(plan(start="2026-10-19"), sthlm(2026, 10, 22), sthlm(2026, 10, 27))
    assert [t.isoformat() for t in got] == ["2026-10-22T08:30:00+02:00", "2026-10-26T08:30:00+01:00"]


def test_a_slot_in_the_missing_hour_moves_forward_an_hour():
    night = plan(start="2026-03-29", times=[{"time": "02:30", "weekdays": ["sun"]}])
    got = sc.occurrences(night, sthlm(2026, 3, 29), sthlm(2026, 4, 6))
    assert [t.isoformat() for t in got] == ["2026-03-29T03:30:00+02:00", "2026-04-05T02:30:00+02:00"]


def test_every_second_week_until_a_date():
    p = plan(start="2026-03-02", every_weeks=2, until="2026-03-30")
    got = sc.occurrences(p, sthlm(2026, 1, 1), sthlm(2026, 12, 31))
    assert [t.date() for t in got] == [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 16),
                                       date(2026, 3, 19), date(2026, 3, 30)]


def test_occurrence_status_follows_the_fill_in_window():
    p = plan()
    t = sthlm(2026, 3, 30, 8, 30)
    assert sc.occurrence_status(p, t, [], sthlm(2026, 3, 30, 8)) == "upcoming"
    assert sc.occurrence_status(p, t, [], sthlm(2026, 3, 30, 9)) == "due"
    assert sc.occurrence_status(p, t, [], sthlm(2026, 3, 31, 23, 59)) == "late"
    assert sc.occurrence_status(p, t, [], sthlm(2026, 4, 1, 0, 0)) == "missed"
    assert sc.window_end(p, t) == sthlm(2026, 4, 1)


@pytest.mark.parametrize("changes, message", [
    ({"times": [{"time": "08:15", "weekdays": ["mon"]}]},
     "Tidpunkt 08:15: ange hel eller halvtimme, exempelvis 14:00, 17:30, 09:30"),
    ({"times": [{"time": "08:00", "weekdays": []}]}, "välj minst en veckodag"),
    ({"times": [{"time": "08:00", "weekdays": ["måndag"]}]}, "Okänd veckodag 'måndag'"),
    ({"times": []}, "ange minst en tidpunkt"),
    ({"until": "2026-03-01"}, "Slutdatum 2026-03-01 ligger före startdatum 2026-03-23"),
    ({"every_weeks": 0}, "Intervall måste vara minst varje vecka"),
    ({"elements": [{"kind": "video"}]}, "Okänt innehållselement 'video'"),
    ({"elements": [{"kind": "scale", "text": "Sug", "min": 5, "max": 5}]}, "behöver min och max"),
    ({"elements": []}, "lägg till minst ett innehållselement"),
    ({"fill_in_days": -1}, "0 eller mer"),
])
def test_invalid_plans_are_rejected_with_swedish_messages(changes, message):
    with pytest.raises(sc.PlanError, match=message):
        plan(**changes)


def test_plans_round_trip_through_plain_data():
    p = plan(until="2026-06-30", every_weeks=3)
    assert sc.plan_from_dict(sc.plan_to_dict(p)) == p


def _moment(program):
    t = lc.start(program, now=sthlm(2026, 3, 20, 9), clinician=CLINICIAN)
    state, events = t.state, list(t.events)
    added = sc.add_activity_plan(program, state, plan(), now=sthlm(2026, 3, 20, 10), actor=CLINICIAN)
    assert [e.text for e in added.events] == ["Aktivitetsplan Närvaro skapades"]
    return added.state, [*events, *added.events]


def test_registering_takes_the_oldest_open_occurrence(program):
    state, events = _moment(program)
    t = sc.register_activity(program, state, plan(), events, now=sthlm(2026, 3, 24, 7), actor=PATIENT,
                             values={"0": True})
    assert [e.text for e in t.events] == ["Aktivitet Närvaro registrerades (tillfälle 2026-03-23 08:30)"]
    assert t.state.last_active == sthlm(2026, 3, 24, 7)
    events += t.events
    assert sc.occurrence_status(plan(), sthlm(2026, 3, 23, 8, 30), events, sthlm(2026, 3, 24, 7)) == "done"
    with pytest.raises(TransitionError, match="inget tillfälle att fylla i nu"):
        sc.register_activity(program, t.state, plan(), events, now=sthlm(2026, 3, 24, 8), actor=PATIENT)


def test_registering_a_named_occurrence_checks_its_window(program):
    state, events = _moment(program)
    with pytest.raises(TransitionError, match="har inte börjat ännu"):
        sc.register_activity(program, state, plan(), events, now=sthlm(2026, 3, 26, 8),
                             actor=PATIENT, occurrence=sthlm(2026, 3, 26, 8, 30))
    with pytest.raises(TransitionError, match="kunde fyllas i till 2026-03-25 00:00"):
        sc.register_activity(program, state, plan(), events, now=sthlm(2026, 3, 26, 9),
                             actor=PATIENT, occurrence=sthlm(2026, 3, 23, 8, 30))
    with pytest.raises(TransitionError, match="inget tillfälle 2026-03-24 08:30"):
        sc.register_activity(program, state, plan(), events, now=sthlm(2026, 3, 26, 9),
                             actor=PATIENT, occurrence=sthlm(2026, 3, 24, 8, 30))


def test_skipping_and_comments_follow_the_settings(program):
    state, events = _moment(program)
    t = sc.skip_activity(program, state, plan(), events, now=sthlm(2026, 3, 23, 9), actor=PATIENT)
    assert [e.text for e in t.events] == ["Aktivitet Närvaro hoppades över (tillfälle 2026-03-23 08:30)"]
    strict = plan(may_skip=False)
    with pytest.raises(TransitionError, match="tillåter inte att invånaren hoppar över"):
        sc.skip_activity(program, state, strict, events, now=sthlm(2026, 3, 23, 9), actor=PATIENT)
    with pytest.raises(TransitionError, match="tillåter inte kommentarer"):
        sc.register_activity(program, state, plan(), events, now=sthlm(2026, 3, 23, 9), actor=PATIENT,
                             comment="Bra dag")


def test_a_missed_activity_flags_the_clinician_once(program):
    state, events = _moment(program)
    p = plan()
    flags_seen = []
    now = sthlm(2026, 3, 20, 12)
    while now < sthlm(2026, 4, 3):
        if now == sthlm(2026, 3, 23, 12):  # the first occurrence is registered, the others are not
            t = sc.register_activity(program, state, p, events, now=now, actor=PATIENT)
            state, events = t.state, [*events, *t.events]
        due = fl.due_flags(program, state, events, [], now, plans=[p])
        flags_seen += due
        events += [fl.flag_event(f) for f in due]
        now += timedelta(hours=12)
    assert [(f.type, f.at) for f in flags_seen] == [
        ("activity_missed", sthlm(2026, 3, 28)),   # Thursday 26 March, window closed Saturday 00:00
        ("activity_missed", sthlm(2026, 4, 1)),    # Monday 30 March (after the clock change)
    ]
    assert flags_seen[1].text == ("Invånaren missade aktiviteten Närvaro 2026-03-30 08:30 "
                                  "(kunde fyllas i till 2026-04-01 00:00).")
    assert fl.LABELS[flags_seen[0].type] == "Missad aktivitet"


def test_no_missed_activity_flag_when_the_setting_is_off(program):
    state, events = _moment(program)
    p = plan(flag_missed=False)
    assert fl.due_flags(program, state, events, [], sthlm(2026, 4, 20), plans=[p]) == []


def test_a_deactivated_plan_cannot_be_registered(program):
    state, events = _moment(program)
    with pytest.raises(TransitionError, match="är inte aktiverad"):
        sc.register_activity(program, state, plan(active=False), events, now=sthlm(2026, 3, 23, 9),
                             actor=PATIENT)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    hour=st.integers(0, 23),
    half=st.booleans(),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    every=st.integers(1, 4),
)
def test_occurrences_are_on_the_slot_weekdays_at_the_slot_wall_time(start, hour, half, weekdays, every):
    clock = time(hour, 30 if half else 0)
    p = sc.ActivityPlan("p", "P", (sc.ContentElement("registration", "R"),), start,
                        (sc.TimeSlot(clock, tuple(sorted(weekdays))),), every_weeks=every)
    begin = datetime.combine(start, time(0), tzinfo=sthlm(2026, 1, 1).tzinfo)
    got = sc.occurrences(p, begin, begin + timedelta(days=70))
    assert got == sorted(set(got))
    assert len(got) >= len(weekdays) * (70 // (7 * every)) - len(weekdays)
    for t in got:
        assert t.weekday() in weekdays
        # only the hour that does not exist in spring moves (forward by one hour)
        assert (t.hour, t.minute) == (hour, clock.minute) or (hour == 2 and t.hour == 3)
        weeks = (t.date() - (start - timedelta(days=start.weekday()))).days // 7
        assert weeks % every == 0
