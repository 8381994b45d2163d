"""Scoring: item scores, sum/mean, reverse keys, missing rules, subscales, bands, golden tests, FTND."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from engine.forms import (band_problems, possible_range, run_tests, score, scoring_problems)
from engine.model import Band, Form, FormTest, Option, Question, Scoring, Subscale, frozen_map
from engine.forms.scoring import integer_scores, item_range, item_score

# ---------------------------------------------------------------- FTND, built by hand

FTND_BANDS = (
    Band(0, 2, "Mycket lågt beroende"),
    Band(3, 4, "Lågt beroende"),
    Band(5, 5, "Medelhögt beroende"),
    Band(6, 7, "Högt beroende"),
    Band(8, 10, "Mycket högt beroende"),
)
FTND = Form("ftnd", "Fagerströms test för nikotinberoende", (
    Question("first", "single_choice", "Hur snart efter att du vaknat röker du din första cigarett?",
             required=True, options=(Option("within5", "Inom 5 minuter", 3),
                                     Option("6to30", "6–30 minuter", 2),
                                     Option("31to60", "31–60 minuter", 1),
                                     Option("after60", "Efter 60 minuter", 0))),
    Question("forbidden", "yes_no", "Har du svårt att låta bli att röka där det är förbjudet?",
             required=True),
    Question("hate", "single_choice", "Vilken cigarett skulle du ha svårast att avstå från?",
             required=True, options=(Option("morning", "Den första på morgonen", 1),
                                     Option("other", "Någon annan", 0))),
    Question("cigs", "single_choice", "Hur många cigaretter röker du per dag?", required=True,
             options=(Option("upto10", "10 eller färre", 0), Option("11to20", "11–20", 1),
                      Option("21to30", "21–30", 2), Option("31plus", "31 eller fler", 3))),
    Question("morning", "yes_no", "Röker du mer under de första timmarna efter att du vaknat?",
             required=True),
    Question("ill", "yes_no", "Röker du även när du är så sjuk att du ligger i sängen?",
             required=True),
), scoring=Scoring(method="sum", missing="error", bands=FTND_BANDS))


def ftnd(first, forbidden, hate, cigs, morning, ill) -> dict:
    return {"first": first, "forbidden": forbidden, "hate": hate, "cigs": cigs,
            "morning": morning, "ill": ill}


# expected totals are added up by hand from the FTND scoring key
FTND_CASES = [
    (ftnd("after60", False, "other", "upto10", False, False), 0, "Mycket lågt beroende"),
    (ftnd("31to60", False, "other", "11to20", False, False), 2, "Mycket lågt beroende"),  # 1+1
    (ftnd("6to30", True, "other", "11to20", False, False), 4, "Lågt beroende"),  # 2+1+1
    (ftnd("31to60", False, "morning", "21to30", True, False), 5, "Medelhögt beroende"),  # 1+1+2+1
    (ftnd("within5", True, "morning", "11to20", False, False), 6, "Högt beroende"),  # 3+1+1+1
    (ftnd("within5", False, "morning", "21to30", True, False), 7, "Högt beroende"),  # 3+1+2+1
    (ftnd("within5", True, "morning", "21to30", True, False), 8, "Mycket högt beroende"),  # 3+1+1+2+1
    (ftnd("within5", True, "morning", "31plus", True, True), 10, "Mycket högt beroende"),
]


@pytest.mark.parametrize("values, total, band", FTND_CASES)
def test_ftnd_totals_and_bands_match_the_hand_computed_key(values, total, band):
    result = score(FTND, values)
    assert result is not None
    assert result.total == total
    assert result.band is not None and result.band.label == band
    assert result.complete


def test_ftnd_range_is_0_to_10_in_whole_numbers_and_its_bands_are_sound():
    assert possible_range(FTND) == (0, 10)
    assert integer_scores(FTND)
    assert band_problems(FTND) == []
    assert scoring_problems(FTND) == []


def test_ftnd_with_an_unanswered_item_has_no_total_under_the_error_rule():
    values = ftnd("within5", True, "morning", "31plus", True, None)
    result = score(FTND, values)
    assert result is not None
    assert (result.total, result.band, result.complete) == (None, None, False)


def test_ftnd_golden_tests_pass_when_the_key_is_right():
    tests = tuple(FormTest(f"case {total}", frozen_map(values), score=total, band=band)
                  for values, total, band in FTND_CASES)
    assert run_tests(replace(FTND, tests=tests)) == []


def test_ftnd_golden_test_failures_say_what_was_expected_and_what_came():
    wrong = FormTest("all lowest", frozen_map(FTND_CASES[0][0]), score=3, band="Lågt beroende")
    failures = run_tests(replace(FTND, tests=(wrong,)))
    assert [message for _, message in failures] == [
        "test 'all lowest': expected score 3, got 0",
        "test 'all lowest': expected band 'Lågt beroende', got 'Mycket lågt beroende'",
    ]
    assert all(test is wrong for test, _ in failures)


# ---------------------------------------------------------------- item scores and ranges

PRODUCTS = Question("products", "multiple_choice", "P", options=(
    Option("a", "A", 1), Option("b", "B", 2), Option("c", "C", -1), Option("d", "D")))


@pytest.mark.parametrize("question, value, expected", [
    (FTND.questions[0], "6to30", 2.0),
    (FTND.questions[0], "nonsense", None),
    (PRODUCTS, ["a", "b"], 3.0),
    (PRODUCTS, ["c", "d"], -1.0),
    (Question("s", "scale", "S", min=1, max=5), 4, 4.0),
    (Question("n", "number", "N"), 2.5, 2.5),
    (Question("y", "yes_no", "Y"), True, 1.0),
    (Question("y", "yes_no", "Y"), False, 0.0),
    (Question("y", "yes_no", "Y"), None, None),
    (Question("t", "short_text", "T"), "hej", None),
])
def test_item_scores(question, value, expected):
    assert item_score(question, value) == expected


@pytest.mark.parametrize("question, expected", [
    (FTND.questions[0], (0, 3)),
    (PRODUCTS, (-1, 3)),
    (Question("s", "scale", "S", min=1, max=5), (1, 5)),
    (Question("n", "number", "N", min=0), None),
    (Question("y", "yes_no", "Y"), (0, 1)),
])
def test_item_ranges(question, expected):
    assert item_range(question) == expected


# ---------------------------------------------------------------- methods, reverse, missing

MOOD = Form("mood", "Humör", (
    Question("a", "scale", "A", min=1, max=5),
    Question("b", "scale", "B", min=1, max=5),
    Question("c", "scale", "C", min=1, max=5),
    Question("why", "short_text", "Varför?"),
), scoring=Scoring(method="sum", reverse=("c",)))


def mood(**scoring) -> Form:
    return replace(MOOD, scoring=replace(MOOD.scoring, **scoring))


def total(form: Form, values: dict) -> float | None:
    result = score(form, values)
    assert result is not None
    return result.total


def test_reverse_keyed_items_score_over_their_own_range():
    # c = 2 on a 1–5 scale counts 1 + 5 - 2 = 4
    assert total(MOOD, {"a": 5, "b": 4, "c": 2}) == 13
    assert total(mood(reverse=()), {"a": 5, "b": 4, "c": 2}) == 11


def test_reverse_keyed_choice_items_use_their_lowest_and_highest_option_scores():
    form = replace(FTND, scoring=replace(FTND.scoring, reverse=("first",), bands=()))
    # first: 31to60 scores 1 → 0 + 3 - 1 = 2; the others 0
    assert total(form, ftnd("31to60", False, "other", "upto10", False, False)) == 2


def test_mean_divides_by_the_number_of_items():
    assert total(mood(method="mean"), {"a": 5, "b": 4, "c": 2}) == pytest.approx(13 / 3)


@pytest.mark.parametrize("missing, method, expected", [
    ("error", "sum", None),
    ("zero", "sum", 9),  # 5 + 0 + 4
    ("prorate", "sum", 13.5),  # (5 + 4) / 2 answered × 3 items
    ("error", "mean", None),
    ("zero", "mean", 3),  # (5 + 0 + 4) / 3
    ("prorate", "mean", 4.5),  # (5 + 4) / 2
])
def test_missing_rules(missing, method, expected):
    result = score(mood(missing=missing, method=method), {"a": 5, "c": 2})
    assert result is not None
    assert result.total == expected
    assert result.complete is False


def test_nothing_answered_gives_no_total_even_when_prorating():
    assert total(mood(missing="prorate"), {}) is None


def test_hidden_questions_count_as_unanswered_when_scoring():
    form = replace(MOOD, questions=MOOD.questions[:2] + (replace(MOOD.questions[2], show_if="a > 3"),),
                   scoring=Scoring(method="sum", missing="zero"))
    assert total(form, {"a": 5, "b": 1, "c": 5}) == 11
    assert total(form, {"a": 2, "b": 1, "c": 5}) == 3  # c is hidden, its 5 is ignored


def test_explicit_items_limit_what_is_scored():
    assert total(mood(items=("a", "b")), {"a": 5, "b": 4, "c": 2}) == 9


def test_subscales_use_their_own_method_and_the_forms_missing_rule():
    form = mood(subscales=(Subscale("ab", "A och B", ("a", "b")),
                           Subscale("bc", "B och C", ("b", "c"), method="mean")))
    result = score(form, {"a": 5, "b": 4, "c": 2})
    assert result is not None and result.subscales == {"ab": 9, "bc": 4}
    result = score(form, {"a": 5, "c": 2})
    assert result is not None and result.subscales == {"ab": None, "bc": None}


def test_a_score_expression_sees_item_scores_with_reverse_keys_applied():
    form = mood(expression="sum(a, b) * 2 - c")
    assert total(form, {"a": 5, "b": 4, "c": 2}) == 14  # (5 + 4) * 2 - 4
    assert total(form, {"a": 5, "b": 4}) is None  # missing: error


def test_a_score_expression_fills_gaps_by_the_missing_rule():
    assert total(mood(expression="a + b + c", missing="zero"), {"a": 5, "c": 2}) == 9
    assert total(mood(expression="a + b + c", missing="prorate"), {"a": 5, "c": 2}) == 13.5


def test_a_score_expression_uses_option_scores_of_choices():
    form = replace(FTND, scoring=Scoring(expression="first * 10 + cigs"))
    assert total(form, ftnd("6to30", False, "other", "31plus", False, False)) == 23


def test_a_form_without_scoring_has_no_score():
    assert score(replace(MOOD, scoring=None), {"a": 1}) is None


# ---------------------------------------------------------------- possible range and band rules

@pytest.mark.parametrize("scoring, expected", [
    (dict(), (3, 15)),
    (dict(method="mean"), (1, 5)),
    (dict(missing="zero"), (0, 15)),  # an unanswered item counts 0, below the scale's 1
    (dict(expression="sum(a, b) * 2 - c"), (-1, 19)),
    (dict(expression="max(a, b) / 2"), (0.5, 2.5)),
    (dict(expression="a / (b - 3)"), None),  # the divisor can be 0
    (dict(expression="count(why)"), None),
])
def test_possible_range(scoring, expected):
    assert possible_range(mood(**scoring)) == expected


def test_possible_range_is_unknown_for_an_unbounded_number_item():
    form = Form("f", "F", (Question("n", "number", "N", min=0),), scoring=Scoring())
    assert possible_range(form) is None


def test_integer_scores_only_when_every_total_is_a_whole_number():
    assert integer_scores(MOOD)
    assert not integer_scores(mood(method="mean"))
    assert not integer_scores(mood(missing="prorate"))
    assert integer_scores(mood(expression="a * 2 + b"))
    assert not integer_scores(mood(expression="a / 2"))
    half = replace(FTND.questions[0], options=(Option("x", "X", 0.5), Option("y", "Y", 1)))
    assert not integer_scores(Form("f", "F", (half,), scoring=Scoring()))


def ftnd_bands(*bands: Band) -> Form:
    return replace(FTND, scoring=replace(FTND.scoring, bands=bands))


@pytest.mark.parametrize("bands, problems", [
    ((Band(0, 4, "Låg"), Band(6, 10, "Hög")), ["bands leave a gap between 4 and 6"]),
    ((Band(0, 4, "Låg"), Band(4, 6, "Medel"), Band(7, 10, "Hög")),
     ["bands 'Låg' (0–4) and 'Medel' (4–6) overlap"]),
    ((Band(0, 4, "Låg"), Band(5, 8, "Hög")), ["bands end at 8 but the highest possible score is 10"]),
    ((Band(1, 4, "Låg"), Band(5, 10, "Hög")), ["bands start at 1 but the lowest possible score is 0"]),
    ((Band(0, 10, "Alla"), Band(2, 3, "Mitt"), Band(9, 10, "Topp")),
     ["bands 'Alla' (0–10) and 'Mitt' (2–3) overlap", "bands 'Alla' (0–10) and 'Topp' (9–10) overlap"]),
    ((Band(0, 10, "Alla"), Band(11, 12, "Över")),
     ["band 'Över' (11–12) lies outside the possible scores 0–10"]),
    ((Band(0, 4.5, "Låg"), Band(5, 10, "Hög")),
     ["band 'Låg' (0–4.5) has a bound that is not a whole number, but every possible score is"]),
    ((Band(4, 0, "Bakvänd"), Band(0, 10, "Alla")),
     ["band 'Bakvänd' (4–0) ends before it starts", "bands 'Alla' (0–10) and 'Bakvänd' (4–0) overlap"]),
])
def test_band_problems_over_whole_number_scores(bands, problems):
    assert band_problems(ftnd_bands(*bands)) == problems


def test_whole_number_bands_are_contiguous_when_the_next_starts_one_higher():
    assert band_problems(ftnd_bands(Band(0, 2, "A"), Band(3, 4, "B"), Band(5, 10, "C"))) == []


MEAN_MOOD = mood(method="mean")  # possible totals 1–5, fractions included


@pytest.mark.parametrize("bands, problems", [
    ((Band(1, 2, "Låg"), Band(2, 3.5, "Medel"), Band(3.5, 5, "Hög")), []),
    ((Band(1, 2, "Låg"), Band(2.5, 5, "Hög")), ["bands leave a gap between 2 and 2.5"]),
    ((Band(1, 3, "Låg"), Band(2.5, 5, "Hög")), ["bands 'Låg' (1–3) and 'Hög' (2.5–5) overlap"]),
    ((Band(1, 2, "Låg"), Band(3, 5, "Hög")), ["bands leave a gap between 2 and 3"]),
    ((Band(1, 3, "Låg"), Band(3, 4.5, "Hög")),
     ["bands end at 4.5 but the highest possible score is 5"]),
])
def test_band_problems_over_fractional_scores(bands, problems):
    form = replace(MEAN_MOOD, scoring=replace(MEAN_MOOD.scoring, bands=bands))
    assert band_problems(form) == problems


@pytest.mark.parametrize("values, label", [
    ({"a": 1, "b": 1, "c": 5}, "Låg"),  # mean 1
    ({"a": 2, "b": 3, "c": 5}, "Medel"),  # mean 2: a shared bound belongs to the upper band
    ({"a": 5, "b": 5, "c": 1}, "Hög"),  # mean 5: the last band includes its max
    ({"a": 4, "b": 3, "c": 3}, "Hög"),  # c reversed stays 3: mean 10 / 3 = 3.33…
    ({"a": 3, "b": 3, "c": 3}, "Medel"),  # mean 3
])
def test_fractional_bands_are_half_open_except_the_last(values, label):
    bands = (Band(1, 2, "Låg"), Band(2, 3.25, "Medel"), Band(3.25, 5, "Hög"))
    form = replace(MEAN_MOOD, scoring=replace(MEAN_MOOD.scoring, bands=bands))
    result = score(form, values)
    assert result is not None and result.band is not None and result.band.label == label


def test_forms_without_bands_or_scoring_have_no_band_problems():
    assert band_problems(MOOD) == []
    assert band_problems(replace(MOOD, scoring=None)) == []


# ---------------------------------------------------------------- scoring problems

@pytest.mark.parametrize("scoring, problems", [
    (Scoring(items=("a", "bb", "zzz")),
     ["scoring.items: unknown question 'bb'; did you mean 'b'?", "scoring.items: unknown question 'zzz'"]),
    (Scoring(items=("a", "why")), ["scoring.items: 'why' is a short text question and cannot be scored"]),
    (Scoring(items=("a", "a")), ["scoring.items: 'a' is listed twice"]),
    (Scoring(reverse=("count",)), ["scoring.reverse: 'count' needs min and max to be reversed"]),
    (Scoring(reverse=("plain",)), ["scoring.reverse: 'plain' has no option scores and cannot be scored"]),
    (Scoring(subscales=(Subscale("s", "S", ("a", "when")),)),
     ["subscale 's': 'when' is a date question and cannot be scored"]),
])
def test_scoring_problems_name_the_section_and_the_item(scoring, problems):
    form = Form("f", "F", MOOD.questions + (
        Question("count", "number", "N", min=0),
        Question("plain", "single_choice", "P", options=(Option("x", "X"),)),
        Question("when", "date", "D"),
    ), scoring=scoring)
    assert scoring_problems(form) == problems


def test_a_scored_form_needs_something_to_score():
    form = Form("f", "F", (Question("t", "short_text", "T"),), scoring=Scoring())
    assert scoring_problems(form) == [
        "scoring: no question of this form can be scored; give the options a score or use number, "
        "scale or yes/no questions"]


# ---------------------------------------------------------------- golden tests

def with_tests(*tests: FormTest) -> Form:
    return replace(FTND, tests=tests)


def messages(form: Form) -> list[str]:
    return [m for _, m in run_tests(form)]


def test_a_golden_test_expecting_invalid_answers_passes_when_validation_fails():
    assert messages(with_tests(FormTest("empty", frozen_map({}), valid=False))) == []


def test_a_golden_test_expecting_invalid_answers_fails_when_they_are_valid():
    test = FormTest("valid", frozen_map(FTND_CASES[0][0]), valid=False)
    assert messages(with_tests(test)) == [
        "test 'valid': expected the answers to be invalid, but they passed validation"]


def test_a_golden_test_with_invalid_answers_lists_them():
    answers = {**FTND_CASES[0][0], "first": "never", "ill": None}
    assert messages(with_tests(FormTest("bad", frozen_map(answers), score=0))) == [
        "test 'bad': the answers do not pass validation (first: Välj ett av alternativen.; "
        "ill: Frågan måste besvaras.)"]


def test_a_golden_test_naming_an_unknown_question_fails():
    assert messages(with_tests(FormTest("typo", frozen_map({"frist": "within5"})))) == [
        "test 'typo': 'frist' is not a question of this form"]


def test_a_golden_test_reports_no_band_and_unknown_subscales():
    form = replace(with_tests(FormTest("t", frozen_map(FTND_CASES[-1][0]), score=10, band="Okänt",
                                       subscales=frozen_map({"x": 1}))))
    assert messages(form) == ["test 't': expected band 'Okänt', got 'Mycket högt beroende'",
                              "test 't': unknown subscale 'x'"]


def test_golden_test_scores_are_compared_to_two_decimals():
    form = replace(mood(method="mean"), tests=(
        FormTest("third", frozen_map({"a": 5, "b": 5, "c": 1}), score=5),
        # c is reverse-keyed: 3 stays 3, so the mean is (4 + 3 + 3) / 3 = 3.333…
        FormTest("rounded", frozen_map({"a": 4, "b": 3, "c": 3}), score=3.33),
        FormTest("off", frozen_map({"a": 4, "b": 3, "c": 3}), score=3.34),
    ))
    assert messages(form) == ["test 'off': expected score 3.34, got 3.333333333"]


def test_golden_tests_accept_yaml_typed_values():
    form = Form("f", "F", (
        Question("n", "number", "N"), Question("s", "scale", "S", min=0, max=10),
        Question("d", "date", "D", required=True), Question("t", "time", "T", required=True),
        Question("y", "yes_no", "Y"),
    ), scoring=Scoring(items=("n", "s", "y")), tests=(
        FormTest("typed", frozen_map({"n": 2.5, "s": 3, "d": date(2024, 1, 1), "t": "08:30",
                                      "y": True}), score=6.5),
        FormTest("strings", frozen_map({"n": "2,5", "s": "3", "d": "2024-01-01", "t": "08:30",
                                        "y": "ja"}), score=6.5),
        FormTest("bad time", frozen_map({"d": "2024-01-01", "t": 510}), valid=False),
    ))
    assert messages(form) == []


def test_a_golden_test_expecting_a_score_from_an_unscored_form_fails():
    form = replace(MOOD, scoring=None, tests=(FormTest("t", frozen_map({"a": 1}), score=1),))
    assert messages(form) == ["test 't': expected a score, but the form has no scoring"]


def test_a_golden_test_expecting_a_score_when_there_is_none():
    form = replace(mood(), tests=(FormTest("t", frozen_map({"a": 1}), score=3),))
    assert messages(form) == [
        "test 't': expected score 3, got no score; scoring has no items:, so every question that can carry a score "
        "counts, and 'b', 'c' are unanswered here (missing: error gives no score): list the questions that count "
        "under scoring.items, or set missing: zero or prorate"]


def test_a_golden_test_without_a_score_names_the_unanswered_items_it_lists():
    form = replace(mood(items=("a", "b")), tests=(FormTest("t", frozen_map({"a": 1}), score=3),))
    assert messages(form) == [
        "test 't': expected score 3, got no score; the scored item 'b' is unanswered here (missing: error gives "
        "no score)"]


def test_with_missing_zero_there_is_always_a_score_and_no_reason_to_give():
    form = replace(mood(missing="zero"), tests=(FormTest("t", frozen_map({"a": 1}), score=3),))
    assert messages(form) == ["test 't': expected score 3, got 1"]  # a = 1; unanswered b and c count 0
