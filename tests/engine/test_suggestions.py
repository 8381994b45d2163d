"""Module suggestions (`suggest:` on a module): loading with located errors, golden tests (`suggests:`),
evaluation over a form's answers, and `suggested_modules` for one moment (only upcoming modules)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from engine import forms
from engine.loader import check_text, load_text
from engine.model import Form, Option, Question, SuggestRule, frozen_map
from engine.moment import lifecycle as lc
from engine.moment.suggestions import Suggestion, suggested_modules
from moment_builders import CLINICIAN, MINI_CONTENT, build_program, mini_yaml, sthlm

SOURCE = mini_yaml("vanor").replace("forms:\n", """  - id: gravid
    title: Graviditet
    kind: individual
    default_days: 7
    suggest:
      - id: gravid
        form: vanor
        when: graviditet == "ja"
        reason: invånaren har svarat att hon är gravid
    steps:
      - {id: g1, number: "G.1", title: Gravid, content: start.md}
forms:
""") + """  - id: vanor
    title: Vanor
    questions:
      - {id: graviditet, type: single_choice, text: Gravid?, required: true, options: [{id: ja, label: Ja}, {id: nej, label: Nej}]}
      - {id: alder, type: number, text: Ålder, min: 0, max: 120}
"""


def load(source: str):
    return check_text(source, "p.yaml", content_dir=MINI_CONTENT)


# ---------------------------------------------------------------- loading

def test_suggest_rules_are_loaded_into_the_model():
    program = load_text(SOURCE, "p.yaml", content_dir=MINI_CONTENT)
    assert program.module("gravid").suggest == (
        SuggestRule("gravid", "vanor", 'graviditet == "ja"', "invånaren har svarat att hon är gravid"),)
    assert str(program.module("gravid").suggest[0].location) == "p.yaml:18:9"
    assert program.module("start").suggest == ()


@pytest.mark.parametrize("change, expected", [
    (('when: graviditet == "ja"', 'when: gravid == "ja"'),
     "p.yaml:20:15: error: when: unknown question 'gravid'; did you mean 'graviditet'?"),
    (('when: graviditet == "ja"', 'when: alder == "ja"'),
     "p.yaml:20:21: error: when: cannot compare 'alder' (a number) with the text 'ja'"),
    (("form: vanor\n        when", "form: vano\n        when"),
     "p.yaml:19:15: error: unknown form 'vano' in suggest rule 'gravid' of module 'gravid'; did you mean 'vanor'?"),
    (("    steps:\n      - {id: g1", "      - {id: gravid, form: vanor, when: alder < 18, reason: Ung}\n"
                                      "    steps:\n      - {id: g1"),
     "p.yaml:22:14: error: duplicate suggest rule id 'gravid' in module 'gravid' (first used on line 18)"),
])
def test_suggest_mistakes_are_located(change, expected):
    assert change[0] in SOURCE
    program, problems = load(SOURCE.replace(*change))
    assert program is None
    assert [p.format() for p in problems] == [expected]


def test_a_misspelt_key_is_located():
    program, problems = load(SOURCE.replace("reason: invånaren", "orsak: invånaren"))
    assert program is None
    assert [p.format() for p in problems] == [
        "p.yaml:18:9: error: missing required key 'reason' in suggestion rule",
        "p.yaml:21:9: error: unknown key 'orsak' in suggestion rule; allowed keys: id, form, when, reason"]


def test_golden_tests_list_the_suggested_modules_exactly():
    tests = """    tests:
      - {name: gravid, answers: {graviditet: ja}, suggests: [gravid]}
      - {name: inte gravid, answers: {graviditet: nej}, suggests: []}
"""
    program, problems = load(SOURCE + tests)
    assert problems == [] and program.form("vanor").tests[0].suggests == ("gravid",)
    wrong = """    tests:
      - {name: gravid, answers: {graviditet: ja}, suggests: []}
      - {name: inte gravid, answers: {graviditet: nej}, suggests: [gravid]}
      - {name: start, answers: {graviditet: nej}, suggests: [start]}
"""
    _, problems = load(SOURCE + wrong)
    assert [p.format() for p in problems] == [
        "p.yaml:31:9: error: golden test 'gravid': expected suggested modules [], got [gravid]",
        "p.yaml:32:9: error: golden test 'inte gravid': expected suggested modules [gravid], got []",
        "p.yaml:33:9: error: golden test 'start': module 'start' has no suggest rule over form 'vanor' "
        "(modules suggested from this form: gravid)",
    ]


# ---------------------------------------------------------------- evaluation

VANOR = Form("vanor", "1.2 Dina tobaksvanor", (
    Question("cigs", "number", "Hur många cigaretter per dag?", required=True, min=0, max=100),
    Question("under_18", "yes_no", "Är du under 18 år?", required=True),
    Question("operation", "yes_no", "Ska du opereras?"),
    Question("datum", "date", "Vilket datum?", show_if="operation == true"),
    Question("graviditet", "single_choice", "Gravid?", options=(Option("gravid", "Ja"), Option("nej", "Nej"))),
))
UNG = SuggestRule("under-18", "vanor", "under_18 == true", "invånaren har svarat att hen är under 18 år")
SNART = SuggestRule("snart", "vanor", "days_between(today(), datum) <= 60",
                    "invånaren ska opereras inom två månader")
HIDDEN = SuggestRule("dold", "vanor", "datum != null", "datum angivet")


def _program(**suggest):
    """The test program with VANOR in step 1.2 and suggest rules on the given modules."""
    base = build_program()
    modules = tuple(replace(m, suggest=tuple(suggest.get(m.id.replace("-", "_"), ()))) for m in base.modules)
    modules = tuple(replace(m, steps=tuple(replace(s, forms=("vanor",)) if s.id == "tobaksvanor" else s
                                           for s in m.steps)) for m in modules)
    return build_program(modules=modules, forms=frozen_map({**base.forms, "vanor": VANOR}))


def test_a_rule_reads_the_visible_answers_and_today():
    assert forms.rule_holds(VANOR, UNG, {"cigs": 5, "under_18": True})
    assert not forms.rule_holds(VANOR, UNG, {"cigs": 5, "under_18": False})
    # a hidden question is unanswered: the date counts only when operation is yes
    assert not forms.rule_holds(VANOR, HIDDEN, {"operation": False, "datum": date(2026, 4, 1)})
    assert forms.rule_holds(VANOR, HIDDEN, {"operation": True, "datum": date(2026, 4, 1)})
    values = {"operation": True, "datum": date(2026, 5, 1)}
    assert forms.rule_holds(VANOR, SNART, values, today=date(2026, 3, 2))  # 60 days
    assert not forms.rule_holds(VANOR, SNART, values, today=date(2026, 3, 1))  # 61 days
    assert not forms.rule_holds(VANOR, SNART, values)  # no date known: today() is null


def test_the_modules_suggested_are_those_whose_first_holding_rule_holds_and_the_answers_are_walked_once(
        monkeypatch):
    from engine.forms import suggestions

    program = _program(ung=(HIDDEN, UNG), steg_2=(SNART,), avslutning=(UNG, SNART))
    modules = [m for m in program.modules if m.suggest]
    assert len(modules) == 3
    walks = []
    real_walk = suggestions._walk
    monkeypatch.setattr(suggestions, "_walk", lambda *a: (walks.append(1), real_walk(*a))[1])
    for values, today in (({"cigs": 5, "under_18": True}, None),
                          ({"operation": True, "datum": date(2026, 5, 1), "under_18": True}, date(2026, 3, 2)),
                          ({"operation": False, "datum": date(2026, 5, 1)}, date(2026, 3, 2))):
        # one rule at a time (rule_holds) is the reference
        expected = tuple((m, next(r for r in m.suggest if suggestions.rule_holds(VANOR, r, values, today=today)))
                         for m in modules if any(suggestions.rule_holds(VANOR, r, values, today=today)
                                                 for r in m.suggest))
        walks.clear()
        assert forms.suggesting_modules(VANOR, program.modules, values, today=today) == expected
        assert len(walks) == 1


def test_the_answers_suggest_an_upcoming_module_with_its_reason_and_step():
    program = _program(ung=(UNG,))
    state = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN).state
    assert state.modules["ung"].state == "upcoming"
    got = suggested_modules(program, state, {"vanor": {"cigs": 5, "under_18": True}})
    assert got == (Suggestion("ung", "invånaren har svarat att hen är under 18 år", "vanor", "under-18", "1.2"),)
    assert suggested_modules(program, state, {"vanor": {"cigs": 5, "under_18": False}}) == ()
    assert suggested_modules(program, state, {}) == ()  # never submitted


def test_a_current_or_completed_module_is_not_suggested_and_one_set_back_is_again():
    program = _program(ung=(UNG,))
    answers = {"vanor": {"cigs": 5, "under_18": True}}
    state = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN).state
    current = lc.activate_module(program, state, "ung", now=sthlm(2026, 3, 3, 9), actor=CLINICIAN).state
    assert suggested_modules(program, current, answers) == ()
    completed = lc.complete_module(program, current, "ung", now=sthlm(2026, 3, 9, 9), actor=CLINICIAN).state
    assert suggested_modules(program, completed, answers) == ()
    back = lc.set_upcoming(program, completed, "ung", now=sthlm(2026, 3, 10, 9), actor=CLINICIAN).state
    assert [s.module for s in suggested_modules(program, back, answers)] == ["ung"]


def test_an_ended_moment_suggests_nothing():
    program = _program(ung=(UNG,))
    state = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN).state
    ended = lc.end(program, state, "genomford", now=sthlm(2026, 3, 4, 9), actor=CLINICIAN).state
    assert suggested_modules(program, ended, {"vanor": {"cigs": 5, "under_18": True}}) == ()


def test_one_suggestion_per_module_by_its_first_rule_in_program_order():
    second = SuggestRule("gravid", "vanor", 'graviditet == "gravid"', "invånaren har svarat att hon är gravid")
    op = SuggestRule("op", "vanor", "operation == true", "invånaren ska opereras")
    program = _program(ung=(second, UNG), steg_2=(op,))
    state = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN).state
    answers = {"vanor": {"cigs": 5, "under_18": True, "operation": True, "graviditet": "gravid"}}
    assert [(s.module, s.rule) for s in suggested_modules(program, state, answers)] == [
        ("ung", "gravid"), ("steg-2", "op")]
    answers = {"vanor": {"cigs": 5, "under_18": True, "graviditet": "nej"}}
    assert [(s.module, s.rule) for s in suggested_modules(program, state, answers)] == [("ung", "under-18")]


def test_suggestions_pass_today_to_rules_that_use_it():
    program = _program(ung=(SNART,))
    state = lc.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN).state
    answers = {"vanor": {"cigs": 5, "under_18": False, "operation": True, "datum": date(2026, 4, 1)}}
    assert suggested_modules(program, state, answers) == ()
    assert [s.module for s in suggested_modules(program, state, answers, today=date(2026, 3, 2))] == ["ung"]
