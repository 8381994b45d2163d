"""Form answers: web strings → typed values, visibility (show_if), validation, storage, golden tests.

Typed answer values: short/long text → str; number → int or float; scale → int; single
choice → option id; multiple choice → list of option ids (in the options' order); yes/no →
bool; date → datetime.date; time → datetime.time (whole minutes). None = unanswered.
Messages meant for the patient are Swedish; messages for authors are English.
Scoring lives in engine.scoring; `score` here first drops the answers of hidden questions.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Mapping

from ..errors import AnswerError
from ..expr import evaluate, parse, parse_date_literal, truthy, uses_today
from ..model import Form, FormTest, Question
from .scoring import (ScoreResult, adjusted_score, band_problems, fmt, integer_scores, item_range,
                      item_score, possible_range, score_values, scored_items, scoring_problems)

__all__ = [
    "ScoreResult", "answer_problem", "band_problems", "clean", "coerce", "coerce_answer",
    "format_number", "from_json", "integer_scores", "item_range", "item_score",
    "possible_range", "run_tests", "score", "scored_items", "scoring_problems", "submit", "to_json",
    "to_raw", "validate", "visible_questions", "adjusted_score",
]

MSG_REQUIRED = "Frågan måste besvaras."
MSG_NUMBER = "Ange ett tal."
MSG_INTEGER = "Ange ett heltal."
MSG_DATE = "Ange ett datum (ÅÅÅÅ-MM-DD)."
MSG_TIME = "Ange en tid (TT:MM)."
MSG_YES_NO = "Svara ja eller nej."
MSG_OPTION = "Välj ett av alternativen."
MSG_ONE_ANSWER = "Ange bara ett svar."
MSG_TEXT = "Ange en text."
#: the longest free-text answer kept (a page of text; longer posts are refused, not stored)
MAX_ANSWER_CHARS = 5_000
MSG_TOO_LONG = f"Svaret får vara högst {MAX_ANSWER_CHARS} tecken."

_YES = {"yes", "ja", "true", "1"}
_NO = {"no", "nej", "false", "0"}
# "1 000,5": Swedish groups thousands with a (no-break) space and writes a decimal comma
_GROUPED = re.compile(r"[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?", re.ASCII)
_PLAIN = re.compile(r"[+-]?\d+([.,]\d+)?", re.ASCII)
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})", re.ASCII)
_MAX_NUMBER_CHARS = 30


# ---------------------------------------------------------------- web strings → typed values

def coerce(form: Form, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn submitted strings into typed values: (values for every question, Swedish errors)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in form.questions:
        if q.type == "multiple_choice" and hasattr(raw, "getlist"):
            submitted = raw.getlist(q.id)  # a multi-dict of form fields (checkboxes repeat the key)
        else:
            submitted = raw.get(q.id)
        value, error = coerce_answer(q, submitted)
        values[q.id] = value
        if error:
            errors[q.id] = error
    return values, errors


def coerce_answer(question: Question, raw: Any) -> tuple[Any, str | None]:
    """One question's submitted string(s) → (typed value or None, Swedish error or None)."""
    if question.type == "multiple_choice":
        items = raw if isinstance(raw, (list, tuple)) else ([] if raw is None else [raw])
        if not all(isinstance(i, str) for i in items):
            return None, MSG_OPTION
        chosen = list(dict.fromkeys(i.strip() for i in items if i.strip()))
        order = {o.id: n for n, o in enumerate(question.options)}
        chosen.sort(key=lambda i: order.get(i, len(order)))  # stable: unknown ids keep their order
        return (chosen or None), None
    if isinstance(raw, (list, tuple)):
        filled = [r for r in raw if not (isinstance(r, str) and not r.strip())]
        if len(filled) > 1:
            return None, MSG_ONE_ANSWER
        raw = filled[0] if filled else None
    if raw is None:
        return None, None
    if not isinstance(raw, str):
        return None, _TYPE_MESSAGES.get(question.type, MSG_TEXT)
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        return None, None
    if len(text) > MAX_ANSWER_CHARS:
        return None, MSG_TOO_LONG
    parser = _PARSERS.get(question.type)
    if parser is None:
        return text, None  # text and single choice (options are checked by validate)
    value = parser(text)
    return (None, _TYPE_MESSAGES[question.type]) if value is None else (value, None)


def parse_number(text: str) -> int | float | None:
    """'12', '-3', '12,5', '12.5', '1 000' → a number; anything else → None."""
    text = text.strip().replace("\u2212", "-")
    if len(text) > _MAX_NUMBER_CHARS:
        return None
    if _GROUPED.fullmatch(text):
        text = re.sub(r"[ \u00a0\u202f]", "", text)
    elif not _PLAIN.fullmatch(text):
        return None
    text = text.replace(",", ".")
    return float(text) if "." in text else int(text)


def _parse_integer(text: str) -> int | None:
    value = parse_number(text)
    return value if isinstance(value, int) else None


def _parse_yes_no(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered in _YES else False if lowered in _NO else None


def parse_time(text: str) -> time | None:
    """'08:30', '8:30' or '8.30' → time(8, 30); anything else → None."""
    m = _TIME.fullmatch(text.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        return None
    return time(int(m[1]), int(m[2]))


_PARSERS = {"number": parse_number, "scale": _parse_integer, "yes_no": _parse_yes_no,
            "date": parse_date_literal, "time": parse_time}
_TYPE_MESSAGES = {"number": MSG_NUMBER, "scale": MSG_INTEGER, "yes_no": MSG_YES_NO,
                  "date": MSG_DATE, "time": MSG_TIME, "single_choice": MSG_OPTION,
                  "multiple_choice": MSG_OPTION, "short_text": MSG_TEXT, "long_text": MSG_TEXT}


def format_number(value: int | float) -> str:
    """A number as a Swedish reader writes it: 12,5 (never an exponent)."""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(float(value))), "f")
    return text.replace(".", ",")


def to_raw(form: Form, values: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """Typed values → the strings a web form shows, so a saved answer can be edited again."""
    raw: dict[str, str | list[str]] = {}
    for q in form.questions:
        value = values.get(q.id)
        if value is None:
            raw[q.id] = [] if q.type == "multiple_choice" else ""
        elif isinstance(value, bool):
            raw[q.id] = "yes" if value else "no"
        elif isinstance(value, (int, float)):
            raw[q.id] = format_number(value)
        elif isinstance(value, time):
            raw[q.id] = value.strftime("%H:%M")
        elif isinstance(value, date):
            raw[q.id] = value.isoformat()
        elif isinstance(value, (list, tuple)):
            raw[q.id] = [str(v) for v in value]
        else:
            raw[q.id] = str(value)
    return raw


# ---------------------------------------------------------------- visibility and validation

def _walk(form: Form, values: Mapping[str, Any], today: date | None = None) -> tuple[list[Question], dict[str, Any], dict[str, Any]]:
    """Apply show_if in order; a hidden question counts as unanswered for later conditions."""
    visible: list[Question] = []
    env: dict[str, Any] = {}
    scores: dict[str, float | None] = {}
    for q in form.questions:
        if q.show_if and not truthy(evaluate(q.show_if, env, scores=scores, today=today)):
            continue
        visible.append(q)
        env[q.id] = values.get(q.id)
        scores[q.id] = item_score(q, env[q.id])
    return visible, env, scores


def visible_questions(form: Form, values: Mapping[str, Any], *, today: date | None = None) -> list[Question]:
    """The questions shown for these answers, in order (show_if applied)."""
    return _walk(form, values, today)[0]


def answer_problem(question: Question, value: Any) -> str | None:
    """Swedish message when an answered value has the wrong type, is out of range or no option."""
    kind = question.type
    if kind in ("short_text", "long_text"):
        return None if isinstance(value, str) else MSG_TEXT
    if kind in ("number", "scale"):
        ok = isinstance(value, int) if kind == "scale" else isinstance(value, (int, float))
        if not ok or isinstance(value, bool) or value != value or value in (float("inf"), float("-inf")):
            return MSG_INTEGER if kind == "scale" else MSG_NUMBER
        return _range_problem(question, value)
    if kind == "single_choice":
        return None if isinstance(value, str) and question.option(value) else MSG_OPTION
    if kind == "multiple_choice":
        ok = isinstance(value, (list, tuple)) and all(
            isinstance(v, str) and question.option(v) for v in value)
        return None if ok else MSG_OPTION
    if kind == "yes_no":
        return None if isinstance(value, bool) else MSG_YES_NO
    if kind == "date":
        return None if isinstance(value, date) and not isinstance(value, datetime) else MSG_DATE
    if kind == "time":
        whole = isinstance(value, time) and value.second == 0 and value.microsecond == 0
        return None if whole else MSG_TIME
    return None


def _sv(value: float) -> str:
    return format_number(int(value) if float(value).is_integer() else value)


def _range_problem(question: Question, value: float) -> str | None:
    lo, hi = question.min, question.max
    if (lo is None or value >= lo) and (hi is None or value <= hi):
        return None
    if lo is not None and hi is not None:
        return f"Ange ett värde mellan {_sv(lo)} och {_sv(hi)}."
    if lo is not None:
        return f"Ange ett värde som är minst {_sv(lo)}."
    return f"Ange ett värde som är högst {_sv(hi)}."  # type: ignore[arg-type]


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != ()


def validate(form: Form, values: Mapping[str, Any], *, today: date | None = None) -> dict[str, str]:
    """Swedish error per visible question: required, type/range/options, then author rules.

    An author rule runs only when its question is answered (emptiness is `required`'s job),
    and sees every visible answer; hidden questions' values are ignored throughout.
    `today` (the patient's local date) is what today() means; without it, rules that use
    today() are skipped (treated as satisfied), so a caller that knows no date never blocks.
    """
    visible, env, scores = _walk(form, values, today)
    errors: dict[str, str] = {}
    for q in visible:
        value = env[q.id]
        if not _answered(value):
            if q.required:
                errors[q.id] = MSG_REQUIRED
            continue
        problem = answer_problem(q, value)
        if problem is None:
            problem = next((v.message for v in q.validations
                            if (today is not None or not uses_today(parse(v.rule)))
                            and not truthy(evaluate(v.rule, env, scores=scores, today=today))), None)
        if problem:
            errors[q.id] = problem
    return errors


def clean(form: Form, values: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Only the answered, visible questions' values (hidden questions' answers are dropped)."""
    visible, env, _ = _walk(form, values, today)
    return {q.id: env[q.id] for q in visible if _answered(env[q.id])}


def submit(form: Form, raw: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Coerce, validate and clean a submission; raises AnswerError with every Swedish message."""
    values, coerce_errors = coerce(form, raw)
    shown = {q.id for q in visible_questions(form, values, today=today)}
    # a value that could not be read says so; "must be answered" on top of it would mislead
    errors = {**validate(form, values, today=today), **{k: v for k, v in coerce_errors.items() if k in shown}}
    if errors:
        ordered = {q.id: errors[q.id] for q in form.questions if q.id in errors}
        raise AnswerError(ordered)
    return clean(form, values, today=today)


def score(form: Form, values: Mapping[str, Any], *, today: date | None = None) -> ScoreResult | None:
    """The form's score for these answers (hidden questions count as unanswered); None if unscored."""
    return score_values(form, clean(form, values, today=today))


# ---------------------------------------------------------------- storage

def to_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe copy of typed values: dates 'YYYY-MM-DD', times 'HH:MM'."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, time):
            out[key] = value.strftime("%H:%M")
        elif isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, (list, tuple)):
            out[key] = list(value)
        else:
            out[key] = value
    return out


def from_json(form: Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON → typed values; keys that are no question of the form are kept unchanged."""
    out: dict[str, Any] = dict(data)
    errors: dict[str, str] = {}
    for q in form.questions:
        value = data.get(q.id)
        if value is None or q.type not in ("date", "time"):
            if isinstance(value, list):
                out[q.id] = list(value)
            continue
        parsed = parse_date_literal(value) if q.type == "date" and isinstance(value, str) else (
            parse_time(value) if isinstance(value, str) else None)
        if parsed is None:
            errors[q.id] = MSG_DATE if q.type == "date" else MSG_TIME
        out[q.id] = parsed
    if errors:
        raise AnswerError(errors)
    return out


# ---------------------------------------------------------------- author checks

def _test_raw(value: Any) -> Any:
    """A golden test's YAML value → what a browser would have sent."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, (date, time)):
        return to_raw_single(value)
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, str) else str(v) for v in value]
    return value if value is None or isinstance(value, str) else str(value)


def to_raw_single(value: date | time) -> str:
    """A date or time as the web form writes it."""
    return value.strftime("%H:%M") if isinstance(value, time) else value.isoformat()


def run_tests(form: Form) -> list[tuple[FormTest, str]]:
    """Run the form's golden tests; returns one (test, English message) per failure."""
    failures: list[tuple[FormTest, str]] = []
    for test in form.tests:
        failures += [(test, f"test '{test.name}': {m}") for m in _test_failures(form, test)]
    return failures


def _test_failures(form: Form, test: FormTest) -> list[str]:
    ids = [q.id for q in form.questions]
    unknown = [k for k in test.answers if k not in ids]
    if unknown:
        return [f"'{k}' is not a question of this form" for k in unknown]
    values, coerce_errors = coerce(form, {k: _test_raw(v) for k, v in test.answers.items()})
    shown = {q.id for q in visible_questions(form, values, today=test.today)}
    errors = {**validate(form, values, today=test.today), **{k: v for k, v in coerce_errors.items() if k in shown}}
    if not test.valid:
        return [] if errors else ["expected the answers to be invalid, but they passed validation"]
    if errors:
        listed = "; ".join(f"{k}: {v}" for k, v in errors.items())
        return [f"the answers do not pass validation ({listed})"]
    result = score(form, values, today=test.today)
    if result is None:
        wants = test.score is not None or test.band is not None or bool(test.subscales)
        return ["expected a score, but the form has no scoring"] if wants else []
    failures = []
    if test.score is not None and not _close(result.total, test.score):
        got = "no score" if result.total is None else fmt(result.total)
        why = _no_score_reason(form, clean(form, values, today=test.today)) if result.total is None else ""
        failures.append(f"expected score {fmt(test.score)}, got {got}{why}")
    got_band = result.band.label if result.band else None
    if test.band is not None and got_band != test.band:
        failures.append(f"expected band '{test.band}', got "
                        + (f"'{got_band}'" if got_band else "no band"))
    for sub_id, expected in test.subscales.items():
        if sub_id not in result.subscales:
            failures.append(f"unknown subscale '{sub_id}'")
        elif not _close(result.subscales[sub_id], expected):
            sub_score = result.subscales[sub_id]
            failures.append(f"expected subscale '{sub_id}' {fmt(expected)}, got "
                            + ("no score" if sub_score is None else fmt(sub_score)))
    return failures


def _no_score_reason(form: Form, values: Mapping[str, Any]) -> str:
    """Why a form with scoring gave no score for these answers, with the fix (empty when it cannot tell)."""
    scoring = form.scoring
    if scoring is None:
        return ""
    counted = scored_items(form)
    if not counted:
        return ("; no question of this form can be scored, so there is nothing to score: give the options a score, "
                "or use number, scale or yes/no questions")
    unanswered = [q.id for q in counted if adjusted_score(form, q, values.get(q.id)) is None]
    if not unanswered or scoring.missing != "error":
        return ""
    listed = ", ".join(f"'{qid}'" for qid in unanswered) + (" is" if len(unanswered) == 1 else " are")
    if not scoring.items:
        return (f"; scoring has no items:, so every question that can carry a score counts, and {listed} "
                "unanswered here (missing: error gives no score): list the questions that count under "
                "scoring.items, or set missing: zero or prorate")
    return f"; the scored item {listed} unanswered here (missing: error gives no score)"


def _close(actual: float | None, expected: float) -> bool:
    # authors write expected scores to two decimals (6.67 for 20/3)
    return actual is not None and abs(actual - float(expected)) < 0.005

