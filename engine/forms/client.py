"""What the browser needs to apply a form's show_if at once: each question's type, options with their
scores and its condition as a tree (engine.expr.tree_json). The server still decides on submit."""
from __future__ import annotations

from typing import Any

from ..expr import parse
from ..expr.tree_json import to_json
from ..model import Form, Question
from .answers import MAX_ANSWER_CHARS


def question_rules(question: Question) -> dict[str, Any]:
    """One question for show_if.js: id, type, [option id, score] pairs and the show_if tree (or None)."""
    return {
        "id": question.id, "type": question.type,
        "options": [[o.id, float(o.score or 0)] for o in question.options],
        "show_if": to_json(parse(question.show_if)) if question.show_if else None,
    }


def client_rules(form: Form) -> dict[str, Any] | None:
    """The form's questions in order for show_if.js; None when no question has a show_if."""
    if not any(q.show_if for q in form.questions):
        return None
    return {"max_chars": MAX_ANSWER_CHARS, "questions": [question_rules(q) for q in form.questions]}
