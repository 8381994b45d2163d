"""Scores of a form's answers, their possible range, and the checks of an author's scoring section.

Item scores: a choice option's `score` (an unscored option of a scored question counts 0;
a multiple choice adds its chosen options), a number or scale answer's value, yes/no 1/0.
A reverse-keyed item scores `min + max - score` over the item's own possible range.

Band rule (see `band_problems`): when every possible total is a whole number — method `sum`,
no proration, only yes/no, scale and integer-scored choice items, or an expression whose
interval analysis stays integral — bands are inclusive integer ranges, so 0–2 and 3–4 are
contiguous. Otherwise bands are half-open, `min ≤ total < max`, except that the last band
also includes its `max`; there 0–2 and 2–4 are contiguous.

Exact bands (any band of the list written with `from:`/`below:`, and every band of a computed value):
each band contains `min ≤ value ≤ max`, or `< below`; a missing end is infinite. So `{below: 85}` and
`{from: 85}` are contiguous over every real number; over whole-number scores `{max: 7}` and `{from: 8}`
are too. The same checks apply: no gaps, no overlaps, the possible range covered when it is known.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, TypeGuard

from ..expr import Binary, Call, Expr, ListLit, Literal, Name, Unary, evaluate, parse
from ..errors import ExpressionError
from ..model import CHOICE_TYPES, Band, Form, Question, Scoring
from ..expr.typecheck import can_score, did_you_mean
from .bands import end_problems, labelled_span, band_in, exact_band_problems, fmt, round_half_up

#: totals are rounded so float noise (0.1 + 0.2) never moves a score into another band
_DIGITS = 9

__all__ = ["ScoreResult", "fmt", "item_score", "item_range", "scored_items", "adjusted_score", "score_values",
           "integer_scores", "possible_range", "band_for", "band_problems", "scoring_problems"]


@dataclass(frozen=True)
class ScoreResult:
    """A form's score: total (None when it cannot be computed), its band, subscales, completeness."""

    total: float | None
    band: Band | None
    subscales: dict[str, float | None] = field(default_factory=dict)
    #: every scored item was answered
    complete: bool = True


def _is_number(v: Any) -> TypeGuard[float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def item_score(question: Question, value: Any) -> float | None:
    """The raw score of one answer (before reverse keying); None when unanswered or unscorable."""
    if value is None:
        return None
    kind = question.type
    if kind == "single_choice":
        option = question.option(value) if isinstance(value, str) else None
        return None if option is None else float(option.score or 0)
    if kind == "multiple_choice":
        if not isinstance(value, (list, tuple)) or not value:
            return None
        chosen = [question.option(v) for v in value if isinstance(v, str)]
        return float(sum(o.score or 0 for o in chosen if o is not None))
    if kind in ("number", "scale"):
        return float(value) if _is_number(value) else None
    if kind == "yes_no":
        return (1.0 if value else 0.0) if isinstance(value, bool) else None
    return None


def item_range(question: Question) -> tuple[float, float] | None:
    """The lowest and highest score an item can give; None when unbounded (number without min/max)."""
    kind = question.type
    if kind == "single_choice" and question.options:
        scores = [float(o.score or 0) for o in question.options]
        return min(scores), max(scores)
    if kind == "multiple_choice":
        scores = [float(o.score or 0) for o in question.options]
        return sum(s for s in scores if s < 0), sum(s for s in scores if s > 0)
    if kind in ("number", "scale"):
        if question.min is None or question.max is None:
            return None
        return float(question.min), float(question.max)
    if kind == "yes_no":
        return 0.0, 1.0
    return None


def _integral(question: Question) -> bool:
    if question.type in CHOICE_TYPES:
        return all(float(o.score or 0).is_integer() for o in question.options)
    return question.type in ("scale", "yes_no")


def scored_items(form: Form) -> list[Question]:
    """The questions that make up the total: scoring.items, or every question that can be scored."""
    scoring = form.scoring
    if scoring and scoring.items:
        found = (form.question(qid) for qid in scoring.items)
        return [q for q in found if q is not None]
    return [q for q in form.questions if can_score(q)]


def adjusted_score(form: Form, question: Question, value: Any) -> float | None:
    """An item's score with reverse keying applied."""
    raw = item_score(question, value)
    if raw is None or form.scoring is None or question.id not in form.scoring.reverse:
        return raw
    bounds = item_range(question)
    return raw if bounds is None else bounds[0] + bounds[1] - raw


def _combine(scores: list[float | None], method: str, missing: str) -> tuple[float | None, bool]:
    """Sum or mean of item scores under a missing rule; returns (total, complete)."""
    answered = [s for s in scores if s is not None]
    complete = len(answered) == len(scores)
    if not scores or (not complete and missing == "error") or not answered:
        return None, complete
    n, k = len(scores), len(answered)
    if missing == "prorate":
        # same as filling each gap with the mean of the answered items, in one division
        total = sum(answered) * n / k if method == "sum" else sum(answered) / k
    else:  # complete, or "zero": the unanswered items add nothing
        total = sum(answered) if method == "sum" else sum(answered) / n
    return round(total, _DIGITS), complete


def score_values(form: Form, values: Mapping[str, Any]) -> ScoreResult | None:
    """Score already-cleaned values (hidden questions removed); None when the form has no scoring."""
    scoring = form.scoring
    if scoring is None:
        return None
    items = scored_items(form)
    scores = {q.id: adjusted_score(form, q, values.get(q.id)) for q in form.questions}
    item_scores = [scores[q.id] for q in items]
    total, complete = _combine(item_scores, scoring.method, scoring.missing)
    if scoring.expression:
        total = _expression_total(form, scoring, values, scores, items, complete)
    if scoring.round is not None and total is not None:
        total = round_half_up(total, scoring.round)
    subscales = {}
    for sub in scoring.subscales:
        sub_scores = [scores.get(qid) for qid in sub.items if qid in scores]
        subscales[sub.id] = _combine(sub_scores, sub.method, scoring.missing)[0]
    return ScoreResult(total, band_for(form, total), subscales, complete)


def _expression_total(form: Form, scoring: Scoring, values: Mapping[str, Any],
                      scores: dict[str, float | None], items: list[Question],
                      complete: bool) -> float | None:
    if not complete and scoring.missing == "error":
        return None
    answered = [s for q in items if (s := scores[q.id]) is not None]
    if not answered:
        return None
    fill = 0.0 if scoring.missing == "zero" else sum(answered) / len(answered)
    env: dict[str, Any] = dict(values)
    item_ids = {q.id for q in items}
    for q in form.questions:
        if can_score(q):
            s = scores[q.id]
            env[q.id] = fill if s is None and q.id in item_ids else s
    result = evaluate(scoring.expression or "", env, scores=env)
    if not _is_number(result):
        return None
    return round(float(result), _DIGITS)


def integer_scores(form: Form) -> bool:
    """Whether every possible total is a whole number (then bands are inclusive integer ranges)."""
    scoring = form.scoring
    if scoring is None:
        return False
    if scoring.expression:
        interval = _expression_interval(form)
        return interval is not None and interval[2]
    items = scored_items(form)
    return (scoring.method == "sum" and scoring.missing != "prorate" and bool(items)
            and all(_integral(q) for q in items))


def _item_bounds(form: Form, question: Question) -> tuple[float, float] | None:
    bounds = item_range(question)
    if bounds is None:
        return None
    if form.scoring is not None and form.scoring.missing == "zero":
        return min(bounds[0], 0.0), max(bounds[1], 0.0)  # an unanswered item counts 0
    return bounds


def possible_range(form: Form) -> tuple[float, float] | None:
    """Lowest and highest possible total; None without scoring or when it cannot be derived."""
    scoring = form.scoring
    if scoring is None:
        return None
    if scoring.expression:
        interval = _expression_interval(form)
        return None if interval is None else (interval[0], interval[1])
    found = [_item_bounds(form, q) for q in scored_items(form)]
    bounds = [b for b in found if b is not None]
    if not bounds or len(bounds) < len(found):
        return None
    lo: float = sum(b[0] for b in bounds)
    hi: float = sum(b[1] for b in bounds)
    if scoring.method == "mean":
        lo, hi = lo / len(bounds), hi / len(bounds)
    return round(lo, _DIGITS), round(hi, _DIGITS)


_Interval = tuple[float, float, bool]  # low, high, always a whole number


def _expression_interval(form: Form) -> _Interval | None:
    """Interval analysis of scoring.expression over the items' ranges; None when not derivable."""
    try:
        expr = parse(form.scoring.expression or "")  # type: ignore[union-attr]
    except ExpressionError:
        return None
    ranges: dict[str, _Interval] = {}
    for q in form.questions:
        bounds = _item_bounds(form, q) if can_score(q) else None
        if bounds is not None:
            ranges[q.id] = (bounds[0], bounds[1], _integral(q))
    result = _interval(expr, ranges)
    if result is None or not all(math.isfinite(x) for x in result[:2]):
        return None
    return round(result[0], _DIGITS), round(result[1], _DIGITS), result[2]


def _interval(node: Expr, ranges: dict[str, _Interval]) -> _Interval | None:
    if isinstance(node, Literal):
        v = node.value
        return (float(v), float(v), isinstance(v, int)) if _is_number(v) else None
    if isinstance(node, Name):
        return ranges.get(node.id)
    if isinstance(node, Unary):
        inner = _interval(node.operand, ranges) if node.op == "-" else None
        return None if inner is None else (-inner[1], -inner[0], inner[2])
    if isinstance(node, Binary) and node.op in ("+", "-", "*", "/"):
        a, b = _interval(node.left, ranges), _interval(node.right, ranges)
        if a is None or b is None:
            return None
        if node.op == "+":
            return a[0] + b[0], a[1] + b[1], a[2] and b[2]
        if node.op == "-":
            return a[0] - b[1], a[1] - b[0], a[2] and b[2]
        if node.op == "/" and b[0] <= 0 <= b[1]:
            return None
        pairs = [(x, y) for x in a[:2] for y in b[:2]]
        values = [x * y if node.op == "*" else x / y for x, y in pairs]
        return min(values), max(values), node.op == "*" and a[2] and b[2]
    if isinstance(node, Call) and node.func in ("sum", "min", "max"):
        parts = [None if isinstance(a, ListLit) else _interval(a, ranges) for a in node.args]
        if any(p is None for p in parts):
            return None
        lows, highs = [p[0] for p in parts], [p[1] for p in parts]  # type: ignore[index]
        whole = all(p[2] for p in parts)  # type: ignore[index]
        if node.func == "sum":
            return sum(lows), sum(highs), whole
        pick = min if node.func == "min" else max
        return pick(lows), pick(highs), whole
    return None


def band_for(form: Form, total: float | None) -> Band | None:
    """The band a total falls in, by the rule in this module's docstring."""
    if total is None or form.scoring is None or not form.scoring.bands:
        return None
    return band_in(form.scoring.bands, total, whole=integer_scores(form))


def band_problems(form: Form) -> list[str]:
    """Gaps, overlaps and uncovered ends of the bands over the possible range (rule: module docstring)."""
    scoring = form.scoring
    if scoring is None or not scoring.bands:
        return []
    if any(b.exact for b in scoring.bands):
        return exact_band_problems(scoring.bands, whole=integer_scores(form), bounds=possible_range(form))
    problems = [f"band {labelled_span(b)} ends before it starts" for b in scoring.bands if b.min > b.max]
    whole = integer_scores(form)
    if whole:
        problems += [f"band {labelled_span(b)} has a bound that is not a whole number, but every "
                     "possible score is" for b in scoring.bands
                     if not (float(b.min).is_integer() and float(b.max).is_integer())]
    # over whole-number scores a band covers the whole numbers inside it: 0–4.5 is 0–4
    def low(b: Band) -> float:
        return math.ceil(b.min) if whole else b.min

    def high(b: Band) -> float:
        return math.floor(b.max) if whole else b.max

    ordered = sorted(scoring.bands, key=lambda b: (low(b), high(b)))
    reach = ordered[0]  # the band reaching furthest so far, so a band inside another hides no gap
    step = 1 if whole else 0
    for band in ordered[1:]:
        if low(band) > high(reach) + step:
            problems.append(f"bands leave a gap between {fmt(reach.max)} and {fmt(band.min)}")
        elif low(band) < high(reach) + step:
            problems.append(f"bands {labelled_span(reach)} and {labelled_span(band)} overlap")
        if high(band) > high(reach):
            reach = band
    bounds = possible_range(form)
    if bounds is not None:
        problems += end_problems(ordered[0], low(ordered[0]), reach, high(reach), True, bounds)
        lo, hi = bounds
        problems += [f"band {labelled_span(b)} lies outside the possible scores {fmt(lo)}–{fmt(hi)}"
                     for b in ordered if low(b) > hi or high(b) < lo]
    return problems


_TYPE_PHRASES = {"short_text": "a short text question", "long_text": "a long text question",
                 "date": "a date question", "time": "a time question"}


def scoring_problems(form: Form) -> list[str]:
    """Scoring items, reverse items and subscale items that name unknown or unscorable questions."""
    scoring = form.scoring
    if scoring is None:
        return []
    problems: list[str] = []
    ids = [q.id for q in form.questions]

    def check_item(where: str, qid: str) -> Question | None:
        q = form.question(qid)
        if q is None:
            problems.append(f"{where}: unknown question '{qid}'{did_you_mean(qid, ids)}")
        elif not can_score(q):
            what = _TYPE_PHRASES.get(q.type)
            reason = f"is {what}" if what else "has no option scores"
            problems.append(f"{where}: '{qid}' {reason} and cannot be scored")
            return None
        return q

    for where, qids in [("scoring.items", scoring.items), ("scoring.reverse", scoring.reverse)] + [
            (f"subscale '{s.id}'", s.items) for s in scoring.subscales]:
        seen: set[str] = set()
        for qid in qids:
            if qid in seen:
                problems.append(f"{where}: '{qid}' is listed twice")
                continue
            seen.add(qid)
            q = check_item(where, qid)
            if q is not None and where == "scoring.reverse" and item_range(q) is None:
                problems.append(f"scoring.reverse: '{qid}' needs min and max to be reversed")
    if not scoring.items and not any(can_score(q) for q in form.questions):
        if scoring.expression:  # it is computed only from answered scored items: it would never give a score
            problems.append("scoring: the expression is computed from the scored items, and without items: no "
                            "question of this form can be scored, so it never gives a score; give the options a "
                            "score (or use number, scale or yes/no questions) and list them under scoring.items")
        else:
            problems.append("scoring: no question of this form can be scored; give the options a "
                            "score or use number, scale or yes/no questions")
    return problems
