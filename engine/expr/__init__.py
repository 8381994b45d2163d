"""The expression language of `show_if`, validation rules and score expressions.

A small hand-written tokenizer and Pratt parser (never Python `eval`). Grammar, loosest first:

    expr   := expr 'or' expr | expr 'and' expr | 'not' expr
            | sum (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in') sum)?   # never chained
    sum    := sum ('+' | '-') term | term          term := term ('*' | '/') unary | unary
    unary  := '-' unary | atom
    atom   := number | 'text' | "text" | true | false | null | none | [expr, ...]
            | question_id | form_id.value_id | function '(' expr, ... ')' | '(' expr ')'

Functions: sum, count, len, min, max, answered, today, days_between, minutes_between
(time of day to time of day, past midnight when the second is earlier: 23:30 → 06:30 is 420),
and over a form's entries (a diary) mean_last, min_last, max_last (last N entries) and mean_days
(entries of the last N days). `today()` is the date the
caller passes in (`evaluate(..., today=...)`, the patient's local date; the engine never reads the
clock); without one it is unknown (null), and validation rules that use it are skipped. Evaluation is forgiving by design: an
unanswered question is None, a comparison involving None is False (`x == null` excepted),
arithmetic with None gives None, and `evaluate` never raises because of answers.
The static checker (`check`, in engine.expr.typecheck) catches author mistakes at load time.
"""
from .evaluate import Entry, evaluate, minutes_between, truthy
from .parser import names, parse
from .syntax import (AGGREGATES, ARITHMETIC, COMPARISONS, FUNCTIONS, MAX_DEPTH, Binary, Call, Expr, ListLit, Literal,
                     Name, Unary, children, parse_date_literal, parse_time_literal, to_source, uses_today)
from .typecheck import can_score, check, did_you_mean, kind_of, result_kind

__all__ = ["AGGREGATES", "Entry", "minutes_between", "ARITHMETIC", "COMPARISONS", "FUNCTIONS", "MAX_DEPTH", "Binary", "Call", "Expr", "ListLit",
           "Literal", "Name", "Unary", "can_score", "check", "children", "did_you_mean", "evaluate", "names",
           "parse", "parse_date_literal", "result_kind", "kind_of", "parse_time_literal", "to_source", "truthy", "uses_today"]
