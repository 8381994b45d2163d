"""Answer rules that alert (`alerts:` on a form) and rules that use today(): loading with located
errors, golden tests, evaluation, the patient's feedback, the submission event and the clinician flag
that needs no subscription."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from engine import forms
from engine.errors import AnswerError
from engine.loader import check_text, load_text
from engine.model import Alert, Band, Form, Question, Scoring, Validation, frozen_map
from engine.moment import flags as fl
from engine.moment import lifecycle as lc
from moment_builders import CLINICIAN, MINI_CONTENT, PATIENT, build_program, mini_yaml, sthlm

CONTENT = MINI_CONTENT

MOOD = Form("mood", "Hur mår du?", (
    Question("sug", "scale", "Sug", required=True, min=0, max=4),
    Question("nedstamd", "scale", "Nedstämd", required=True, min=0, max=4),
    Question("orolig", "yes_no", "Orolig?"),
), scoring=Scoring(items=("sug", "nedstamd"),
                   bands=(Band(0, 3, "Lätta", "Fortsätt så."), Band(4, 8, "Svåra", "Prata med oss."))),
    feedback="Tack för dina svar.",
    alerts=(Alert("nedstamd", "nedstamd >= 3", "Nedstämdhet 3 eller mer", "Ring 1177. Vid akut fara, ring 112."),
            Alert("oro", "orolig == true and sug >= 2", "Oro och sug", None)))

QUIT = Form("quit", "Min stoppdag", (
    Question("stoppdag", "date", "Vilken dag?", required=True, validations=(Validation(
        "days_between(today(), stoppdag) >= 0 and days_between(today(), stoppdag) <= 14",
        "Välj en dag från i dag till 14 dagar framåt."),)),
))


# ---------------------------------------------------------------- evaluation and feedback

def test_an_alert_triggers_on_one_item_whatever_the_total_says():
    values = {"sug": 0, "nedstamd": 4}
    assert [a.id for a in forms.alerts_for(MOOD, values)] == ["nedstamd"]
    assert forms.score(MOOD, values).band.label == "Svåra"
    values = {"sug": 0, "nedstamd": 3}  # total 3: the mildest band, but the alert still triggers
    assert forms.score(MOOD, values).band.label == "Lätta"
    assert [a.id for a in forms.alerts_for(MOOD, values)] == ["nedstamd"]


def test_no_alert_below_the_threshold_and_several_in_the_authors_order():
    assert forms.alerts_for(MOOD, {"sug": 4, "nedstamd": 2, "orolig": False}) == ()
    assert [a.id for a in forms.alerts_for(MOOD, {"sug": 2, "nedstamd": 3, "orolig": True})] == ["nedstamd", "oro"]


def test_the_patient_sees_the_alert_feedback_first_then_the_band_then_the_form():
    assert forms.submission_feedback(MOOD, {"sug": 0, "nedstamd": 3}) == (
        "Ring 1177. Vid akut fara, ring 112.", "Fortsätt så.", "Tack för dina svar.")
    assert forms.submission_feedback(MOOD, {"sug": 0, "nedstamd": 0}) == ("Fortsätt så.", "Tack för dina svar.")


def test_alert_feedback_from_stored_ids_skips_unknown_ids_and_alerts_without_feedback():
    assert forms.alert_feedback(MOOD, ["oro", "borttagen", "nedstamd"]) == ("Ring 1177. Vid akut fara, ring 112.",)
    assert forms.alert_feedback(MOOD, None) == ()


# ---------------------------------------------------------------- today() in validation rules

def test_a_rule_with_today_checks_the_callers_date():
    today = date(2026, 3, 2)
    assert forms.validate(QUIT, {"stoppdag": date(2026, 3, 16)}, today=today) == {}
    assert forms.validate(QUIT, {"stoppdag": date(2026, 3, 17)}, today=today) == {
        "stoppdag": "Välj en dag från i dag till 14 dagar framåt."}
    assert forms.validate(QUIT, {"stoppdag": date(2026, 3, 1)}, today=today) == {
        "stoppdag": "Välj en dag från i dag till 14 dagar framåt."}


def test_without_a_date_a_rule_with_today_is_skipped():
    assert forms.validate(QUIT, {"stoppdag": date(2030, 1, 1)}) == {}
    assert forms.submit(QUIT, {"stoppdag": "2030-01-01"}) == {"stoppdag": date(2030, 1, 1)}
    with pytest.raises(AnswerError):
        forms.submit(QUIT, {"stoppdag": "2030-01-01"}, today=date(2026, 3, 2))


# ---------------------------------------------------------------- loading

PROGRAM = mini_yaml("mar") + """  - id: mar
    title: Hur mår du?
    questions:
      - {id: humor, type: scale, text: Humör, required: true, min: 0, max: 4}
      - {id: stoppdag, type: date, text: Stoppdag}
    alerts:
      - id: lagt
        when: humor >= 3
        title: Lågt humör
        feedback: Ring 1177.
"""


def load(source: str):
    return check_text(source, "p.yaml", content_dir=CONTENT)


def test_alerts_are_loaded_into_the_model():
    program = load_text(PROGRAM, "p.yaml", content_dir=CONTENT)
    assert program.form("mar").alerts == (Alert("lagt", "humor >= 3", "Lågt humör", "Ring 1177."),)
    assert str(program.form("mar").alert("lagt").location) == "p.yaml:20:9"


@pytest.mark.parametrize("change, expected", [
    (("when: humor >= 3", "when: humr >= 3"),
     "p.yaml:21:15: error: when: unknown question 'humr'; did you mean 'humor'?"),
    (("when: humor >= 3", "when: stoppdag >= 3"),
     "p.yaml:21:24: error: when: cannot compare 'stoppdag' (a date) with the number 3"),
    (("title: Lågt humör", "titel: Lågt humör"),
     "p.yaml:22:9: error: unknown key 'titel' in alert; did you mean 'title'?"),
    (("        feedback: Ring 1177.\n", "        feedback: Ring 1177.\n      - {id: lagt, when: humor > 3, title: Två}\n"),
     "p.yaml:24:14: error: duplicate alert id 'lagt' in form 'mar' (first used on line 20)"),
])
def test_alert_mistakes_are_located(change, expected):
    program, problems = load(PROGRAM.replace(*change))
    assert program is None
    assert [p.format() for p in problems] == [expected]


def test_an_alert_may_use_a_later_question_and_today():
    source = PROGRAM.replace("when: humor >= 3", "when: humor >= 3 or days_between(today(), stoppdag) > 30")
    program, problems = load(source)
    assert problems == [] and program is not None


def test_golden_tests_list_the_alerts_that_must_trigger_exactly():
    tests = """    tests:
      - {name: lågt, answers: {humor: 3}, alerts: [lagt]}
      - {name: bra, answers: {humor: 2}, alerts: []}
"""
    program, problems = load(PROGRAM + tests)
    assert problems == [] and program.form("mar").tests[0].alerts == ("lagt",)
    wrong = """    tests:
      - {name: lågt, answers: {humor: 3}, alerts: []}
      - {name: bra, answers: {humor: 2}, alerts: [lagt]}
      - {name: okänd, answers: {humor: 2}, alerts: [hog]}
"""
    _, problems = load(PROGRAM + wrong)
    assert [p.format() for p in problems] == [
        "p.yaml:25:9: error: golden test 'lågt': expected alerts [], got [lagt]",
        "p.yaml:26:9: error: golden test 'bra': expected alerts [lagt], got []",
        "p.yaml:27:9: error: golden test 'okänd': unknown alert 'hog' (alerts of this form: lagt)",
    ]


def test_golden_tests_give_today_for_rules_that_use_it():
    source = PROGRAM.replace("      - {id: stoppdag, type: date, text: Stoppdag}\n", """      - id: stoppdag
        type: date
        text: Stoppdag
        validate: [{rule: 'days_between(today(), stoppdag) <= 14', message: Högst 14 dagar fram.}]
""") + """    tests:
      - {name: två veckor, today: "2026-03-02", answers: {humor: 0, stoppdag: "2026-03-16"}, alerts: []}
      - {name: för sent, today: "2026-03-02", answers: {humor: 0, stoppdag: "2026-03-17"}, valid: false}
      - {name: utan dag, answers: {humor: 0, stoppdag: "2026-03-17"}}
"""
    program, problems = load(source)
    assert problems == []
    assert program.form("mar").tests[0].today == date(2026, 3, 2)
    _, problems = load(source.replace('"2026-03-17"}, valid: false', '"2026-03-16"}, valid: false'))
    assert [p.format() for p in problems] == [
        "p.yaml:29:9: error: golden test 'för sent': expected the answers to be invalid, but they passed validation"]


# ---------------------------------------------------------------- submitting and the flag

def _program():
    """The test program with MOOD shown in step 1.1 (current from the start)."""
    base = build_program()
    motivation = replace(base.step("steg-1", "motivation"), forms=("skal", "mood"))
    modules = tuple(replace(m, steps=(motivation, *m.steps[1:])) if m.id == "steg-1" else m for m in base.modules)
    return build_program(modules=modules, forms=frozen_map({**base.forms, "mood": MOOD}))


def test_submitting_records_the_triggered_alerts_and_flags_the_clinician_without_a_subscription():
    program = _program()
    state = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN).state
    at = sthlm(2026, 3, 4, 20, 15)
    t = lc.submit_form(program, state, "mood", {"sug": 0, "nedstamd": 4}, now=at, actor=PATIENT)
    event = t.events[0]
    assert event.data["alerts"] == ["nedstamd"]
    flags = fl.due_flags(program, t.state, t.events, [], at)
    assert [(f.type, f.label, f.at, f.cause, f.text, f.form) for f in flags] == [(
        "answer_alert", "Svar kräver uppmärksamhet", at, "answer_alert:mood:nedstamd:2026-03-04T20:15:00+01:00",
        "Nedstämdhet 3 eller mer: svar i formuläret Hur mår du? 2026-03-04 20:15.", "mood")]
    raised = [fl.flag_event(f) for f in flags]
    assert fl.due_flags(program, t.state, [*t.events, *raised], [], at) == []


def test_a_submission_without_alerts_records_none_and_raises_no_flag():
    program = _program()
    state = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN).state
    t = lc.submit_form(program, state, "mood", {"sug": 4, "nedstamd": 2}, now=sthlm(2026, 3, 4, 20), actor=PATIENT)
    assert "alerts" not in t.events[0].data
    assert fl.due_flags(program, t.state, t.events, [], sthlm(2026, 3, 5)) == []


def test_the_label_of_the_answer_alert_flag():
    assert fl.LABELS["answer_alert"] == "Svar kräver uppmärksamhet"
    assert "answer_alert" not in fl.RULES  # nobody subscribes to it, and nobody can opt out
