"""Form answers: coercion of web strings to typed values, show_if, validation, scoring and bands.

`answers` turns what a patient typed into typed values and back (Swedish messages); `scoring` sums,
reverses, prorates and bands scored questionnaires and checks bands at load time; `alerts` evaluates
the answer rules that alert (patient feedback after submission, clinician flag); `computed` the values
computed from the answers (rounded, labelled, banded); `suggestions` the rules that suggest modules to
the clinician.
"""
from .computed import (computed_band, computed_tests, computed_values, rounded, show_value, test_history,
                       uses_other_forms)
from .alerts import alert_feedback, alert_tests, alerts_for, held_by, submission_feedback
from .suggestions import rule_holds, suggesting_modules, suggestion_tests
from .bands import exact_band_problems, span, span_sv
from .answers import (ScoreResult, adjusted_score, answer_problem, band_problems, clean, coerce, coerce_answer,
                      format_number, from_json, integer_scores, item_range, item_score, possible_range, run_tests,
                      score, scored_items, scoring_problems, submit, to_json, to_raw, validate, visible_questions)
from .placement import show_if_placement

__all__ = ["show_if_placement", "ScoreResult", "adjusted_score", "answer_problem", "band_problems", "clean", "coerce", "coerce_answer",
           "format_number", "from_json", "integer_scores", "item_range", "item_score", "possible_range",
           "run_tests", "score", "scored_items", "scoring_problems", "submit", "to_json", "to_raw", "validate",
           "visible_questions", "alert_feedback", "alert_tests", "alerts_for", "held_by", "submission_feedback",
           "rule_holds", "suggesting_modules", "suggestion_tests", "computed_band", "computed_tests",
           "computed_values", "rounded", "show_value", "test_history", "exact_band_problems", "span", "span_sv", "uses_other_forms"]
