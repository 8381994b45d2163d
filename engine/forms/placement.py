"""Where a conditional question stands: right after the answer that reveals it (checked at load)."""
from __future__ import annotations

from ..expr import names
from ..model import Form

__all__ = ["show_if_placement"]


def show_if_placement(form: Form) -> list[tuple[int, str]]:
    """(index, message) of each show_if question that is not placed right after what it depends on.

    A question revealed by an answer appears where the patient just answered (the browser reveals it in
    place, issue 25): between the last question its show_if names and itself there may only be other
    conditional questions."""
    ids = [q.id for q in form.questions]
    found: list[tuple[int, str]] = []
    for i, question in enumerate(form.questions):
        if question.show_if is None:
            continue
        named = [ids.index(n) for n in names(question.show_if) if n in ids[:i]]
        if not named:
            continue
        trigger = max(named)
        between = [q.id for q in form.questions[trigger + 1:i] if q.show_if is None]
        if between:
            found.append((i, f"question '{question.id}' is shown by an answer to '{ids[trigger]}' but comes after "
                             f"{', '.join(repr(b) for b in between)}: place it right after '{ids[trigger]}' (or "
                             "after other questions shown by it), so it appears where the patient just answered"))
    return found
