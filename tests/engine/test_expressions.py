"""The expression language: parsing, printing, evaluation with missing answers, property tests."""
from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import EngineError, ExpressionError
from engine.expr import (Binary, Call, ListLit, Literal, Name, Unary, evaluate, names, parse, uses_today,
                                to_source)


def err(source: str) -> tuple[str, int]:
    with pytest.raises(ExpressionError) as info:
        parse(source)
    return info.value.message, info.value.offset


# ---------------------------------------------------------------- parsing and precedence

def test_multiplication_binds_tighter_than_addition():
    assert parse("a + b * c") == Binary("+", Name("a"), Binary("*", Name("b"), Name("c")))


def test_arithmetic_is_left_associative():
    assert parse("a - b - c") == Binary("-", Binary("-", Name("a"), Name("b")), Name("c"))
    assert parse("a / b * c") == Binary("*", Binary("/", Name("a"), Name("b")), Name("c"))


def test_parentheses_override_precedence():
    assert parse("(a + b) * c") == Binary("*", Binary("+", Name("a"), Name("b")), Name("c"))


def test_and_binds_tighter_than_or():
    assert parse("a or b and c") == Binary("or", Name("a"), Binary("and", Name("b"), Name("c")))


def test_not_applies_to_a_whole_comparison():
    assert parse("not a == 1") == Unary("not", Binary("==", Name("a"), Literal(1)))


def test_not_binds_tighter_than_and():
    assert parse("not a and b") == Binary("and", Unary("not", Name("a")), Name("b"))


def test_unary_minus_binds_tighter_than_multiplication():
    assert parse("-a * b") == Binary("*", Unary("-", Name("a")), Name("b"))


def test_comparison_binds_looser_than_arithmetic():
    assert parse("a + 1 > b * 2") == Binary(">", Binary("+", Name("a"), Literal(1)),
                                             Binary("*", Name("b"), Literal(2)))


def test_not_in_is_one_operator():
    assert parse('"snus" not in products') == Binary("not in", Literal("snus"), Name("products"))


def test_literals_of_every_kind():
    assert parse("[1, 2.5, 'a', \"b\", true, false, null, none, True, None]") == ListLit((
        Literal(1), Literal(2.5), Literal("a"), Literal("b"), Literal(True), Literal(False),
        Literal(None), Literal(None), Literal(True), Literal(None)))


def test_an_empty_list_and_a_trailing_comma_are_allowed():
    assert parse("[]") == ListLit(())
    assert parse("[1, 2,]") == ListLit((Literal(1), Literal(2)))


def test_string_escapes_for_quotes_and_backslash():
    assert parse(r"'it\'s \\ \"x\"'") == Literal("it's \\ \"x\"")


def test_integer_and_float_literals_keep_their_type():
    assert type(parse("3").value) is int  # type: ignore[attr-defined]
    assert type(parse("3.0").value) is float  # type: ignore[attr-defined]
    assert parse("1e3") == Literal(1000.0)


def test_literal_true_is_not_equal_to_literal_one():
    assert parse("true") != parse("1")


def test_function_calls_take_any_expressions():
    assert parse("sum(a, b * 2)") == Call("sum", (Name("a"), Binary("*", Name("b"), Literal(2))))


def test_offsets_point_at_tokens():
    tree = parse("ab  ==  'x'")
    assert (tree.offset, tree.left.offset, tree.right.offset) == (4, 0, 8)  # type: ignore[attr-defined]


def test_names_lists_every_referenced_question():
    assert names("a + sum(b, c) > 2 and answered(d) or 'x' in [e]") == {"a", "b", "c", "d", "e"}


# ---------------------------------------------------------------- syntax errors

@pytest.mark.parametrize("source, message, offset", [
    ("(a + b))", "unexpected ')' at column 8; expected an operator or the end of the expression", 7),
    ("a == )", "unexpected ')' at column 6; expected an expression", 5),
    ("", "unexpected end of expression at column 1; expected an expression", 0),
    ("a +", "unexpected end of expression at column 4; expected an expression", 3),
    ("(a", "unexpected end of expression at column 3; expected ')'", 2),
    ("[1, 2", "unexpected end of expression at column 6; expected ']'", 5),
    ("a b", "unexpected 'b' at column 3; expected an operator or the end of the expression", 2),
    ("a = 1", "unexpected '=' at column 3; use '==' to compare", 2),
    ("a && b", "unexpected '&&' at column 3; use 'and'", 2),
    ("a || b", "unexpected '||' at column 3; use 'or'", 2),
    ("!a", "unexpected '!' at column 1; use 'not'", 0),
    ("a $ b", "unexpected character '$' at column 3", 2),
    ("'abc", "unterminated string starting at column 1; add the closing '", 0),
    ("x == \"abc", "unterminated string starting at column 6; add the closing \"", 5),
    (r"'a\n'", "unknown escape '\\n' at column 3; only \\\\, \\' and \\\" are escapes", 2),
    ("1 < a < 3", "comparisons cannot be chained (column 7); join them with 'and'", 6),
    ("a not b", "unexpected 'b' at column 7; expected 'in' after 'not'", 6),
    ("summ(a)", "unknown function 'summ' at column 1; did you mean 'sum'?", 0),
    ("foo(a)", "unknown function 'foo' at column 1; functions: sum, count, len, min, max, answered, today, days_between, minutes_between, mean_last, min_last, max_last, mean_days", 0),
    ("count(a, b)", "count() takes exactly 1 argument, got 2 (column 1)", 0),
    ("sum()", "sum() takes at least 1 argument, got 0 (column 1)", 0),
    ("answered(a + 1)", "answered() takes a question id (column 1)", 0),
    ("1" * 31, "number too long at column 1", 0),
    ("a and", "unexpected end of expression at column 6; expected an expression", 5),
    ("in", "unexpected 'in' at column 1; expected an expression", 0),
])
def test_syntax_errors_name_the_token_and_its_column(source, message, offset):
    assert err(source) == (message, offset)


def test_deep_nesting_is_refused_with_an_expression_error():
    message, _ = err("(" * 200 + "1" + ")" * 200)
    assert message.startswith("expression nested too deeply")
    message, _ = err(" + ".join(["a"] * 200))
    assert message.startswith("expression nested too deeply")


def test_expression_errors_are_engine_errors():
    with pytest.raises(EngineError):
        parse("(")


def test_parse_refuses_a_non_string():
    with pytest.raises(ExpressionError, match="expected an expression as text, got int"):
        parse(3)  # type: ignore[arg-type]


# ---------------------------------------------------------------- printing

@pytest.mark.parametrize("source, printed", [
    ("(a + b) * c", "(a + b) * c"),
    ("a + (b * c)", "a + b * c"),
    ("a - (b - c)", "a - (b - c)"),
    ("(a - b) - c", "a - b - c"),
    ("not (a and b)", "not (a and b)"),
    ("(not a) == b", "(not a) == b"),
    ("(a == b) == c", "(a == b) == c"),
    ("-(a + 1)", "-(a + 1)"),
    ("'it\\'s'", '"it\'s"'),
    ("x in [1, 'a', null, true]", 'x in [1, "a", null, true]'),
    ("a or (b or c)", "a or (b or c)"),
])
def test_printing_uses_only_the_parentheses_needed(source, printed):
    assert str(parse(source)) == printed
    assert parse(printed) == parse(source)


# ---------------------------------------------------------------- evaluation

ANSWERS = {"n": 4, "f": 2.5, "t": "hej", "c": "snus", "m": ["cigaretter", "snus"], "y": True,
           "no": False, "d": date(2024, 5, 17), "h": time(8, 30), "zero": 0}


@pytest.mark.parametrize("source, expected", [
    ("n + f * 2", 9.0),
    ("(n + 2) / 4", 1.5),
    ("-n", -4),
    ("n == 4 and c == 'snus'", True),
    ("n != 4 or c != 'snus'", False),
    ("'snus' in m", True),
    ("'snus' not in m", False),
    ("c in ['snus', 'cigg']", True),
    ("n in [1, 2]", False),
    ("d < '2024-06-01'", True),
    ("d == '2024-05-17'", True),
    ("'2024-05-17' <= d", True),
    ("h >= '08:30'", True),
    ("h < '08:00'", False),
    ("y", True),
    ("not no", True),
    ("count(m)", 2),
    ("len(t)", 3),
    ("len(m)", 2),
    ("sum(n, f, [1, 2])", 9.5),
    ("min(n, f)", 2.5),
    ("max([n, f, 10])", 10),
    ("answered(n)", True),
    ("answered(missing)", False),
    ("t < 'ja'", True),
    ("y == true", True),
    ("y == 1", False),  # a yes/no answer is not the number 1
    ("1 == 1.0", True),
])
def test_evaluation_of_answered_questions(source, expected):
    result = evaluate(source, ANSWERS)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("source, expected", [
    ("x == 1", False),
    ("x != 1", False),
    ("not x == 1", True),
    ("not (x != 1)", True),
    ("x < 3", False),
    ("x >= 3", False),
    ("'a' in x", False),
    ("'a' not in x", False),
    ("x in [1, 2]", False),
    ("x + 1", None),
    ("-x", None),
    ("x * 0", None),
    ("x == null", True),
    ("null == x", True),
    ("x != null", False),
    ("n == null", False),
    ("n != null", True),
    ("x", None),
    ("not x", True),
    ("x or n == 4", True),
    ("x and true", False),
    ("answered(x)", False),
    ("count(x)", 0),
    ("len(x)", 0),
    ("sum(x, n)", 4),
    ("sum(x)", 0),
    ("min(x)", None),
    ("max(x, n)", 4),
    ("x == x", False),
])
def test_unanswered_questions_never_raise(source, expected):
    result = evaluate(source, ANSWERS)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("source", ["n / zero", "t + 1", "t * n", "-t", "count(n)", "len(n)",
                                    "d + 1"])
def test_impossible_arithmetic_gives_none(source):
    assert evaluate(source, ANSWERS) is None


@pytest.mark.parametrize("source", ["t < 3", "m < 3", "y < 2", "d < 'not a date'", "h > 5",
                                    "t in t", "d == 'nonsense'"])
def test_impossible_comparisons_are_false(source):
    assert evaluate(source, ANSWERS) is False


def test_empty_answers_count_as_unanswered_for_answered():
    assert evaluate("answered(a) or answered(b)", {"a": "", "b": []}) is False


def test_sum_uses_item_scores_when_given():
    answers = {"q1": "ofta", "q2": "aldrig"}
    assert evaluate("sum(q1, q2)", answers) == 0  # option ids are not numbers
    assert evaluate("sum(q1, q2)", answers, scores={"q1": 3.0, "q2": 0.0}) == 3.0
    assert evaluate("max(q1, q2) + 1", answers, scores={"q1": 3.0, "q2": None}) == 4.0


def test_evaluate_accepts_a_parsed_tree():
    assert evaluate(parse("n * 2"), ANSWERS) == 8


def test_evaluate_still_raises_on_a_syntax_error():
    with pytest.raises(ExpressionError):
        evaluate("n ==", ANSWERS)


def test_huge_numbers_give_none_instead_of_overflowing():
    big = " * ".join(["999999999999999999999999999999"] * 20)
    assert evaluate(f"{big} / 3", {}) is None
    assert evaluate("1e300 * 1e300", {}) is None


# ---------------------------------------------------------------- properties

QUESTION_IDS = ["n", "t", "c", "m", "y", "d", "h", "x"]
ANSWER_VALUES = {
    "n": st.one_of(st.none(), st.integers(-1000, 1000), st.floats(-1e6, 1e6)),
    "t": st.one_of(st.none(), st.text(max_size=5)),
    "c": st.one_of(st.none(), st.sampled_from(["snus", "cigg"])),
    "m": st.one_of(st.none(), st.lists(st.sampled_from(["snus", "cigg"]), unique=True)),
    "y": st.one_of(st.none(), st.booleans()),
    "d": st.one_of(st.none(), st.dates()),
    "h": st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0))),
    "x": st.none(),
}
answers_strategy = st.fixed_dictionaries(ANSWER_VALUES)

leaves = st.one_of(
    st.integers(0, 10**12).map(Literal),
    st.floats(0, 1e12, allow_nan=False, allow_infinity=False).map(Literal),
    st.text(max_size=6).map(Literal),
    st.sampled_from(["2024-01-01", "08:30", "snus"]).map(Literal),
    st.sampled_from([True, False, None]).map(Literal),
    st.sampled_from(QUESTION_IDS).map(Name),
)


def _extend(children):
    return st.one_of(
        st.builds(Unary, st.sampled_from(["-", "not"]), children),
        st.builds(Binary, st.sampled_from(["or", "and", "==", "!=", "<", "<=", ">", ">=", "in",
                                           "not in", "+", "-", "*", "/"]), children, children),
        st.lists(children, max_size=3).map(lambda xs: ListLit(tuple(xs))),
        st.builds(Call, st.sampled_from(["sum", "min", "max"]),
                  st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(Call, st.sampled_from(["count", "len"]), children.map(lambda c: (c,))),
        st.sampled_from(QUESTION_IDS).map(lambda q: Call("answered", (Name(q),))),
    )


trees = st.recursive(leaves, _extend, max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_printing_and_parsing_again_gives_the_same_tree(tree):
    printed = to_source(tree)
    again = parse(printed)
    assert again == tree
    assert to_source(again) == printed


@settings(max_examples=300, deadline=None)
@given(trees, answers_strategy)
def test_evaluate_never_raises_on_answers_of_the_right_types(tree, answers):
    evaluate(tree, answers)
    evaluate(tree, {})


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 .,'\"\\()[]=!<>+-*/&|$\n")) | st.characters(),
               max_size=40))
def test_random_source_raises_nothing_but_expression_errors(source):
    try:
        tree = parse(source)
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(source)
    else:
        evaluate(tree, {})


TOKENS = ["a", "b", "1", "2.5", "'x'", "true", "null", "(", ")", "[", "]", ",", "==", "<", "in",
          "not", "and", "or", "+", "-", "*", "/", "sum(", "count(", "answered("]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_random_token_soup_raises_nothing_but_expression_errors(tokens):
    source = " ".join(tokens)
    try:
        tree = parse(source)
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(source)
    else:
        assert parse(to_source(tree)) == tree
        evaluate(tree, {"a": 1, "b": ["x"]})


# ---------------------------------------------------------------- today() and days_between()

def test_today_is_the_date_the_caller_passes_in():
    assert evaluate("today()", {}, today=date(2026, 3, 2)) == date(2026, 3, 2)
    assert evaluate("today() == '2026-03-02'", {}, today=date(2026, 3, 2)) is True


def test_without_a_date_today_is_unknown_and_comparisons_with_it_are_false():
    assert evaluate("today()", {}) is None
    assert evaluate("quit >= today()", {"quit": date(2026, 3, 2)}) is False


@pytest.mark.parametrize("first, second, days", [
    (date(2026, 3, 2), date(2026, 3, 16), 14),   # two weeks ahead
    (date(2026, 3, 2), date(2026, 3, 2), 0),
    (date(2026, 3, 2), date(2026, 3, 1), -1),    # the second date is earlier
    (date(2026, 2, 27), date(2026, 3, 1), 2),    # 2026 is no leap year: 28 Feb, 1 Mar
    (date(2024, 2, 28), date(2024, 3, 1), 2),    # 2024 is: 29 Feb in between
])
def test_days_between_counts_calendar_days_from_the_first_date_to_the_second(first, second, days):
    assert evaluate("days_between(a, b)", {"a": first, "b": second}) == days


def test_days_between_accepts_today_and_date_literals_and_is_null_when_a_date_is_missing():
    assert evaluate("days_between(today(), quit)", {"quit": date(2026, 3, 12)}, today=date(2026, 3, 2)) == 10
    assert evaluate("days_between('2026-01-01', '2026-12-31')", {}) == 364
    assert evaluate("days_between(today(), quit)", {"quit": date(2026, 3, 12)}) is None
    assert evaluate("days_between(quit, quit)", {}) is None


def test_a_stop_day_rule_between_today_and_fourteen_days_ahead():
    rule = "days_between(today(), quit) >= 0 and days_between(today(), quit) <= 14"
    today = date(2026, 3, 2)
    assert evaluate(rule, {"quit": date(2026, 3, 2)}, today=today) is True
    assert evaluate(rule, {"quit": date(2026, 3, 16)}, today=today) is True
    assert evaluate(rule, {"quit": date(2026, 3, 17)}, today=today) is False
    assert evaluate(rule, {"quit": date(2026, 3, 1)}, today=today) is False


def test_today_takes_no_arguments_and_days_between_two():
    assert err("today(a)") == ("today() takes exactly 0 arguments, got 1 (column 1)", 0)
    assert err("days_between(a)") == ("days_between() takes exactly 2 arguments, got 1 (column 1)", 0)
    assert parse("days_between(today(), a)") == Call("days_between", (Call("today", ()), Name("a")))
    assert to_source(parse("days_between(today(), a) <= 14")) == "days_between(today(), a) <= 14"


def test_uses_today_finds_a_call_anywhere_in_the_tree():
    assert uses_today(parse("not (a > 1 or days_between(today(), b) < 3)"))
    assert not uses_today(parse("days_between(a, b) < 3"))


# ---------------------------------------------------------------- minutes_between()

@pytest.mark.parametrize("start, end, minutes", [
    (time(23, 30), time(6, 30), 420),   # across midnight
    (time(22, 0), time(23, 15), 75),    # the same evening
    (time(0, 10), time(7, 0), 410),     # after midnight
    (time(6, 0), time(6, 0), 0),
    (time(6, 1), time(6, 0), 1439),
])
def test_minutes_between_wraps_past_midnight(start, end, minutes):
    assert evaluate("minutes_between(a, b)", {"a": start, "b": end}) == minutes


def test_minutes_between_accepts_time_literals_and_is_null_when_a_time_is_missing():
    assert evaluate("minutes_between('23:30', '06:30')", {}) == 420
    assert evaluate("minutes_between(a, '01:00')", {"a": time(23, 0)}) == 120
    assert evaluate("minutes_between(a, b)", {"a": time(23, 0)}) is None
    assert evaluate("minutes_between(a, b)", {"a": 5, "b": time(1, 0)}) is None
