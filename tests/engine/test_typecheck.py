"""Load-time type checks of expressions: every message, with the offset it points at."""
from __future__ import annotations

import pytest

from engine.expr import check
from engine.model import Option, Question

QUESTIONS = (
    Question("name", "short_text", "Namn"),
    Question("story", "long_text", "Berätta"),
    Question("cigarettes", "number", "Antal", min=0, max=100),
    Question("craving", "scale", "Sug", min=0, max=10),
    Question("brand", "single_choice", "Märke", options=(Option("marlboro", "M"), Option("prince", "P"))),
    Question("products", "multiple_choice", "Produkter", options=(
        Option("cigaretter", "Cigaretter", 1), Option("snus", "Snus", 2), Option("e-cigg", "E-cigg", 3))),
    Question("plain", "multiple_choice", "Utan poäng", options=(Option("a", "A"), Option("b", "B"))),
    Question("smokes", "yes_no", "Röker du?"),
    Question("quit", "date", "Stoppdag"),
    Question("wake", "time", "Vaknar"),
)


def problems(source: str, **kwargs) -> list[tuple[str, int]]:
    return [(e.message, e.offset) for e in check(source, QUESTIONS, **kwargs)]


@pytest.mark.parametrize("source", [
    "cigarettes > 10 and smokes",
    "smokes == true and 'snus' in products",
    "brand == 'prince' or brand in ['marlboro']",
    "brand != null",
    "quit < '2024-06-01' and wake >= '07:30'",
    "craving * 2 + cigarettes / 3 >= 4",
    "count(products) >= 2 and len(name) < 10 and len(products) == 1",
    "sum(cigarettes, craving, products, smokes) > 1",
    "min(cigarettes, craving) <= max([1, 2])",
    "answered(story) and not answered(name)",
    "name == 'Anna' and name < 'B'",
    "products == ['snus', 'cigaretter']",
    "cigarettes in [1, 2, 3]",
    "-cigarettes < 0",
    "smokes",
])
def test_well_typed_expressions_have_no_problems(source):
    assert problems(source) == []


@pytest.mark.parametrize("source, expected", [
    ("cigs > 10", [("unknown question 'cigs'; did you mean 'cigarettes'?", 0)]),
    ("zzz == 1", [("unknown question 'zzz'", 0)]),
    ("'snuss' in products", [("'snuss' is not an option of 'products' "
                              "(options: cigaretter, snus, e-cigg)", 0)]),
    ("brand == 'camel'", [("'camel' is not an option of 'brand' (options: marlboro, prince)", 9)]),
    ("'camel' != brand", [("'camel' is not an option of 'brand' (options: marlboro, prince)", 0)]),
    ("brand in ['prince', 'camel']", [("'camel' is not an option of 'brand' "
                                       "(options: marlboro, prince)", 20)]),
    ("products == ['snus', 'x']", [("'x' is not an option of 'products' "
                                    "(options: cigaretter, snus, e-cigg)", 21)]),
    ("name + 1", [("cannot use '+' on 'name' (text); arithmetic needs numbers", 0)]),
    ("1 - 'a'", [("cannot use '-' on the text 'a'; arithmetic needs numbers", 4)]),
    ("-smokes", [("cannot use '-' on 'smokes' (yes/no); arithmetic needs numbers", 1)]),
    ("products * 2", [("cannot use '*' on 'products' (a multiple choice); arithmetic needs numbers", 0)]),
    ("cigarettes == 'ten'", [("cannot compare 'cigarettes' (a number) with the text 'ten'", 11)]),
    ("smokes == 1", [("cannot compare 'smokes' (yes/no) with the number 1", 7)]),
    ("smokes == 'yes'", [("cannot compare 'smokes' (yes/no) with the text 'yes'", 7)]),
    ("products == 'snus'", [("cannot compare 'products' (a multiple choice) with the text 'snus'; "
                             "use 'in' to look for one option", 9)]),
    ("quit < 3", [("cannot compare 'quit' (a date) with the number 3", 5)]),
    ("quit < '2024-13-01'", [("'2024-13-01' is not a date; write dates as 'YYYY-MM-DD'", 7)]),
    ("quit == '17/5 2024'", [("'17/5 2024' is not a date; write dates as 'YYYY-MM-DD'", 8)]),
    ("wake > '25:00'", [("'25:00' is not a time; write times as 'HH:MM'", 7)]),
    ("wake > 7", [("cannot compare 'wake' (a time) with the number 7", 5)]),
    ("quit < wake", [("cannot compare 'quit' (a date) with 'wake' (a time)", 5)]),
    ("smokes < true", [("cannot use '<' on 'smokes' (yes/no); '<' needs numbers, dates, times "
                        "or text", 7)]),
    ("products >= ['snus']", [("cannot use '>=' on 'products' (a multiple choice); '>=' needs "
                               "numbers, dates, times or text", 9)]),
    ("'snus' in brand", [("'in' needs a list on the right, got 'brand' (a single choice); "
                          "use == to compare with one option", 7)]),
    ("'a' in name", [("'in' needs a list on the right, got 'name' (text)", 4)]),
    ("3 not in cigarettes", [("'not in' needs a list on the right, got 'cigarettes' (a number)", 2)]),
    ("cigarettes in products", [("cannot look for 'cigarettes' (a number) in 'products' "
                                 "(a multiple choice)", 11)]),
    ("cigarettes in ['a']", [("cannot compare 'cigarettes' (a number) with the text 'a'", 15)]),
    ("count(name)", [("count() needs a list, got 'name' (text)", 6)]),
    ("len(cigarettes)", [("len() needs text or a list, got 'cigarettes' (a number)", 4)]),
    ("sum(name)", [("sum() needs numbers, got 'name' (text)", 4)]),
    ("max(plain)", [("max() needs numbers, got 'plain' (a multiple choice); its options have no "
                     "scores", 4)]),
    ("sum(['a', 'b'])", [("sum() needs numbers, got a list", 4)]),
    ("(name + 1", [("unexpected end of expression at column 10; expected ')'", 9)]),
])
def test_each_problem_has_its_exact_message_and_offset(source, expected):
    assert problems(source) == expected


def test_every_problem_is_reported_at_once():
    assert problems("cigs > 1 and brand == 'camel' and name * 2 and smokez") == [
        ("unknown question 'cigs'; did you mean 'cigarettes'?", 0),
        ("'camel' is not an option of 'brand' (options: marlboro, prince)", 22),
        ("cannot use '*' on 'name' (text); arithmetic needs numbers", 34),
        ("unknown question 'smokez'; did you mean 'smokes'?", 47),
    ]


def test_an_unknown_question_does_not_cause_follow_up_type_errors():
    assert problems("nope > 'x' and 'a' in nope") == [("unknown question 'nope'", 0),
                                                    ("unknown question 'nope'", 22)]


def test_show_if_may_only_use_earlier_questions():
    # products is question 5 in QUESTIONS; brand is 4; cigarettes 2
    assert problems("cigarettes > 1 and 'snus' in products", before=4) == [
        ("'products' is asked after this question; show_if may only use earlier questions", 29)]
    assert problems("brand == 'prince'", before=4) == [
        ("'brand' is this question; show_if may only use earlier questions", 0)]
    assert problems("answered(smokes)", before=4) == [
        ("'smokes' is asked after this question; show_if may only use earlier questions", 9)]
    assert problems("cigarettes > 1", before=4) == []


def test_the_earlier_questions_message_names_the_kind_of_expression():
    assert problems("smokes", before=1, what="validation rules") == [
        ("'smokes' is asked after this question; validation rules may only use earlier questions", 0)]


def test_score_expressions_see_scored_questions_as_numbers():
    assert problems("products * 2 + smokes - brand", scoring=True) == [
        ("cannot use '-' on 'brand' (a single choice); arithmetic needs numbers", 24)]
    assert problems("products * 2 + smokes", scoring=True) == []
    assert problems("products * 2 + smokes") != []


def test_a_parsed_tree_can_be_checked():
    from engine.expr import parse

    assert [e.message for e in check(parse("cigs > 1"), QUESTIONS)] == [
        "unknown question 'cigs'; did you mean 'cigarettes'?"]


def test_long_option_lists_are_shortened():
    many = Question("q", "single_choice", "Q", options=tuple(Option(f"o{i}", "x") for i in range(12)))
    [error] = check("q == 'zz'", [many])
    assert error.message == "'zz' is not an option of 'q' (options: o0, o1, o2, o3, o4, o5, o6, o7, …)"


# ---------------------------------------------------------------- today() and days_between()

@pytest.mark.parametrize("source", [
    "quit >= today()",
    "days_between(today(), quit) <= 14 and days_between(today(), quit) >= 0",
    "days_between(quit, '2026-12-31') > cigarettes",
    "today() == '2026-03-02'",
])
def test_today_is_a_date_and_days_between_a_number(source):
    assert problems(source) == []


def test_days_between_needs_dates():
    assert problems("days_between(cigarettes, quit) > 1") == [
        ("days_between() needs dates, got 'cigarettes' (a number)", 13)]
    assert problems("days_between(quit, '2026-02-30') > 1") == [
        ("'2026-02-30' is not a date; write dates as 'YYYY-MM-DD'", 19)]


def test_a_date_is_not_a_number():
    assert problems("days_between(quit, today()) + quit > 1") == [
        ("cannot use '+' on 'quit' (a date); arithmetic needs numbers", 30)]


def test_a_score_must_not_depend_on_the_date():
    assert problems("cigarettes + days_between(today(), quit)", scoring=True) == [
        ("today() cannot be used in a score expression; a score must not depend on the date", 26)]


# ---------------------------------------------------------------- minutes_between()

@pytest.mark.parametrize("source", [
    "minutes_between(wake, '23:30') > 60",
    "minutes_between('22:00', wake) - cigarettes >= 0",
])
def test_minutes_between_takes_times_and_is_a_number(source):
    assert problems(source) == []


def test_minutes_between_needs_times_of_day():
    assert problems("minutes_between(quit, wake) > 1") == [
        ("minutes_between() needs times of day, got 'quit' (a date)", 16)]
    assert problems("minutes_between(wake, '24:10') > 1") == [
        ("'24:10' is not a time; write times as 'HH:MM'", 22)]
    assert problems("minutes_between(wake) > 1") == [
        ("minutes_between() takes exactly 2 arguments, got 1 (column 1)", 0)]
