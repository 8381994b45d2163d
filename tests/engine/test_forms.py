"""Form answers: coercion of web strings, show_if, validation, cleaning, submission and storage."""
from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import AnswerError
from engine.forms import (clean, coerce, coerce_answer, from_json, submit, to_json, to_raw, validate,
                          visible_questions)
from engine.model import Form, Option, Question, Validation

EVERY_TYPE = Form("all", "Alla typer", (
    Question("name", "short_text", "Namn"),
    Question("story", "long_text", "Berätta"),
    Question("count", "number", "Antal", min=0, max=100),
    Question("weight", "number", "Vikt"),
    Question("craving", "scale", "Sug", min=0, max=10),
    Question("brand", "single_choice", "Märke", options=(Option("marlboro", "M"), Option("prince", "P"))),
    Question("products", "multiple_choice", "Produkter", options=(
        Option("cigaretter", "Cigaretter"), Option("snus", "Snus"), Option("e-cigg", "E-cigg"))),
    Question("smokes", "yes_no", "Röker du?"),
    Question("quit", "date", "Stoppdag"),
    Question("wake", "time", "Vaknar"),
))


def q(qid: str) -> Question:
    question = EVERY_TYPE.question(qid)
    assert question is not None
    return question


# ---------------------------------------------------------------- coercion

@pytest.mark.parametrize("qid, raw, value", [
    ("name", "  Anna  ", "Anna"),
    ("story", "rad 1\r\nrad 2\n", "rad 1\nrad 2"),
    ("count", "12", 12),
    ("count", "-3", -3),
    ("count", "12,5", 12.5),
    ("count", "12.5", 12.5),
    ("count", " 7 ", 7),
    ("count", "1 000", 1000),
    ("count", "1\u00a0000,25", 1000.25),
    ("count", "\u22122", -2),
    ("craving", "7", 7),
    ("brand", "prince", "prince"),
    ("brand", "camel", "camel"),  # options are checked by validate, next to the required rule
    ("products", ["snus", "cigaretter"], ["cigaretter", "snus"]),  # options' order
    ("products", ["snus", "snus", ""], ["snus"]),
    ("products", "snus", ["snus"]),
    ("smokes", "yes", True),
    ("smokes", "Ja", True),
    ("smokes", "nej", False),
    ("smokes", "NO", False),
    ("quit", "2024-05-17", date(2024, 5, 17)),
    ("wake", "07:30", time(7, 30)),
    ("wake", "7:30", time(7, 30)),
    ("wake", "7.30", time(7, 30)),
    ("count", ["5"], 5),
])
def test_web_strings_become_typed_values(qid, raw, value):
    result, error = coerce_answer(q(qid), raw)
    assert error is None
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize("qid", ["name", "story", "count", "craving", "brand", "smokes", "quit", "wake"])
@pytest.mark.parametrize("raw", [None, "", "   ", [], [""]])
def test_empty_input_is_unanswered(qid, raw):
    assert coerce_answer(q(qid), raw) == (None, None)


@pytest.mark.parametrize("raw", [None, [], [""], ""])
def test_no_ticked_box_leaves_a_multiple_choice_unanswered(raw):
    assert coerce_answer(q("products"), raw) == (None, None)


@pytest.mark.parametrize("qid, raw, message", [
    ("count", "tolv", "Ange ett tal."),
    ("count", "12,5,1", "Ange ett tal."),
    ("count", "1e5", "Ange ett tal."),
    ("count", "nan", "Ange ett tal."),
    ("count", "1 00", "Ange ett tal."),
    ("count", "1" * 31, "Ange ett tal."),
    ("count", "٣", "Ange ett tal."),
    ("craving", "3,5", "Ange ett heltal."),
    ("craving", "mycket", "Ange ett heltal."),
    ("smokes", "kanske", "Svara ja eller nej."),
    ("quit", "17/5 2024", "Ange ett datum (ÅÅÅÅ-MM-DD)."),
    ("quit", "2024-02-30", "Ange ett datum (ÅÅÅÅ-MM-DD)."),
    ("quit", "20240517", "Ange ett datum (ÅÅÅÅ-MM-DD)."),
    ("wake", "24:00", "Ange en tid (TT:MM)."),
    ("wake", "07:30:15", "Ange en tid (TT:MM)."),
    ("wake", "halv åtta", "Ange en tid (TT:MM)."),
    ("count", ["1", "2"], "Ange bara ett svar."),
    ("count", 5, "Ange ett tal."),
])
def test_unreadable_input_gives_a_swedish_message(qid, raw, message):
    assert coerce_answer(q(qid), raw) == (None, message)


def test_coerce_returns_every_question_and_every_error():
    values, errors = coerce(EVERY_TYPE, {"count": "tolv", "quit": "igår", "name": "Anna",
                                         "csrf_token": "ignored"})
    assert set(values) == {qq.id for qq in EVERY_TYPE.questions}
    assert values["name"] == "Anna" and values["count"] is None
    assert errors == {"count": "Ange ett tal.", "quit": "Ange ett datum (ÅÅÅÅ-MM-DD)."}


def test_coerce_reads_repeated_checkbox_fields_from_a_multi_dict():
    class MultiDict(dict):
        def getlist(self, key):
            return {"products": ["snus", "e-cigg"]}.get(key, [])

    values, errors = coerce(EVERY_TYPE, MultiDict(products="snus"))
    assert values["products"] == ["snus", "e-cigg"] and errors == {}


def test_typed_values_render_back_to_the_strings_a_patient_would_type():
    values = {"name": "Anna", "count": 12.5, "craving": 3, "products": ["snus"], "smokes": False,
              "quit": date(2024, 5, 17), "wake": time(7, 5)}
    raw = to_raw(EVERY_TYPE, values)
    assert raw == {"name": "Anna", "story": "", "count": "12,5", "weight": "", "craving": "3",
                   "brand": "", "products": ["snus"], "smokes": "no", "quit": "2024-05-17",
                   "wake": "07:05"}


typed_values = st.fixed_dictionaries({
    # canonical text only: coercing turns a browser's "\r\n" into "\n" by design
    "name": st.none() | st.text(min_size=1).map(str.strip).filter(lambda s: s and "\r\n" not in s),
    "count": st.none() | st.integers(-10**9, 10**9) | st.integers(-10**6, 10**6).map(lambda n: n / 1000),
    "craving": st.none() | st.integers(0, 10),
    "brand": st.none() | st.sampled_from(["marlboro", "prince"]),
    "products": st.none() | st.lists(st.sampled_from(["cigaretter", "snus", "e-cigg"]), min_size=1,
                                     unique=True).map(lambda xs: sorted(xs, key=["cigaretter", "snus",
                                                                                 "e-cigg"].index)),
    "smokes": st.none() | st.booleans(),
    "quit": st.none() | st.dates(),
    "wake": st.none() | st.times().map(lambda t: t.replace(second=0, microsecond=0)),
})


@settings(max_examples=200, deadline=None)
@given(typed_values)
def test_rendering_and_coercing_again_gives_the_same_values(values):
    values = {k: v for k, v in values.items()}
    again, errors = coerce(EVERY_TYPE, to_raw(EVERY_TYPE, values))
    assert errors == {}
    assert {k: v for k, v in again.items() if v is not None} == {
        k: v for k, v in values.items() if v is not None}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([qq.id for qq in EVERY_TYPE.questions]),
                       st.text(max_size=12) | st.lists(st.text(max_size=5), max_size=3)))
def test_coerce_never_raises_on_arbitrary_strings(raw):
    values, errors = coerce(EVERY_TYPE, raw)
    assert set(errors) <= set(values)
    validate(EVERY_TYPE, values)


# ---------------------------------------------------------------- show_if

TOBACCO = Form("tobak", "Tobak", (
    Question("products", "multiple_choice", "Produkter", required=True, options=(
        Option("cigaretter", "Cigaretter"), Option("snus", "Snus"))),
    Question("cigs", "number", "Cigaretter per dag", required=True, min=0, max=100,
             show_if='"cigaretter" in products'),
    Question("heavy", "yes_no", "Röker du i sängen?", show_if="cigs >= 20"),
    Question("bed", "short_text", "Hur ofta?", required=True, show_if="heavy"),
    Question("cans", "number", "Dosor per vecka", show_if='"snus" in products',
             validations=(Validation("cans <= 20", "Det låter mycket – stämmer det?"),
                          Validation("cans != 13", "Otursnummer."))),
    Question("note", "long_text", "Övrigt", validations=(
        Validation("len(note) <= 10", "Skriv högst 10 tecken."),)),
))


def ids(questions) -> list[str]:
    return [qq.id for qq in questions]


def test_questions_without_show_if_are_always_visible():
    assert ids(visible_questions(TOBACCO, {})) == ["products", "note"]


def test_show_if_chains_follow_earlier_answers():
    values = {"products": ["cigaretter"], "cigs": 25, "heavy": True}
    assert ids(visible_questions(TOBACCO, values)) == ["products", "cigs", "heavy", "bed", "note"]
    values["heavy"] = False
    assert ids(visible_questions(TOBACCO, values)) == ["products", "cigs", "heavy", "note"]


def test_a_hidden_question_counts_as_unanswered_for_later_show_ifs():
    # cigs and heavy still carry answers, but snus-only users never see them, nor "bed"
    values = {"products": ["snus"], "cigs": 25, "heavy": True}
    assert ids(visible_questions(TOBACCO, values)) == ["products", "cans", "note"]


# ---------------------------------------------------------------- validation

def test_required_visible_questions_must_be_answered():
    assert validate(TOBACCO, {}) == {"products": "Frågan måste besvaras."}
    assert validate(TOBACCO, {"products": ["cigaretter"]}) == {"cigs": "Frågan måste besvaras."}


def test_hidden_questions_are_not_validated():
    # cigs is out of range and bed is required, but both are hidden for snus-only users
    assert validate(TOBACCO, {"products": ["snus"], "cigs": 500}) == {}


@pytest.mark.parametrize("question, value, message", [
    (Question("a", "number", "A", min=0, max=10), 11, "Ange ett värde mellan 0 och 10."),
    (Question("a", "number", "A", min=0, max=10), -0.5, "Ange ett värde mellan 0 och 10."),
    (Question("a", "number", "A", min=0.5, max=2.5), 3, "Ange ett värde mellan 0,5 och 2,5."),
    (Question("a", "number", "A", min=1), 0, "Ange ett värde som är minst 1."),
    (Question("a", "number", "A", max=100), 101, "Ange ett värde som är högst 100."),
    (Question("a", "scale", "A", min=1, max=5), 6, "Ange ett värde mellan 1 och 5."),
    (Question("a", "scale", "A", min=1, max=5), 2.5, "Ange ett heltal."),
    (Question("a", "number", "A"), "12", "Ange ett tal."),
    (Question("a", "number", "A"), True, "Ange ett tal."),
    (Question("a", "number", "A"), float("nan"), "Ange ett tal."),
    (Question("a", "single_choice", "A", options=(Option("x", "X"),)), "y", "Välj ett av alternativen."),
    (Question("a", "multiple_choice", "A", options=(Option("x", "X"),)), ["x", "y"],
     "Välj ett av alternativen."),
    (Question("a", "yes_no", "A"), "ja", "Svara ja eller nej."),
    (Question("a", "date", "A"), "2024-01-01", "Ange ett datum (ÅÅÅÅ-MM-DD)."),
    (Question("a", "time", "A"), time(8, 30, 15), "Ange en tid (TT:MM)."),
    (Question("a", "short_text", "A"), 12, "Ange en text."),
])
def test_wrong_values_get_a_swedish_message(question, value, message):
    form = Form("f", "F", (question,))
    assert validate(form, {"a": value}) == {"a": message}


@pytest.mark.parametrize("question, value", [
    (Question("a", "number", "A", min=0, max=10), 10),
    (Question("a", "number", "A", min=0, max=10), 0.0),
    (Question("a", "scale", "A", min=1, max=5), 1),
    (Question("a", "multiple_choice", "A", options=(Option("x", "X"),)), ["x"]),
    (Question("a", "time", "A"), time(23, 59)),
])
def test_values_on_the_edge_of_the_range_are_accepted(question, value):
    assert validate(Form("f", "F", (question,)), {"a": value}) == {}


def test_author_rules_give_the_authors_message_and_the_first_failing_rule_wins():
    base = {"products": ["snus"]}
    assert validate(TOBACCO, {**base, "cans": 21}) == {"cans": "Det låter mycket – stämmer det?"}
    assert validate(TOBACCO, {**base, "cans": 13}) == {"cans": "Otursnummer."}
    assert validate(TOBACCO, {**base, "cans": 12}) == {}


def test_author_rules_do_not_run_for_unanswered_questions():
    assert validate(TOBACCO, {"products": ["snus"], "cans": None, "note": None}) == {}


def test_author_rules_may_use_functions_on_text():
    assert validate(TOBACCO, {"products": ["snus"], "note": "x" * 11}) == {
        "note": "Skriv högst 10 tecken."}


# ---------------------------------------------------------------- clean, submit

def test_clean_drops_hidden_and_unanswered_questions():
    values = {"products": ["snus"], "cigs": 25, "heavy": True, "cans": 3, "note": None,
              "unknown": 1}
    assert clean(TOBACCO, values) == {"products": ["snus"], "cans": 3}


def test_submit_returns_clean_typed_values():
    raw = {"products": ["cigaretter"], "cigs": "25", "heavy": "nej", "cans": "7", "note": ""}
    assert submit(TOBACCO, raw) == {"products": ["cigaretter"], "cigs": 25, "heavy": False}


def test_submit_reports_every_problem_in_question_order():
    with pytest.raises(AnswerError) as info:
        submit(TOBACCO, {"products": ["cigaretter", "snus"], "cigs": "tjugo", "cans": "25",
                         "note": "x" * 20})
    assert info.value.errors == {"cigs": "Ange ett tal.", "cans": "Det låter mycket – stämmer det?",
                                 "note": "Skriv högst 10 tecken."}
    assert list(info.value.errors) == ["cigs", "cans", "note"]


def test_submit_ignores_unreadable_input_in_hidden_questions():
    assert submit(TOBACCO, {"products": ["snus"], "cigs": "tjugo"}) == {"products": ["snus"]}


# ---------------------------------------------------------------- storage

def test_json_round_trip_keeps_dates_times_and_lists():
    values = {"name": "Anna", "count": 12.5, "products": ["snus"], "smokes": True,
              "quit": date(2024, 5, 17), "wake": time(7, 30), "story": None}
    stored = to_json(values)
    assert stored == {"name": "Anna", "count": 12.5, "products": ["snus"], "smokes": True,
                      "quit": "2024-05-17", "wake": "07:30", "story": None}
    import json

    assert from_json(EVERY_TYPE, json.loads(json.dumps(stored))) == values


def test_from_json_keeps_keys_of_questions_no_longer_in_the_form():
    assert from_json(EVERY_TYPE, {"old": "x", "quit": "2024-01-02"}) == {
        "old": "x", "quit": date(2024, 1, 2)}


def test_from_json_refuses_a_damaged_date_with_an_answer_error():
    with pytest.raises(AnswerError) as info:
        from_json(EVERY_TYPE, {"quit": "2024-99-01", "wake": 730})
    assert info.value.errors == {"quit": "Ange ett datum (ÅÅÅÅ-MM-DD).", "wake": "Ange en tid (TT:MM)."}
