"""Flag rules: the manual's 11 flag types, idempotent evaluation, explanations."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.moment import flags as fl
from engine.moment.flag_times import NOW_INDEPENDENT, next_due_at
from engine.moment.subscriptions import check_new_subscription, parse_subscription
from engine.moment import lifecycle as lc
from engine.moment.batteries import start_battery
from moment_builders import CLINICIAN, OTHER_CLINICIAN, PATIENT, sthlm

START = sthlm(2026, 3, 2, 9)


class Moment:
    """A moment plus its event log, evaluating flags the way the web worker and simulate do."""

    def __init__(self, program, started, subscriptions):
        self.program = program
        self.state, self.events = started[0], list(started[1])
        self.subscriptions = [parse_subscription(program, s, since=START) for s in subscriptions]
        self.flags = []

    def do(self, transition):
        self.state = transition.state
        self.events.extend(transition.events)

    def evaluate(self, now):
        due = fl.due_flags(self.program, self.state, self.events, self.subscriptions, now)
        self.flags.extend(due)
        self.events.extend(fl.flag_event(f) for f in due)
        return due

    def run_days(self, until):
        day = START
        while day <= until:
            self.evaluate(day)
            day += timedelta(hours=6)


def test_the_eleven_flag_types_carry_the_manuals_labels():
    assert {k: v.label for k, v in fl.RULES.items()} == {
        "form_saved": "Formulär sparat",
        "form_review": "Granska formulär",
        "battery_form_saved": "Formulär i mätbatteri sparat",
        "battery_started": "Nytt mätbatteri startat",
        "activity_saved": "Aktivitet sparat",
        "module_reminder": "Påminnelse på modul",
        "date_reminder": "Påminnelse på datum",
        "patient_inactivity": "Invånare inaktivitet",
        "moment_ending_soon": "Moment snart slut",
        "clinician_changed": "Byte av behandlare",
        "new_message": "Nytt meddelande/kommentar",
    }


def test_a_patient_who_never_logs_in_gets_exactly_one_inactivity_flag_seven_days_after_start(program, started):
    m = Moment(program, started, [{"flag": "patient_inactivity", "days": 7}])
    m.run_days(sthlm(2026, 4, 1))
    assert [(f.type, f.at) for f in m.flags] == [("patient_inactivity", sthlm(2026, 3, 9, 9))]
    assert m.flags[0].text == ("Invånaren har inte varit aktiv sedan momentet startade 2026-03-02 09:00 "
                               "(7 dagar).")
    assert m.flags[0].label == "Invånare inaktivitet"


def test_inactivity_counts_from_the_latest_patient_action(program, started):
    m = Moment(program, started, [{"flag": "patient_inactivity", "days": 7}])
    m.do(lc.view_step(program, m.state, "steg-1", "motivation", now=sthlm(2026, 3, 6, 20), actor=PATIENT))
    m.run_days(sthlm(2026, 3, 20))
    assert [f.at for f in m.flags] == [sthlm(2026, 3, 13, 20)]
    assert m.flags[0].text == "Invånaren har inte varit aktiv på 7 dagar (senast aktiv 2026-03-06 20:00)."


def test_inactivity_is_counted_in_wall_clock_days_across_the_clock_change(program):
    started = lc.start(program, now=sthlm(2026, 3, 25, 9), clinician=CLINICIAN)
    rule = fl.PatientInactivity(days=7)
    due = fl.due_flags(program, started.state, started.events, [rule], sthlm(2026, 4, 2))
    assert [f.at.isoformat() for f in due] == ["2026-04-01T09:00:00+02:00"]


def test_a_new_inactivity_period_after_activity_flags_again(program, started):
    m = Moment(program, started, [{"flag": "patient_inactivity", "days": 7}])
    m.run_days(sthlm(2026, 3, 10))
    m.do(lc.view_step(program, m.state, "steg-1", "motivation", now=sthlm(2026, 3, 10, 12), actor=PATIENT))
    m.run_days(sthlm(2026, 3, 25))
    assert [f.at for f in m.flags] == [sthlm(2026, 3, 9, 9), sthlm(2026, 3, 17, 12)]
    assert len({f.cause for f in m.flags}) == 2


def test_due_flags_is_idempotent(program, started):
    m = Moment(program, started, [{"flag": "patient_inactivity", "days": 7}])
    first = m.evaluate(sthlm(2026, 3, 20))
    assert len(first) == 1
    assert m.evaluate(sthlm(2026, 3, 20)) == []
    assert m.evaluate(sthlm(2026, 3, 21)) == []


def test_evaluating_late_still_gives_the_instant_the_flag_became_due(program, started):
    m = Moment(program, started, [{"flag": "patient_inactivity", "days": 3}])
    m.do(lc.view_step(program, m.state, "steg-1", "motivation", now=sthlm(2026, 3, 8, 9), actor=PATIENT))
    due = m.evaluate(sthlm(2026, 3, 8, 10))
    assert [f.at for f in due] == [sthlm(2026, 3, 5, 9)]


def test_form_saved_fires_once_per_submission_and_not_for_drafts(program, started):
    m = Moment(program, started, [{"flag": "form_saved"}])
    m.do(lc.save_form(program, m.state, "vanor", {"cigs": 3}, now=sthlm(2026, 3, 3, 10), actor=PATIENT))
    assert m.evaluate(sthlm(2026, 3, 3, 11)) == []
    m.do(lc.submit_form(program, m.state, "vanor", {"cigs": 3}, now=sthlm(2026, 3, 3, 12), actor=PATIENT))
    due = m.evaluate(sthlm(2026, 3, 3, 13))
    assert [(f.type, f.at, f.form) for f in due] == [("form_saved", sthlm(2026, 3, 3, 12), "vanor")]
    assert due[0].text == "Invånaren skickade in formuläret 1.2 Dina tobaksvanor 2026-03-03 12:00."
    assert m.evaluate(sthlm(2026, 3, 4)) == []


def test_form_saved_can_watch_a_single_form(program, started):
    m = Moment(program, started, [{"flag": "form_saved", "form": "ftnd"}])
    m.do(lc.submit_form(program, m.state, "vanor", {"cigs": 3}, now=sthlm(2026, 3, 3, 12), actor=PATIENT))
    assert m.evaluate(sthlm(2026, 3, 4)) == []


def test_form_review_fires_when_a_submission_stays_unopened(program, started):
    m = Moment(program, started, [{"flag": "form_review", "days": 2}])
    m.do(lc.submit_form(program, m.state, "vanor", {"cigs": 3}, now=sthlm(2026, 3, 3, 12), actor=PATIENT))
    m.do(lc.submit_form(program, m.state, "skal", {"viktigt": 3}, now=sthlm(2026, 3, 3, 12), actor=PATIENT))
    m.do(lc.open_form(program, m.state, "skal", now=sthlm(2026, 3, 4, 8), actor=CLINICIAN))
    due = m.evaluate(sthlm(2026, 3, 6))
    assert [(f.form, f.at) for f in due] == [("vanor", sthlm(2026, 3, 5, 12))]
    assert due[0].text == ("Formuläret 1.2 Dina tobaksvanor skickades in 2026-03-03 12:00 och har inte "
                           "öppnats på 2 dagar – granska svaren.")


def test_battery_flags(program, started):
    m = Moment(program, started, [{"flag": "battery_started"}, {"flag": "battery_form_saved"},
                                  {"flag": "form_saved"}])
    m.do(start_battery(program, m.state, "uppfoljning-3m", now=sthlm(2026, 3, 5, 9), actor=CLINICIAN))
    m.do(lc.submit_form(program, m.state, "uppfoljning", {"rokfri": True}, now=sthlm(2026, 3, 6, 9),
                        actor=PATIENT))
    due = m.evaluate(sthlm(2026, 3, 7))
    assert [(f.type, f.text) for f in due] == [
        ("battery_started", "Mätbatteriet Uppföljning 3 månader startades 2026-03-05 09:00 av Sanna Eriksson."),
        ("battery_form_saved", "Invånaren skickade in formuläret Uppföljning efter 3 månader i mätbatteriet "
                               "Uppföljning 3 månader 2026-03-06 09:00."),
    ]


def test_module_reminder_fires_on_the_day_the_module_has_that_many_days_left(program, started):
    m = Moment(program, started, [{"flag": "module_reminder", "module": "steg-1", "days_before": 2}])
    m.run_days(sthlm(2026, 3, 20))
    assert [f.at for f in m.flags] == [sthlm(2026, 3, 7, 0)]
    assert m.flags[0].text == "Modul Steg 1 Uppvärmning har 2 dagar kvar (dagar kvar tar slut 2026-03-09)."
    assert lc.days_left(program, m.state, "steg-1", m.flags[0].at) == 2


def test_extending_a_module_gives_a_new_reminder(program, started):
    m = Moment(program, started, [{"flag": "module_reminder", "module": "steg-1", "days_before": 1}])
    m.run_days(sthlm(2026, 3, 9))
    m.do(lc.set_days_left(program, m.state, "steg-1", 5, now=sthlm(2026, 3, 9, 10), actor=CLINICIAN))
    m.run_days(sthlm(2026, 3, 20))
    assert [f.at for f in m.flags] == [sthlm(2026, 3, 8, 0), sthlm(2026, 3, 13, 0)]


def test_a_completed_module_is_not_reminded(program, started):
    m = Moment(program, started, [{"flag": "module_reminder", "module": "steg-1", "days_before": 1}])
    m.do(lc.complete_module(program, m.state, "steg-1", now=sthlm(2026, 3, 5), actor=CLINICIAN))
    m.run_days(sthlm(2026, 3, 20))
    assert m.flags == []


def test_date_reminder_and_moment_ending_soon(program, started):
    m = Moment(program, started, [{"flag": "date_reminder", "date": "2026-03-16", "note": "Ring invånaren"},
                                  {"flag": "moment_ending_soon", "days": 7}])
    m.run_days(sthlm(2026, 5, 20))
    assert [(f.type, f.at, f.text) for f in m.flags] == [
        ("date_reminder", sthlm(2026, 3, 16), "Påminnelse 2026-03-16: Ring invånaren"),
        ("moment_ending_soon", sthlm(2026, 5, 4, 9),
         "Momentet når rekommenderad längd (70 dagar) om 7 dagar, 2026-05-11."),
    ]


def test_clinician_change_and_patient_messages_flag(program, started):
    m = Moment(program, started, [{"flag": "clinician_changed"}, {"flag": "new_message"}])
    m.do(lc.send_message(program, m.state, now=sthlm(2026, 3, 3, 9), actor=CLINICIAN, conversation=None,
                         notify=False))
    m.do(lc.send_message(program, m.state, now=sthlm(2026, 3, 3, 10), actor=PATIENT, conversation="k1",
                         notify=False))
    m.do(lc.change_clinician(program, m.state, now=sthlm(2026, 3, 4), actor=CLINICIAN, new=OTHER_CLINICIAN))
    assert [(f.type, f.text) for f in m.evaluate(sthlm(2026, 3, 5))] == [
        ("new_message", "Invånaren skickade ett nytt meddelande 2026-03-03 10:00."),
        ("clinician_changed", "Ansvarig behandlare byttes från Sanna Eriksson till Marita Andersson."),
    ]


def test_a_later_subscription_does_not_fire_for_earlier_history(program, started):
    state, events = started
    t = lc.submit_form(program, state, "vanor", {"cigs": 3}, now=sthlm(2026, 3, 3), actor=PATIENT)
    rule = parse_subscription(program, {"flag": "form_saved"}, since=sthlm(2026, 3, 10))
    assert fl.due_flags(program, t.state, [*events, *t.events], [rule], sthlm(2026, 3, 11)) == []


def test_time_driven_flags_stop_when_the_moment_ends(program, started):
    m = Moment(program, started, [{"flag": "patient_inactivity", "days": 7}])
    m.do(lc.end(program, m.state, "avbruten", now=sthlm(2026, 3, 5), actor=CLINICIAN))
    m.run_days(sthlm(2026, 4, 1))
    assert m.flags == []


def test_flag_events_are_system_events_with_the_cause(program, started):
    m = Moment(program, started, [{"flag": "patient_inactivity", "days": 7}])
    (flag,) = m.evaluate(sthlm(2026, 3, 10))
    event = fl.flag_event(flag)
    assert event.type == "flag_raised" and event.actor.kind == "system" and event.at == flag.at
    assert dict(event.data) == {"flag": "patient_inactivity", "cause": flag.cause}
    assert event.text.startswith("Invånare inaktivitet: Invånaren har inte varit aktiv")


@pytest.mark.parametrize("data, message", [
    ({"flag": "inactivity"}, "Okänd flaggtyp 'inactivity'"),
    ({"flag": "patient_inactivity"}, "behöver parametern 'days'"),
    ({"flag": "patient_inactivity", "days": -1}, "days måste vara ett heltal ≥ 0"),
    ({"flag": "new_message", "days": 3}, "ingen parameter 'days'"),
    ({"flag": "module_reminder", "module": "steg-9", "days_before": 2}, "okänd modul 'steg-9'"),
    ({"flag": "date_reminder", "date": "16 mars"}, "ogiltigt datum '16 mars'"),
])
def test_bad_subscriptions_are_rejected_with_a_clear_message(program, data, message):
    with pytest.raises(fl.SubscriptionError, match=message):
        parse_subscription(program, data)


def test_subscription_parameters_round_trip(program):
    data = {"flag": "date_reminder", "date": "2026-03-16", "note": "Ring"}
    rule = parse_subscription(program, data)
    assert rule.date == date(2026, 3, 16)
    assert rule.params() == data


def test_cause_keys_and_their_prefixes_come_from_one_function(program, started):
    assert fl.cause_key("module_reminder", "steg-1", 2, "2026-03-02T09:00:00+01:00", date(2026, 3, 9)) == (
        "module_reminder:steg-1:2:2026-03-02T09:00:00+01:00:2026-03-09")
    assert fl.cause_prefix("module_reminder", "steg-1") == "module_reminder:steg-1:"
    assert fl.cause_prefix("patient_inactivity") == "patient_inactivity" + fl.CAUSE_SEPARATOR
    m = Moment(program, started, [{"flag": "module_reminder", "module": "steg-1", "days_before": 2},
                                  {"flag": "patient_inactivity", "days": 3}])
    m.run_days(sthlm(2026, 3, 12))
    assert {f.type for f in m.flags} == {"module_reminder", "patient_inactivity"}
    # the SQL prefilters test exactly these prefixes (web/notify/candidates.py)
    for f in m.flags:
        first = f.cause.removeprefix(fl.cause_prefix(f.type)).split(fl.CAUSE_SEPARATOR)[0]
        assert f.cause.startswith(fl.cause_prefix(f.type, first))
    reminder = next(f for f in m.flags if f.type == "module_reminder")
    assert reminder.cause.startswith(fl.cause_prefix("module_reminder", "steg-1", 2))


# --- subscriptions added when their condition already holds (issue 13.1) -------------------------------


def _late(program, data, since):
    return parse_subscription(program, data, since=since)


def test_a_late_inactivity_subscription_fires_once_for_the_current_stretch_only(program, started):
    m = Moment(program, started, [])
    m.do(lc.send_message(program, m.state, now=sthlm(2026, 3, 5, 9), actor=PATIENT, conversation=None,
                         notify=False))
    m.subscriptions = [_late(program, {"flag": "patient_inactivity", "days": 1}, sthlm(2026, 3, 8, 12))]
    assert [(f.at, f.text) for f in m.evaluate(sthlm(2026, 3, 8, 12))] == [
        (sthlm(2026, 3, 6, 9), "Invånaren har inte varit aktiv på 1 dag (senast aktiv 2026-03-05 09:00).")]
    assert m.evaluate(sthlm(2026, 3, 9, 12)) == []  # same stretch, same cause: never again


def test_a_date_reminder_set_for_today_fires_at_once_and_one_for_an_earlier_day_never(program, started):
    state, events = started
    today = _late(program, {"flag": "date_reminder", "date": "2026-03-10"}, sthlm(2026, 3, 10, 15))
    earlier = _late(program, {"flag": "date_reminder", "date": "2026-03-09"}, sthlm(2026, 3, 10, 15))
    assert [f.at for f in fl.due_flags(program, state, events, [today, earlier], sthlm(2026, 3, 10, 15))] == [
        sthlm(2026, 3, 10)]


def test_a_past_date_is_refused_for_a_new_subscription(program):
    rule = _late(program, {"flag": "date_reminder", "date": "2026-03-09"}, sthlm(2026, 3, 10, 15))
    with pytest.raises(fl.SubscriptionError, match="Datumet har redan passerat"):
        check_new_subscription(rule, sthlm(2026, 3, 10, 15))
    check_new_subscription(_late(program, {"flag": "date_reminder", "date": "2026-03-10"}, sthlm(2026, 3, 10, 15)),
                           sthlm(2026, 3, 10, 15))


def test_a_late_module_reminder_fires_once_for_the_current_activation(program, started):
    m = Moment(program, started, [])
    m.subscriptions = [_late(program, {"flag": "module_reminder", "module": "steg-1", "days_before": 2},
                             sthlm(2026, 3, 8, 12))]
    assert [f.at for f in m.evaluate(sthlm(2026, 3, 8, 12))] == [sthlm(2026, 3, 7, 0)]
    assert m.evaluate(sthlm(2026, 3, 12)) == []


def test_a_late_ending_soon_fires_while_the_length_has_not_run_out_and_not_after(program, started):
    state, events = started
    before = _late(program, {"flag": "moment_ending_soon", "days": 7}, sthlm(2026, 5, 6))
    after = _late(program, {"flag": "moment_ending_soon", "days": 7}, sthlm(2026, 5, 12))
    assert [f.at for f in fl.due_flags(program, state, events, [before], sthlm(2026, 5, 6))] == [sthlm(2026, 5, 4, 9)]
    assert fl.due_flags(program, state, events, [after], sthlm(2026, 5, 12)) == []


def test_next_due_at_is_exactly_when_the_next_inactivity_flag_falls_due(program, started):
    """Between changes, nothing falls due before next_due_at and something does at it (the tick stores it)."""
    m = Moment(program, started, [{"flag": "patient_inactivity", "days": 7}, {"flag": "patient_inactivity", "days": 3}])
    actions = {sthlm(2026, 3, 4, 20): "motivation", sthlm(2026, 3, 20, 8): "motivation"}
    now, seen = START, []
    while now <= sthlm(2026, 4, 10):
        for at in [a for a in actions if now - timedelta(hours=6) < a <= now]:
            m.do(lc.view_step(program, m.state, "steg-1", actions[at], now=at, actor=PATIENT))
        m.evaluate(now)
        nxt = next_due_at(program, m.state, m.events, m.subscriptions, now, types=NOW_INDEPENDENT)
        if nxt is not None:
            assert nxt > now
            assert fl.due_flags(program, m.state, m.events, m.subscriptions, nxt - timedelta(seconds=1)) == []
            assert fl.due_flags(program, m.state, m.events, m.subscriptions, nxt) != []
            seen.append(nxt)
        else:  # nothing more without a new action
            assert fl.due_flags(program, m.state, m.events, m.subscriptions, now + timedelta(days=400)) == []
        now += timedelta(hours=6)
    # the 3- and 7-day stretches after the start and after each action
    assert sorted(set(seen)) == [sthlm(2026, 3, 5, 9), sthlm(2026, 3, 7, 20), sthlm(2026, 3, 11, 20),
                                 sthlm(2026, 3, 23, 8), sthlm(2026, 3, 27, 8)]
    # all but the first: the action on 2026-03-04 came before it (told after the action, it was not next)
    assert [f.at for f in m.flags] == sorted(set(seen))[1:]


def test_next_due_at_stops_at_the_end_of_the_moment_and_refuses_rules_timed_by_now(program, started):
    rule = fl.PatientInactivity(days=7)
    state, events = started
    ended = lc.end(program, state, "genomford", now=sthlm(2026, 3, 5, 9), actor=CLINICIAN)
    assert next_due_at(program, state, events, [rule], START, types=NOW_INDEPENDENT) == sthlm(2026, 3, 9, 9)
    assert next_due_at(program, ended.state, events, [rule], START, types=NOW_INDEPENDENT) is None
    assert next_due_at(program, state, events, [rule], START, types=NOW_INDEPENDENT,
                          raised=[fl.cause_key("patient_inactivity", 7, "2026-03-02T09:00:00+01:00")]) is None
    with pytest.raises(ValueError):
        next_due_at(program, state, events, [fl.MomentEndingSoon(days=3)], START,
                       types=frozenset({"moment_ending_soon"}))


@pytest.mark.parametrize("subscription", [
    {"flag": "form_review", "days": 2}, {"flag": "module_reminder", "module": "steg-1", "days_before": 2},
    {"flag": "date_reminder", "date": "2026-03-16", "note": "Ring"}, {"flag": "moment_ending_soon", "days": 7},
])
def test_a_timed_flag_is_due_from_its_instant_on_and_not_a_microsecond_before(program, started, subscription):
    """The rules leave out a flag not yet due before writing its text; exactly at its time it is due."""
    m = Moment(program, started, [subscription])
    m.do(lc.submit_form(program, m.state, "vanor", {"cigs": 3}, now=sthlm(2026, 3, 3, 12), actor=PATIENT))
    [flag] = [f for f in fl.due_flags(program, m.state, m.events, m.subscriptions, sthlm(2027, 1, 1))
              if f.type == subscription["flag"]]
    assert fl.due_flags(program, m.state, m.events, m.subscriptions, flag.at - timedelta(microseconds=1)) == []
    assert fl.due_flags(program, m.state, m.events, m.subscriptions, flag.at) == [flag]


@pytest.mark.parametrize("rule, kind, data", [
    (fl.FormSaved(), "form_submitted", {}),
    (fl.BatteryFormSaved(), "form_submitted", {"battery": "uppfoljning-3m"}),
    (fl.BatteryStarted(), "battery_started", {"battery": "uppfoljning-3m"}),
    (fl.NewMessage(), "message_sent", {"conversation": 1}),
], ids=lambda v: getattr(v, "type", None))
def test_event_driven_rules_write_no_text_for_a_raised_flag_or_one_before_the_subscription(program, started,
                                                                                           monkeypatch, rule, kind,
                                                                                           data):
    # three events: the first before the subscription, the second's flag raised, the third flagged; only the
    # third's text is written (the texts' times are what costs: fmt)
    state, start_events = started
    t = sthlm(2026, 3, 10, 9)
    events = [fl.Event(kind, t + timedelta(days=i), PATIENT, form="skal", data=data) for i in range(3)]
    rule = type(rule)(since=t + timedelta(hours=1))
    every = fl.due_flags(program, state, [*start_events, *events], [type(rule)()], t + timedelta(days=5))
    assert len(every) == 3
    raised = fl.flag_event(every[1])
    formatted = []
    monkeypatch.setattr(fl, "fmt", lambda at: formatted.append(at) or at.isoformat())
    due = fl.due_flags(program, state, [*start_events, *events, raised], [rule], t + timedelta(days=5))
    assert [f.cause for f in due] == [every[2].cause] and formatted == [events[2].at]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.sampled_from([0, 1, 2, 7]), autumn=st.booleans(), utc=st.booleans(), first=st.integers(-3 * 1440, 3 * 1440),
       gaps=st.lists(st.one_of(st.integers(0, 180), st.integers(-180, 180).map(lambda m: ("days", m)),
                               st.integers(0, 20 * 1440)), max_size=30))
def test_inactivity_stretches_are_the_same_without_converting_the_times_of_close_actions(program, started,
                                                                                         monkeypatch, days, autumn,
                                                                                         utc, first, gaps):
    # actions minutes apart, within hours of `days` days of the last (across the daylight saving time of the
    # last Sunday of March or October), or days apart: the flags are those of converting every action's time.
    # In UTC as the database returns them (two times in Stockholm's zone subtract as wall-clock times)
    start = sthlm(2026, 10, 25 - days, 9) if autumn else sthlm(2026, 3, 29 - days, 9)
    zone = UTC if utc else start.tzinfo
    state = replace(started[0], started_at=start.astimezone(zone))
    at, events = start + timedelta(minutes=first), []
    for gap in gaps:
        at = (at + (timedelta(days=days, minutes=gap[1]) if isinstance(gap, tuple) else timedelta(minutes=gap)))
        events.append(fl.Event("step_viewed", at.astimezone(zone), PATIENT))
    rule, now = fl.PatientInactivity(days=days), start + timedelta(days=400)
    flags = fl.due_flags(program, state, events, [rule], now)
    monkeypatch.setattr(fl, "LOCAL_DAYS_SPARE", timedelta(days=10_000))  # never "soon": every time converted
    assert fl.due_flags(program, state, events, [rule], now) == flags
