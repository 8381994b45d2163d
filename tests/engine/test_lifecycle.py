"""The moment lifecycle: start, modules, days left, step progress, forms, end and vidmakthåll."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from engine.moment import lifecycle as lc
from engine.moment.batteries import battery_forms_left, start_battery
from engine.errors import AnswerError, TransitionError
from moment_builders import CLINICIAN, OTHER_CLINICIAN, PATIENT, sthlm


def texts(events):
    return [e.text for e in events]


def apply(state, transition, log=None):
    if log is not None:
        log.extend(transition.events)
    return transition.state


# --- start -------------------------------------------------------------------------------------


def test_start_makes_start_modules_current_and_hides_the_rest(program, started):
    state, events = started
    assert [(m.id, m.state, m.status, m.days) for m in state.modules.values()] == [
        ("inledning", "current", "read_write", None),
        ("steg-1", "current", "read_write", 7),
        ("ung", "upcoming", "hidden", 7),
        ("steg-2", "upcoming", "hidden", 14),
        ("avslutning", "upcoming", "hidden", 7),
    ]
    assert texts(events) == [
        "Momentet Testprogrammet startades",
        "Modul Inledning startades",
        "Modul Steg 1 Uppvärmning startades",
    ]
    assert [e.type for e in events] == ["moment_started", "module_activated", "module_activated"]
    assert state.clinician == CLINICIAN and state.care_unit == "Utbildningsenhet"
    assert lc.last_active(state) is None


def test_start_records_the_chosen_care_unit_on_the_clinician(program):
    t = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN, care_unit="Vårdcentral Nord")
    assert t.state.care_unit == "Vårdcentral Nord"
    assert {e.actor.unit for e in t.events} == {"Vårdcentral Nord"}


def test_a_patient_cannot_start_a_moment(program):
    with pytest.raises(TransitionError, match="Endast behandlare kan starta ett moment"):
        lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=PATIENT)


def test_naive_times_are_a_programming_error(program):
    with pytest.raises(ValueError, match="timezone-aware"):
        lc.start(program, now=datetime(2026, 3, 2, 9), clinician=CLINICIAN)


def test_an_action_dated_before_the_start_is_rejected(program, started):
    state, _ = started
    with pytest.raises(TransitionError, match="före momentets start"):
        lc.activate_module(program, state, "steg-2", now=sthlm(2026, 3, 1, 9), actor=CLINICIAN)


# --- days left -----------------------------------------------------------------------------------


def test_days_left_count_stockholm_calendar_days_from_activation(program, started):
    state, _ = started
    assert lc.days_left(program, state, "steg-1", sthlm(2026, 3, 2, 23, 59)) == 7
    assert lc.days_left(program, state, "steg-1", sthlm(2026, 3, 3, 0, 1)) == 6
    # 23:30 UTC on 3 March is already 4 March in Stockholm
    assert lc.days_left(program, state, "steg-1", datetime(2026, 3, 3, 23, 30, tzinfo=timezone.utc)) == 5
    assert lc.deadline(state, "steg-1") == date(2026, 3, 9)


def test_days_left_stop_at_zero_and_the_patient_keeps_access_after_the_deadline(program, started):
    state, _ = started
    late = sthlm(2026, 4, 30, 12)
    assert lc.days_left(program, state, "steg-1", late) == 0
    assert lc.patient_can_write(state, "steg-1", late)
    t = lc.view_step(program, state, "steg-1", "stoppdagen", now=late, actor=PATIENT)
    assert lc.step_progress(t.state, "steg-1", "stoppdagen") == "done"


def test_a_module_without_limit_has_no_days_left(program, started):
    state, _ = started
    assert lc.days_left(program, state, "inledning", sthlm(2026, 5, 1)) is None


def test_an_upcoming_module_shows_the_days_it_will_get(program, started):
    state, _ = started
    assert lc.days_left(program, state, "steg-2", sthlm(2026, 3, 20)) == 14


def test_days_left_can_be_set_from_today(program, started):
    state, _ = started
    t = lc.set_days_left(program, state, "steg-1", 10, now=sthlm(2026, 3, 4, 10), actor=CLINICIAN)
    assert lc.days_left(program, t.state, "steg-1", sthlm(2026, 3, 4, 10)) == 10
    assert lc.days_left(program, t.state, "steg-1", sthlm(2026, 3, 5, 10)) == 9
    assert texts(t.events) == ["Dagar kvar för modul Steg 1 Uppvärmning ändrades till 10"]
    assert t.events[0].type == "days_changed"


def test_none_days_left_means_no_limit(program, started):
    state, _ = started
    t = lc.set_days_left(program, state, "steg-1", None, now=sthlm(2026, 3, 4, 10), actor=CLINICIAN)
    assert lc.days_left(program, t.state, "steg-1", sthlm(2026, 3, 30)) is None
    assert texts(t.events) == ["Dagar kvar för modul Steg 1 Uppvärmning ändrades till ingen tidsgräns"]


def test_an_expired_module_can_be_given_no_limit(program, started):
    state, _ = started
    late = sthlm(2026, 3, 20)
    assert lc.days_left(program, state, "steg-1", late) == 0
    t = lc.set_days_left(program, state, "steg-1", None, now=late, actor=CLINICIAN)
    assert lc.days_left(program, t.state, "steg-1", late) is None


def test_setting_the_same_days_left_is_rejected(program, started):
    state, _ = started
    with pytest.raises(TransitionError, match="har redan 5 dagar kvar"):
        lc.set_days_left(program, state, "steg-1", 5, now=sthlm(2026, 3, 4, 10), actor=CLINICIAN)


def test_negative_days_are_rejected(program, started):
    state, _ = started
    with pytest.raises(TransitionError, match="kan inte vara negativt"):
        lc.set_days_left(program, state, "steg-2", -1, now=sthlm(2026, 3, 4), actor=CLINICIAN)


# --- module transitions ----------------------------------------------------------------------------


def test_completing_steg_1_and_activating_steg_2_on_day_8(program, started):
    state, _ = started
    day8 = sthlm(2026, 3, 10, 9)
    assert lc.days_in_moment(state, day8) == 8
    log = []
    state = apply(state, lc.complete_module(program, state, "steg-1", now=day8, actor=CLINICIAN), log)
    state = apply(state, lc.activate_module(program, state, "steg-2", now=day8, actor=CLINICIAN), log)
    assert lc.days_left(program, state, "steg-2", sthlm(2026, 3, 10, 23)) == 14
    assert lc.modules_completed(state) == (1, 5)
    assert texts(log) == ["Modul Steg 1 Uppvärmning sattes till avklarad", "Modul Steg 2 Uppstart startades"]
    assert [e.type for e in log] == ["module_completed", "module_activated"]
    assert all(e.actor == CLINICIAN and e.at == day8 for e in log)


def test_a_completed_module_is_read_only_for_the_patient(program, started):
    state, _ = started
    state = lc.complete_module(program, state, "steg-1", now=sthlm(2026, 3, 9), actor=CLINICIAN).state
    assert lc.patient_can_see(state, "steg-1", sthlm(2026, 3, 9))
    assert not lc.patient_can_write(state, "steg-1", sthlm(2026, 3, 9))
    with pytest.raises(TransitionError, match="inte öppet för invånaren"):
        lc.submit_form(program, state, "vanor", {"cigs": 10}, now=sthlm(2026, 3, 9, 1), actor=PATIENT)


def test_activate_uses_the_given_days(program, started):
    state, _ = started
    t = lc.activate_module(program, state, "ung", now=sthlm(2026, 3, 3), actor=CLINICIAN, days=3)
    assert lc.days_left(program, t.state, "ung", sthlm(2026, 3, 3)) == 3
    assert t.events[0].data["days"] == 3


def test_set_upcoming_hides_the_module_again(program, started):
    state, _ = started
    t = lc.set_upcoming(program, state, "steg-1", now=sthlm(2026, 3, 3), actor=CLINICIAN)
    assert texts(t.events) == ["Modul Steg 1 Uppvärmning sattes till kommande"]
    assert t.state.modules["steg-1"].state == "upcoming"
    assert not lc.patient_can_see(t.state, "steg-1", sthlm(2026, 3, 3))


def test_transitions_that_make_no_sense_are_rejected(program, started):
    state, _ = started
    now = sthlm(2026, 3, 3)
    with pytest.raises(TransitionError, match="Modul Steg 1 Uppvärmning är redan aktuell"):
        lc.activate_module(program, state, "steg-1", now=now, actor=CLINICIAN)
    with pytest.raises(TransitionError, match="bara aktuella moduler kan sättas till avklarad"):
        lc.complete_module(program, state, "steg-2", now=now, actor=CLINICIAN)
    with pytest.raises(TransitionError, match="redan kommande"):
        lc.set_upcoming(program, state, "steg-2", now=now, actor=CLINICIAN)
    with pytest.raises(TransitionError, match="Okänd modul: 'steg-9'"):
        lc.complete_module(program, state, "steg-9", now=now, actor=CLINICIAN)
    with pytest.raises(TransitionError, match="Endast behandlare kan sätta en modul till aktuell"):
        lc.activate_module(program, state, "steg-2", now=now, actor=PATIENT)


def test_patient_status_controls_what_the_patient_sees(program, started):
    state, _ = started
    now = sthlm(2026, 3, 3)
    t = lc.set_status(program, state, "steg-1", "read_only", now=now, actor=CLINICIAN)
    assert texts(t.events) == ["Invånarstatus för modul Steg 1 Uppvärmning ändrades till Läs"]
    assert lc.patient_can_see(t.state, "steg-1", now) and not lc.patient_can_write(t.state, "steg-1", now)
    t = lc.set_status(program, t.state, "steg-1", "hidden", now=now, actor=CLINICIAN)
    assert not lc.patient_can_see(t.state, "steg-1", now)
    with pytest.raises(TransitionError, match="dold för invånaren"):
        lc.view_step(program, t.state, "steg-1", "motivation", now=now, actor=PATIENT)
    with pytest.raises(TransitionError, match="Okänd invånarstatus 'visible'"):
        lc.set_status(program, state, "steg-1", "visible", now=now, actor=CLINICIAN)


# --- step progress and forms -------------------------------------------------------------------------


def test_viewing_a_step_without_forms_marks_it_done(program, started):
    state, _ = started
    t = lc.view_step(program, state, "steg-1", "stoppdagen", now=sthlm(2026, 3, 3, 8), actor=PATIENT)
    assert lc.step_progress(t.state, "steg-1", "stoppdagen") == "done"
    assert lc.step_progress(t.state, "steg-1", "motivation") == "not_started"
    assert t.state.last_active == sthlm(2026, 3, 3, 8)
    assert texts(t.events) == ["Avsnitt 1.3 Stoppdagen lästes"]


def test_a_step_with_forms_is_done_when_all_its_forms_are_submitted(program, started):
    state, _ = started
    now = sthlm(2026, 3, 3, 8)
    state = lc.view_step(program, state, "steg-1", "tobaksvanor", now=now, actor=PATIENT).state
    assert lc.step_progress(state, "steg-1", "tobaksvanor") == "started"
    t = lc.submit_form(program, state, "vanor", {"cigs": 12}, now=now, actor=PATIENT)
    assert lc.step_progress(t.state, "steg-1", "tobaksvanor") == "started"
    assert texts(t.events) == ["Formulär 1.2 Dina tobaksvanor skickades in"]
    t = lc.submit_form(program, t.state, "ftnd", {"first": "within5"}, now=now, actor=PATIENT)
    assert lc.step_progress(t.state, "steg-1", "tobaksvanor") == "done"
    assert t.events[0].data["score"]["total"] == 3
    assert t.events[0].data["score"]["band"] == "Högt beroende"


def test_a_step_with_required_forms_is_done_without_its_alternative_forms(program, started):
    from dataclasses import replace

    module = program.module("steg-1")
    steps = tuple(replace(s, required_forms=("vanor",)) if s.id == "tobaksvanor" else s for s in module.steps)
    modules = tuple(replace(m, steps=steps) if m.id == "steg-1" else m for m in program.modules)
    program = replace(program, modules=modules)
    state, _ = started
    now = sthlm(2026, 3, 3, 8)
    state = lc.view_step(program, state, "steg-1", "tobaksvanor", now=now, actor=PATIENT).state
    t = lc.submit_form(program, state, "vanor", {"cigs": 12}, now=now, actor=PATIENT)
    assert lc.step_progress(t.state, "steg-1", "tobaksvanor") == "done"


def test_saving_a_draft_starts_the_step_and_is_not_a_submission(program, started):
    state, _ = started
    t = lc.save_form(program, state, "vanor", {"cigs": 5}, now=sthlm(2026, 3, 3), actor=PATIENT)
    assert lc.step_progress(t.state, "steg-1", "tobaksvanor") == "started"
    assert "vanor" not in t.state.submitted_forms
    assert t.events[0].type == "form_saved" and t.events[0].text == "Formulär 1.2 Dina tobaksvanor sparades"
    assert t.events[0].data["answers"] == {"cigs": 5}


def test_invalid_answers_are_rejected_with_swedish_messages(program, started):
    state, _ = started
    with pytest.raises(AnswerError) as error:
        lc.submit_form(program, state, "vanor", {}, now=sthlm(2026, 3, 3), actor=PATIENT)
    assert error.value.errors == {"cigs": "Frågan måste besvaras."}


def test_a_form_without_resubmit_cannot_be_submitted_twice(program, started):
    state, _ = started
    state = lc.submit_form(program, state, "vanor", {"cigs": 1}, now=sthlm(2026, 3, 3), actor=PATIENT).state
    with pytest.raises(TransitionError, match="redan inskickat"):
        lc.submit_form(program, state, "vanor", {"cigs": 2}, now=sthlm(2026, 3, 4), actor=PATIENT)


def test_a_form_with_resubmit_can_be_submitted_again(program, started):
    state, _ = started
    state = lc.submit_form(program, state, "skal", {"viktigt": 7}, now=sthlm(2026, 3, 3), actor=PATIENT).state
    t = lc.submit_form(program, state, "skal", {"viktigt": 9}, now=sthlm(2026, 3, 4), actor=PATIENT)
    assert t.events[0].data["answers"] == {"viktigt": 9}


def test_forms_of_hidden_modules_cannot_be_answered(program, started):
    state, _ = started
    with pytest.raises(TransitionError, match="Formulär Tre frågor är inte öppet för invånaren"):
        lc.submit_form(program, state, "tre-fragor", {}, now=sthlm(2026, 3, 3), actor=PATIENT)
    with pytest.raises(TransitionError, match="Invånaren kan inte skriva i modul Avslutningsfrågor"):
        lc.save_form(program, state, "tre-fragor", {}, now=sthlm(2026, 3, 3), actor=PATIENT,
                     module_id="avslutning")


def test_opening_a_submitted_form_moves_it_from_unread_to_the_timeline(program, started):
    state, log = started
    state = apply(state, lc.submit_form(program, state, "vanor", {"cigs": 1}, now=sthlm(2026, 3, 3),
                                        actor=PATIENT), log)
    assert lc.unread_forms(log) == ["vanor"]
    t = lc.open_form(program, state, "vanor", now=sthlm(2026, 3, 4), actor=CLINICIAN)
    assert texts(t.events) == ["Formulär 1.2 Dina tobaksvanor öppnades"]
    assert lc.unread_forms([*log, *t.events]) == []
    with pytest.raises(TransitionError, match="har inte skickats in"):
        lc.open_form(program, state, "ftnd", now=sthlm(2026, 3, 4), actor=CLINICIAN)


def test_a_started_battery_opens_its_forms_and_tags_the_submission(program, started):
    state, _ = started
    now = sthlm(2026, 3, 5)
    with pytest.raises(TransitionError, match="inte öppet"):
        lc.submit_form(program, state, "uppfoljning", {"rokfri": True}, now=now, actor=PATIENT)
    t = start_battery(program, state, "uppfoljning-3m", now=now, actor=CLINICIAN)
    assert texts(t.events) == ["Mätbatteri Uppföljning 3 månader startades"]
    assert battery_forms_left(program, t.state, "uppfoljning-3m") == ("uppfoljning",)
    t = lc.submit_form(program, t.state, "uppfoljning", {"rokfri": True}, now=now, actor=PATIENT)
    assert t.events[0].data["battery"] == "uppfoljning-3m"
    assert battery_forms_left(program, t.state, "uppfoljning-3m") == ()
    with pytest.raises(TransitionError, match="redan startat"):
        start_battery(program, t.state, "uppfoljning-3m", now=now, actor=CLINICIAN)


# --- messages -------------------------------------------------------------------------------------


def test_messages_from_both_sides(program, started):
    state, _ = started
    t = lc.send_message(program, state, now=sthlm(2026, 3, 3), actor=PATIENT, conversation=None, notify=False)
    assert texts(t.events) == ["Ny konversation från invånaren"]
    assert t.state.last_active == sthlm(2026, 3, 3)
    t = lc.send_message(program, t.state, now=sthlm(2026, 3, 4), actor=CLINICIAN, conversation="k1",
                        notify=True)
    assert texts(t.events) == ["Meddelande från Sanna Eriksson (aviserat till inkorgen)"]
    assert t.state.last_active == sthlm(2026, 3, 3)
    with pytest.raises(TransitionError, match="Bara behandlaren kan avisera"):
        lc.send_message(program, state, now=sthlm(2026, 3, 3), actor=PATIENT, conversation="k1", notify=True)


# --- the whole moment -------------------------------------------------------------------------------


def test_ending_a_moment_records_the_reason_and_locks_the_patient_out(program, started):
    state, _ = started
    t = lc.end(program, state, "genomford", now=sthlm(2026, 4, 1, 10), actor=CLINICIAN)
    assert texts(t.events) == ["Momentet avslutades (Genomförd behandling)"]
    ended = t.state
    later = sthlm(2026, 4, 2)
    assert lc.moment_status(ended, later) == "ended"
    assert not lc.patient_can_see(ended, "steg-1", later)
    with pytest.raises(TransitionError, match="Momentet är avslutat"):
        lc.view_step(program, ended, "steg-1", "motivation", now=later, actor=PATIENT)
    with pytest.raises(TransitionError, match="Momentet är avslutat"):
        lc.send_message(program, ended, now=later, actor=PATIENT, conversation=None, notify=False)
    with pytest.raises(TransitionError, match="Momentet är avslutat"):
        lc.complete_module(program, ended, "steg-1", now=later, actor=CLINICIAN)
    with pytest.raises(TransitionError, match="Momentet är avslutat"):
        lc.end(program, ended, "genomford", now=later, actor=CLINICIAN)
    assert lc.days_in_moment(ended, sthlm(2026, 6, 1)) == 30


def test_the_clinician_can_still_read_submitted_forms_after_the_end(program, started):
    state, _ = started
    state = lc.submit_form(program, state, "vanor", {"cigs": 1}, now=sthlm(2026, 3, 3), actor=PATIENT).state
    ended = lc.end(program, state, "genomford", now=sthlm(2026, 4, 1), actor=CLINICIAN).state
    t = lc.open_form(program, ended, "vanor", now=sthlm(2026, 4, 2), actor=CLINICIAN)
    assert [e.type for e in t.events] == ["form_opened"] and t.state == ended


def test_an_unknown_end_reason_is_rejected(program, started):
    state, _ = started
    with pytest.raises(TransitionError, match="Okänd avslutningsorsak 'klar'; välj en av genomford, avbruten"):
        lc.end(program, state, "klar", now=sthlm(2026, 4, 1), actor=CLINICIAN)


def test_in_maintenance_the_patient_can_read_but_not_submit(program, started):
    state, _ = started
    state = lc.end(program, state, "genomford", now=sthlm(2026, 4, 1, 10), actor=CLINICIAN).state
    t = lc.maintain(program, state, date(2026, 6, 30), now=sthlm(2026, 4, 1, 10, 5), actor=CLINICIAN)
    assert texts(t.events) == ["Momentet vidmakthålls till 2026-06-30"]
    kept = t.state
    now = sthlm(2026, 5, 1)
    read = lc.view_step(program, kept, "steg-1", "motivation", now=now, actor=PATIENT)
    assert read.events[0].type == "step_viewed"
    with pytest.raises(TransitionError, match="kan läsa men inte skicka in"):
        lc.submit_form(program, kept, "vanor", {"cigs": 3}, now=now, actor=PATIENT)
    with pytest.raises(TransitionError, match="kan läsa men inte skriva meddelanden"):
        lc.send_message(program, kept, now=now, actor=PATIENT, conversation=None, notify=False)
    with pytest.raises(TransitionError, match="vidmakthålls till 2026-06-30"):
        lc.activate_module(program, kept, "steg-2", now=now, actor=CLINICIAN)
    assert lc.patient_can_see(kept, "steg-1", sthlm(2026, 6, 30, 23, 59))
    assert not lc.patient_can_see(kept, "steg-1", sthlm(2026, 7, 1, 0, 0))
    assert not lc.patient_can_see(kept, "steg-2", now)


def test_maintenance_needs_an_ended_moment_and_a_future_date(program, started):
    state, _ = started
    with pytest.raises(TransitionError, match="måste avslutas innan"):
        lc.maintain(program, state, date(2026, 6, 30), now=sthlm(2026, 4, 1), actor=CLINICIAN)
    ended = lc.end(program, state, "avbruten", now=sthlm(2026, 4, 1), actor=CLINICIAN).state
    with pytest.raises(TransitionError, match="ligger före i dag"):
        lc.maintain(program, ended, date(2026, 3, 31), now=sthlm(2026, 4, 1, 1), actor=CLINICIAN)


def test_change_of_clinician_hand_over_and_links(program, started):
    state, _ = started
    now = sthlm(2026, 3, 20)
    t = lc.change_clinician(program, state, now=now, actor=CLINICIAN, new=OTHER_CLINICIAN)
    assert texts(t.events) == ["Ansvarig behandlare byttes från Sanna Eriksson till Marita Andersson"]
    assert t.state.clinician == OTHER_CLINICIAN
    with pytest.raises(TransitionError, match="redan ansvarig"):
        lc.change_clinician(program, t.state, now=now, actor=CLINICIAN, new=OTHER_CLINICIAN)
    t = lc.hand_over(program, t.state, "Vårdcentral Syd", now=now, actor=OTHER_CLINICIAN)
    assert texts(t.events) == ["Momentet överlämnades till Vårdcentral Syd"]
    assert t.state.care_unit == "Vårdcentral Syd"
    t = lc.link(program, t.state, "m-42", now=now, actor=OTHER_CLINICIAN)
    assert t.state.linked == ("m-42",) and texts(t.events) == ["Momentet länkades till moment m-42"]
    with pytest.raises(TransitionError, match="redan länkat"):
        lc.link(program, t.state, "m-42", now=now, actor=OTHER_CLINICIAN)


def test_modules_completed_and_days_in_moment(program, started):
    state, _ = started
    assert lc.modules_completed(state) == (0, 5)
    assert lc.days_in_moment(state, sthlm(2026, 3, 2, 23)) == 0
    assert lc.days_in_moment(state, sthlm(2026, 3, 9, 8)) == 7
