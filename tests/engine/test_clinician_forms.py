"""Forms the clinician fills in for the patient (`filled_by: clinician`) and other forms' values in
expressions (`form_id.value_id`): loading with located errors, setting, the patient's refusal, use."""
from __future__ import annotations

from datetime import time

import pytest

from engine import forms
from engine.authoring.simulate import simulate_file, to_data
from engine.errors import TransitionError
from engine.expr import check, evaluate
from engine.loader import check_text, load_text
from engine.model import Question
from engine.moment import lifecycle as lc
from engine.moment.clinician_forms import fill_for_patient
from engine.moment.entries import latest_values
from engine.moment.rules import unread_forms
from moment_builders import CLINICIAN, MINI_CONTENT, PATIENT, mini_yaml, sthlm
from test_simulate import EXAMPLES

PROGRAM = mini_yaml("natt, fonster") + """  - id: fonster
    title: Sömnfönster
    filled_by: clinician
    questions:
      - {id: lagg, type: time, text: Lägg dig, required: true}
      - {id: upp, type: time, text: Stig upp, required: true}
    computed:
      - {id: langd, expr: "minutes_between(lagg, upp)", label: Fönster, unit: min}
  - id: natt
    title: Natt
    questions:
      - {id: lagg, type: time, text: Lägg dig, required: true}
      - {id: upp, type: time, text: Stig upp, required: true}
    computed:
      - {id: over, expr: "minutes_between(lagg, upp) - fonster.langd", label: Utöver fönstret, unit: min}
    alerts:
      - {id: tidig, when: "lagg < fonster.lagg and lagg > '20:00'", title: Lade sig före fönstret}
    tests:
      - name: en timme utöver fönstret
        others: {fonster: {lagg: 23:30, upp: "06:00", langd: 390}}
        answers: {lagg: "22:30", upp: "06:00"}
        computed: {over: 60}
        alerts: [tidig]
"""


def load(source: str):
    return check_text(source, "p.yaml", content_dir=MINI_CONTENT)


def test_a_clinician_form_and_a_reference_to_it_load_and_their_golden_test_passes():
    program, problems = load(PROGRAM.replace("required_forms", "x"))
    assert [p.format() for p in problems] == [
        "p.yaml:12:76: error: step 'intro' would wait for 'fonster', which the clinician fills in; list the "
        "patient's forms in required_forms (required_forms: [] for none)"]
    source = PROGRAM.replace("forms: [natt, fonster]}", "forms: [natt, fonster], required_forms: [natt]}")
    program, problems = load(source)
    assert problems == [] and program.form("fonster").filled_by == "clinician"


@pytest.mark.parametrize("change, expected", [
    (("fonster.langd\", label", "fonstr.langd\", label"),
     "p.yaml:28:56: error: expr: unknown form 'fonstr'; did you mean 'fonster'?"),
    (("fonster.langd\", label", "fonster.lang\", label"),
     "p.yaml:28:56: error: expr: form 'fonster' has no question or computed value 'lang'; did you mean 'langd'?"),
    (("when: \"lagg < fonster.lagg", "when: \"lagg < fonster.langd"),
     "p.yaml:30:33: error: when: cannot compare 'lagg' (a time) with a number"),
])
def test_references_to_other_forms_are_type_checked_and_located(change, expected):
    source = PROGRAM.replace("forms: [natt, fonster]}", "forms: [natt, fonster], required_forms: [natt]}")
    assert change[0] in source
    program, problems = load(source.replace(*change))
    assert expected in [p.format() for p in problems]


def test_show_if_and_validation_rules_cannot_use_other_forms():
    questions = (Question("lagg", "time", "Lägg dig"),)
    [error] = check("lagg < fonster.lagg", questions)
    assert error.message == "'fonster.lagg': another form's values can only be used in computed values and alerts"


def test_an_unset_value_of_another_form_is_null():
    assert evaluate("minutes_between(lagg, upp) - fonster.langd", {"lagg": time(23), "upp": time(6)}) is None
    assert evaluate("fonster.langd + 1", {}, others={"fonster": {"langd": 390}}) == 391


def test_the_clinician_sets_the_values_and_the_patient_cannot_submit_them():
    source = PROGRAM.replace("forms: [natt, fonster]}", "forms: [natt, fonster], required_forms: [natt]}")
    program = load_text(source, "p.yaml", content_dir=MINI_CONTENT)
    state = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN).state
    state = lc.activate_module(program, state, "start", now=sthlm(2026, 3, 2, 9, 5), actor=CLINICIAN).state
    with pytest.raises(TransitionError, match="Formulär Sömnfönster fylls i av behandlaren."):
        lc.submit_form(program, state, "fonster", {"lagg": time(23, 30), "upp": time(6)},
                       now=sthlm(2026, 3, 2, 10), actor=PATIENT)
    with pytest.raises(TransitionError):
        fill_for_patient(program, state, "natt", {"lagg": time(23), "upp": time(6)},
                         now=sthlm(2026, 3, 2, 10), actor=CLINICIAN)
    with pytest.raises(TransitionError):
        fill_for_patient(program, state, "fonster", {"lagg": time(23), "upp": time(6)},
                         now=sthlm(2026, 3, 2, 10), actor=PATIENT)
    set_window = fill_for_patient(program, state, "fonster", {"lagg": time(23, 30), "upp": time(6)},
                                  now=sthlm(2026, 3, 2, 10), actor=CLINICIAN)
    [event] = set_window.events
    assert event.actor == CLINICIAN and event.data["computed"] == {"langd": 390}
    assert unread_forms(set_window.events) == []  # the clinician's own values are not news to them
    night = lc.submit_form(program, set_window.state, "natt", {"lagg": time(22, 30), "upp": time(6)},
                           now=sthlm(2026, 3, 3, 7), actor=PATIENT,
                           others=latest_values(program, set_window.events))
    assert night.events[0].data["computed"] == {"over": 60}
    assert night.events[0].data["alerts"] == ["tidig"]


def test_the_sleep_window_example_measures_each_night_against_the_newest_window():
    data = to_data(simulate_file(EXAMPLES / "somnskolan-somnfonster.yaml"))
    nights = [e["computed"]["over_fonstret"]["shown"] for e in data["events"]
              if e["type"] == "form_submitted" and "over_fonstret" in e.get("computed", {})]
    # no window yet; 23:00–06:00 against 23:30–06:00; 23:15–06:00 against the widened 23:15–06:00
    assert nights == ["–", "30 min", "0 min"]
    rejected = [e["text"] for e in data["events"] if e["type"] == "action_rejected"]
    assert rejected == ["Avvisad åtgärd submit_form: Formulär Ditt sömnfönster fylls i av behandlaren."]


def test_a_form_knows_whether_it_uses_other_forms_values():
    source = PROGRAM.replace("forms: [natt, fonster]}", "forms: [natt, fonster], required_forms: [natt]}")
    program = load_text(source, "p.yaml", content_dir=MINI_CONTENT)
    assert forms.uses_other_forms(program.form("natt")) is True
    assert forms.uses_other_forms(program.form("fonster")) is False
