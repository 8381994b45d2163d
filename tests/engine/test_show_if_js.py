"""Differential test: the browser's show_if evaluator (web/static/show_if.js, run by Node) and the engine's
give the same result for random expression trees and answers, and show the same questions of every
program form with a show_if for random typed strings.

Numbers are kept small (|int| ≤ 50, at most 8 leaves) so every integer stays exact in JavaScript's
doubles; the text alphabet avoids the few characters Python and JavaScript trim differently (but has
one outside the BMP: lengths and order count code points in both). A third test puts random trees as
show_if on the `alla` form (every question type), so the coercion of typed strings meets every rule.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.expr import Binary, Call, ListLit, Literal, Name, Unary, evaluate, to_source
from engine.expr.tree_json import to_json
from engine.forms import coerce, coerce_answer, visible_questions
from engine.forms.answers import MAX_ANSWER_CHARS
from engine.forms.client import client_rules, question_rules
from engine.loader import load_program

ROOT = Path(__file__).resolve().parents[2]
BRIDGE = ROOT / "tests" / "js" / "show_if_bridge.js"
NAMES = ("a", "b", "c", "d")
TEXT = st.text(alphabet="abcåö AB09-:.,😀", max_size=6)


@pytest.fixture(scope="module")
def js():
    """ask(request) → the result show_if.js gives, from one Node process for the whole module."""
    process = subprocess.Popen(["node", str(BRIDGE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, encoding="utf-8")

    def ask(request: dict):
        process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
        process.stdin.flush()
        answer = json.loads(process.stdout.readline())
        assert "error" not in answer, answer["error"]
        return answer["ok"]

    yield ask
    process.stdin.close()
    process.wait(timeout=10)
    process.stdout.close()


def to_js(value):
    """A Python value as show_if.js represents it."""
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.strftime("%H:%M")}
    if isinstance(value, (list, tuple)):
        return [to_js(v) for v in value]
    return value


def same(python, javascript) -> bool:
    """Equal as values: a bool is never a number; 2 and 2.0 are the same number."""
    if isinstance(python, bool) or isinstance(javascript, bool):
        return type(python) is type(javascript) and python == javascript
    if isinstance(python, (int, float)) and isinstance(javascript, (int, float)):
        # beyond 2**53 JavaScript holds the nearest double (a typed 30-digit number; never reached by trees)
        return (float(python) if abs(python) > 2 ** 53 else python) == javascript
    if isinstance(python, list) and isinstance(javascript, list):
        return len(python) == len(javascript) and all(same(p, j) for p, j in zip(python, javascript))
    return python == javascript


# ---------------------------------------------------------------- random values and trees

# values that meet each other often (equal, ordered, mixed types), and random ones
TYPICAL = [0, 1, -1, 2, 2.0, 0.5, True, False, None, "", "a", "annat", "😀b", "2026-03-02", "08:30"]
scalars = st.one_of(st.sampled_from(TYPICAL), st.integers(-50, 50),
                    st.floats(-1e3, 1e3, allow_nan=False).map(lambda f: round(f, 3)), TEXT,
                    st.sampled_from(["2026-02-30", "8:30", "24:00"]))
temporal = st.one_of(st.sampled_from([date(2026, 3, 2), date(2026, 3, 3), time(8, 30), time(9, 0)]),
                     st.dates(date(1990, 1, 1), date(2030, 12, 31)), st.times().map(lambda t: time(t.hour, t.minute)))
answers_values = st.one_of(scalars, temporal, st.lists(st.one_of(scalars, temporal), max_size=3))
leaves = st.one_of(st.sampled_from(TYPICAL).map(Literal), scalars.map(Literal), st.sampled_from(NAMES).map(Name),
                   st.sampled_from(NAMES).map(Name), st.just(Call("today", ())))


def _grow(children):
    ops = ["or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/"]
    return st.one_of(
        st.lists(children, max_size=3).map(lambda items: ListLit(tuple(items))),
        st.builds(Unary, st.sampled_from(["-", "not"]), children),
        st.builds(Binary, st.sampled_from(ops), children, children),
        st.builds(Call, st.sampled_from(["sum", "min", "max"]), st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(Call, st.sampled_from(["count", "len"]), children.map(lambda c: (c,))),
        st.builds(Call, st.just("answered"), st.sampled_from(NAMES).map(lambda n: (Name(n),))),
        st.builds(Call, st.just("days_between"), st.tuples(children, children)),
    )


trees = st.recursive(leaves, _grow, max_leaves=8)


A, B = Name("a"), Name("b")


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Python's quirks, always tried: True == 1 inside lists but not alone, code points, dates and times
@example(tree=Binary("==", ListLit((Literal(True),)), ListLit((Literal(1),))), answers={}, scores=None, today=None)
@example(tree=Binary("in", Literal(1), ListLit((Literal(True), Literal(2.0)))), answers={}, scores=None, today=None)
@example(tree=Binary("<", Literal("😀"), Literal("\uffff")), answers={}, scores=None, today=None)
@example(tree=Call("len", (Literal("😀b"),)), answers={}, scores=None, today=None)
@example(tree=Binary("<", A, B), answers={"a": date(2026, 3, 2), "b": date(2026, 3, 3)}, scores=None, today=None)
@example(tree=Binary(">=", A, Literal("09:00")), answers={"a": time(8, 30)}, scores=None, today=None)
@example(tree=Binary("<", ListLit((A,)), ListLit((B,))), answers={"a": time(8, 30), "b": time(9, 0)}, scores=None,
         today=None)
@example(tree=Call("days_between", (A, Call("today", ()))), answers={"a": date(2026, 2, 27)}, scores=None,
         today=date(2026, 3, 2))
@example(tree=Call("sum", (A, B, ListLit((Literal(2), Literal(True))))), answers={"a": "x", "b": 2},
         scores={"a": 1.5}, today=None)
@example(tree=Binary("/", Literal(1), Unary("-", Literal(0.0))), answers={}, scores=None, today=None)
@given(tree=trees, answers=st.dictionaries(st.sampled_from(NAMES), answers_values),
       scores=st.none() | st.dictionaries(st.sampled_from(NAMES), st.none() | st.floats(-10, 10, allow_nan=False)),
       today=st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_random_trees_evaluate_the_same_in_the_browser_and_the_engine(js, tree, answers, scores, today):
    expected = evaluate(tree, answers, scores=scores, today=today)
    got = js({"tree": to_json(tree), "answers": {k: to_js(v) for k, v in answers.items()}, "scores": scores,
              "today": today.isoformat() if today else None})
    assert same(to_js(expected), got), (str(tree), expected, got)


# ---------------------------------------------------------------- the program forms, from typed strings

def _forms_with_show_if():
    found = []
    for path in sorted((ROOT / "programs").glob("*.yaml")) + [ROOT / "tests" / "data" / "patient" / "alla-typer.yaml"]:
        program = load_program(path)
        found += [form for form in program.forms.values() if client_rules(form)]
    return found


FORMS = _forms_with_show_if()


def _typed(question):
    """Strings a patient might send for one question: right, wrong and odd."""
    options = [o.id for o in question.options]
    common = st.sampled_from(["", " ", "ja", "nej", "12", "12,5", "1 000", "-3", "2026-03-02", "8.30", "abc"])
    if question.type == "multiple_choice":
        return st.lists(st.sampled_from(options + ["okänd", " "]), max_size=4)
    if options:
        return st.one_of(st.sampled_from(options), common)
    if question.type in ("number", "scale"):
        return st.one_of(st.integers(-20, 120).map(str), common)
    return st.one_of(common, TEXT)


def test_there_are_program_forms_with_show_if():
    assert len(FORMS) >= 5 and any(f.id == "skal" for f in FORMS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), today=st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_every_program_form_shows_the_same_questions_in_the_browser(js, data, today):
    form = data.draw(st.sampled_from(FORMS))
    raw = {q.id: data.draw(_typed(q)) for q in form.questions if data.draw(st.booleans())}
    values, _ = coerce(form, raw)
    expected = [q.id for q in visible_questions(form, values, today=today)]
    got = js({"visible": True, "rules": client_rules(form), "raw": raw, "today": today.isoformat() if today else None})
    assert got == expected, (form.id, raw)


ALLA = next(f for f in FORMS if f.id == "alla")


def _alla_raw(question):
    """Typed strings for the `alla` form's questions, some valid, some not."""
    odd = st.sampled_from(["", " ", "ja", "nej", "12", "12,5", "1 000", "1 000,5", "-3", "−4", "2026-03-02",
                           "2026-02-30", "8.30", "08:30", "24:00", "sommar", "abc"])
    if question.type == "multiple_choice":
        return st.lists(st.sampled_from([o.id for o in question.options] + ["okänd", " ", ""]), max_size=4)
    if question.options:
        return st.one_of(st.sampled_from([o.id for o in question.options]), odd)
    return st.one_of(odd, TEXT, st.integers(-5, 15).map(str))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), today=st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_random_show_if_on_every_question_type_shows_the_same_questions(js, data, today):
    ids = [q.id for q in ALLA.questions]
    names = st.sampled_from(ids).map(Name)
    tree_of = st.recursive(st.one_of(scalars.map(Literal), names, names, st.just(Call("today", ()))), _grow,
                           max_leaves=6)
    # any order: a condition sees only the questions before it, so every type must come first sometimes
    shuffled = data.draw(st.permutations(ALLA.questions))
    questions = tuple(dataclasses.replace(q, show_if=to_source(data.draw(tree_of)) if data.draw(st.booleans()) else None)
                      for q in shuffled)
    form = dataclasses.replace(ALLA, questions=questions)
    raw = {q.id: data.draw(_alla_raw(q)) for q in form.questions if data.draw(st.booleans())}
    values, _ = coerce(form, raw)
    expected = [q.id for q in visible_questions(form, values, today=today)]
    rules = client_rules(form)
    if rules is None:  # no condition at all: the page needs no script and every question shows
        assert expected == [q.id for q in form.questions]
        return
    got = js({"visible": True, "rules": rules, "raw": raw, "today": today.isoformat() if today else None})
    assert got == expected, raw


ODD = ["", " ", "ja", "Nej", "JA ", "true", "0", "12", " 12 ", "12,5", "12.0", "1 000", "1\u00a0000,5", "+7", "-3",
       "\u22124", "1e3", "2026-03-02", "2026-02-29", "2028-02-29", "0000-01-01", "8.30", "08:30", "8:5", "24:00",
       "23:59", "sommar", "abc", "a\r\nb", "😀", "1" * 31, "-" + "1" * 29, "1 000 000 000 000 000 000 000"]


def test_every_odd_string_becomes_the_same_answer_for_every_question_type(js):
    for question in ALLA.questions:
        reversed_options = ["okänd"] + [o.id for o in reversed(question.options)]  # sorted back into option order
        for raw in ODD + [o.id for o in question.options] + [[], [" "], ["12", ""], ["ja", "nej"], reversed_options]:
            if question.type == "multiple_choice" and isinstance(raw, str):
                raw = [raw, raw]
            expected, _ = coerce_answer(question, raw)
            got = js({"coerce": True, "question": question_rules(question), "raw": raw, "max_chars": MAX_ANSWER_CHARS})
            assert same(to_js(expected), got), (question.type, raw, expected, got)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_typed_strings_become_the_same_answers_in_the_browser(js, data):
    question = data.draw(st.sampled_from(ALLA.questions))
    one = st.one_of(st.sampled_from(ODD + [o.id for o in question.options]), TEXT)
    raw = data.draw(st.one_of(st.none(), one, st.lists(one, max_size=3)))
    expected, _ = coerce_answer(question, raw)
    got = js({"coerce": True, "question": question_rules(question), "raw": raw, "max_chars": MAX_ANSWER_CHARS})
    assert same(to_js(expected), got), (question.type, raw, expected, got)
