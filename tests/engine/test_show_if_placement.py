"""A question revealed by an answer stands right after that answer (issue 25): checked at load, located,
a warning that `--strict` makes fatal; questions it reveals may follow each other."""
from __future__ import annotations

from engine.loader import check_text
from moment_builders import MINI_CONTENT, mini_yaml

FORM = """  - id: f
    title: Formulär
    questions:
      - {id: rokt, type: yes_no, text: Har du rökt?, required: true}
      - {id: hur_ofta, type: short_text, text: Hur ofta?, show_if: rokt == true}
%s      - {id: produkter, type: short_text, text: Vad använder du?}
%s"""
NYTT = "      - {id: nytt, type: short_text, text: Nytt försök?, show_if: rokt == true}\n"


def _problems(source: str) -> list[str]:
    return [p.format() for p in check_text(source, "p.yaml", content_dir=MINI_CONTENT)[1]]


def test_a_revealed_question_after_an_unrelated_one_is_a_located_warning():
    problems = _problems(mini_yaml("f") + FORM % ("", NYTT))
    [warning] = [p for p in problems if "'nytt'" in p]
    assert warning.startswith("p.yaml:")
    assert (": warning: question 'nytt' is shown by an answer to 'rokt' but comes after 'produkter': place it "
            "right after 'rokt' (or after other questions shown by it), so it appears where the patient just "
            "answered") in warning
    line = int(warning.split(":")[1])
    assert "show_if: rokt == true" in (mini_yaml("f") + FORM % ("", NYTT)).splitlines()[line - 1]


def test_questions_revealed_by_the_same_answer_may_follow_each_other_right_after_it():
    assert not [p for p in _problems(mini_yaml("f") + FORM % (NYTT, "")) if "shown by an answer" in p]
