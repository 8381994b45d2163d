"""Notice timing: quiet hours across midnight and clock changes, backoff, due patient reminders."""
from __future__ import annotations

from datetime import time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.moment import lifecycle as lc
from engine.moment import reminders as nt
from engine.moment import schedule as sc
from engine.model import Reminder
from moment_builders import CLINICIAN, PATIENT, build_program, sthlm

UTC = timezone.utc
QUIET = nt.QuietHours(time(21, 0), time(8, 0))


def test_an_sms_at_half_past_nine_in_the_evening_waits_until_eight_the_next_morning():
    assert nt.next_allowed(sthlm(2026, 5, 4, 21, 30), QUIET) == sthlm(2026, 5, 5, 8)


def test_an_sms_after_midnight_waits_until_eight_the_same_morning():
    assert nt.next_allowed(sthlm(2026, 5, 5, 3, 15), QUIET) == sthlm(2026, 5, 5, 8)


def test_an_sms_in_the_daytime_is_not_postponed():
    at = sthlm(2026, 5, 5, 8)
    assert nt.next_allowed(at, QUIET) is at
    assert nt.next_allowed(sthlm(2026, 5, 5, 20, 59), QUIET) == sthlm(2026, 5, 5, 20, 59)


def test_quiet_hours_end_at_eight_local_time_on_the_night_the_clocks_go_forward():
    got = nt.next_allowed(sthlm(2026, 3, 28, 22), QUIET)
    assert got.astimezone(UTC).isoformat() == "2026-03-29T06:00:00+00:00"
    got = nt.next_allowed(sthlm(2026, 10, 24, 22), QUIET)
    assert got.astimezone(UTC).isoformat() == "2026-10-25T07:00:00+00:00"


def test_quiet_hours_are_read_in_stockholm_time_whatever_zone_the_instant_has():
    # 19:30 UTC in May is 21:30 in Stockholm
    at = sthlm(2026, 5, 4, 21, 30).astimezone(UTC)
    assert nt.next_allowed(at, QUIET) == sthlm(2026, 5, 5, 8)


@given(st.datetimes(min_value=sthlm(2025, 1, 1).replace(tzinfo=None),
                    max_value=sthlm(2028, 1, 1).replace(tzinfo=None), timezones=st.just(UTC)))
def test_the_next_allowed_time_is_never_earlier_never_quiet_and_at_most_eleven_hours_away(at):
    got = nt.next_allowed(at, QUIET)
    assert got >= at
    assert not QUIET.contains(got)
    assert got - at <= timedelta(hours=12)  # 11 h window, plus the hour a clock change can add


def test_a_window_inside_one_day_and_no_window_at_all():
    lunch = nt.QuietHours(time(12, 0), time(13, 0))
    assert nt.next_allowed(sthlm(2026, 5, 5, 12, 30), lunch) == sthlm(2026, 5, 5, 13)
    assert nt.next_allowed(sthlm(2026, 5, 5, 22), None) == sthlm(2026, 5, 5, 22)


def test_quiet_hours_are_parsed_from_text_and_bad_text_is_rejected_with_the_expected_form():
    assert nt.parse_quiet_hours("21:00-08:00") == QUIET
    assert nt.parse_quiet_hours(" 22:30 – 07:00 ") == nt.QuietHours(time(22, 30), time(7, 0))
    assert nt.parse_quiet_hours("off") is None
    assert nt.parse_quiet_hours("") is None
    with pytest.raises(nt.QuietHoursError, match=r"expected HH:MM-HH:MM such as 21:00-08:00, received '9-17'"):
        nt.parse_quiet_hours("9-17")
    with pytest.raises(nt.QuietHoursError, match="received '25:00-08:00'"):
        nt.parse_quiet_hours("25:00-08:00")


def test_backoff_doubles_from_one_minute_and_stops_at_six_hours():
    got = [nt.retry_delay(n) for n in (1, 2, 3, 4, 10, 1000)]
    assert got == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8),
                   timedelta(hours=6), timedelta(hours=6)]
    with pytest.raises(ValueError):
        nt.retry_delay(0)


# --- patient reminders ------------------------------------------------------------------------

REMINDERS = (
    Reminder("tre-manader", "Uppföljning efter 3 månader", "steg-2", days_after_start=90),
    Reminder("en-vecka", "En vecka", None, days_after_start=7),
    Reminder("steg-1-snart", "Steg 1 snart slut", "steg-1", days_before_deadline=2),
)


@pytest.fixture
def moment():
    program = build_program(reminders=REMINDERS, recommended_days=365)
    return program, lc.start(program, now=sthlm(2026, 3, 2, 10), clinician=CLINICIAN).state


def _keys(due):
    return [(d.reminder.id, d.at) for d in due]


def test_a_reminder_after_start_is_due_that_many_calendar_days_later_at_the_same_time(moment):
    program, state = moment
    before = nt.due_reminders(program, state, sthlm(2026, 3, 9, 9, 59))
    assert "en-vecka" not in [d.reminder.id for d in before]
    due = nt.due_reminders(program, state, sthlm(2026, 3, 9, 10))
    assert ("en-vecka", sthlm(2026, 3, 9, 10)) in _keys(due)


def test_a_deadline_reminder_is_due_at_nine_on_the_day_two_days_are_left(moment):
    program, state = moment
    # Steg 1 opened 2026-03-02 with 7 days: 0 days left on 2026-03-09, 2 left on 2026-03-07
    assert _keys(nt.due_reminders(program, state, sthlm(2026, 3, 7, 8, 59))) == []
    due = nt.due_reminders(program, state, sthlm(2026, 3, 7, 9))
    assert _keys(due) == [("steg-1-snart", sthlm(2026, 3, 7, 9))]
    assert lc.days_left(program, state, "steg-1", sthlm(2026, 3, 7, 9)) == 2


def test_the_same_cause_keeps_its_key_and_an_extended_deadline_gets_a_new_one(moment):
    program, state = moment
    first = nt.due_reminders(program, state, sthlm(2026, 3, 7, 12))
    again = nt.due_reminders(program, state, sthlm(2026, 3, 8, 12))
    assert [d.key for d in first] == [d.key for d in again]
    longer = lc.set_days_left(program, state, "steg-1", 10, now=sthlm(2026, 3, 8, 12), actor=CLINICIAN).state
    later = nt.due_reminders(program, longer, sthlm(2026, 3, 16, 9))
    steg1 = [d for d in later if d.reminder.id == "steg-1-snart"]
    assert steg1 and steg1[0].key != first[0].key


def test_a_follow_up_reminder_waits_until_its_module_is_open_to_the_patient(moment):
    program, state = moment
    day90 = sthlm(2026, 5, 31, 10)
    assert "tre-manader" not in [d.reminder.id for d in nt.due_reminders(program, state, day90)]
    opened = lc.activate_module(program, state, "steg-2", now=sthlm(2026, 6, 2, 14), actor=CLINICIAN).state
    due = nt.due_reminders(program, opened, sthlm(2026, 6, 2, 14))
    assert ("tre-manader", sthlm(2026, 6, 2, 14)) in _keys(due)


def test_a_reminder_more_than_a_week_late_is_not_sent(moment):
    program, state = moment
    assert "en-vecka" in [d.reminder.id for d in nt.due_reminders(program, state, sthlm(2026, 3, 16, 10))]
    assert "en-vecka" not in [d.reminder.id for d in nt.due_reminders(program, state, sthlm(2026, 3, 16, 10, 1))]


def test_an_ended_moment_gets_no_reminders(moment):
    program, state = moment
    ended = lc.end(program, state, "genomford", now=sthlm(2026, 3, 5), actor=CLINICIAN).state
    assert nt.due_reminders(program, ended, sthlm(2026, 3, 9, 10)) == []


def test_an_activity_is_reminded_on_its_day_until_it_is_registered():
    program = build_program()
    state = lc.start(program, now=sthlm(2026, 3, 20, 10), clinician=CLINICIAN).state
    plan = sc.plan_from_dict({
        "id": "7", "name": "Närvaro", "elements": [{"kind": "registration", "text": "Rökfri i dag?"}],
        "start": "2026-03-23", "times": [{"time": "08:30", "weekdays": ["mon"]}], "fill_in_days": 1,
    })
    assert nt.due_activities(state, [plan], [], sthlm(2026, 3, 23, 8, 29)) == []
    due = nt.due_activities(state, [plan], [], sthlm(2026, 3, 23, 12))
    assert [(d.plan_id, d.occurrence) for d in due] == [("7", sthlm(2026, 3, 23, 8, 30))]
    assert due[0].key == "activity:7:2026-03-23T08:30:00+01:00"
    done = sc.register_activity(program, state, plan, [], now=sthlm(2026, 3, 23, 12), actor=PATIENT)
    assert nt.due_activities(done.state, [plan], done.events, sthlm(2026, 3, 23, 13)) == []
    # the next day the occurrence is late, no longer due: no second reminder
    assert nt.due_activities(state, [plan], [], sthlm(2026, 3, 24, 9)) == []
