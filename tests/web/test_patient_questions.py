"""web/patient/questions.py renders every question of every program as the Jinja macro it replaced (kept in
tests/data/templates/ as it was in patient/_forms.html): in each language, with and without answers, errors, help and hidden questions,
texts in the page's language or not."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from web.i18n import text_direction

#: patient/_forms.html's `question` macro (with the two it called) before web/patient/questions.py, verbatim
REFERENCE = (Path(__file__).parents[1] / "data" / "templates" / "patient_question_macro.html").read_text()

ERROR = "Frågan måste besvaras."


class _View:
    """A MomentView's text_language: every third text falls back to Swedish (lang/dir marks)."""

    def __init__(self, language: str):
        self.language = language

    def text_language(self, key: str) -> str:
        return "sv" if sum(map(ord, key)) % 3 == 0 else self.language


def _answers(q) -> list:
    """Shown values for a question: none, a likely one, and one that matches nothing."""
    if q.type == "multiple_choice":
        return [[], [o.id for o in q.options[:2]], ["saknas"]]
    if q.type == "single_choice":
        return [None, q.options[-1].id if q.options else "x", "saknas"]
    if q.type == "scale":
        return [None, str(int(q.min or 0)), "99"]
    if q.type == "yes_no":
        return [None, "ja", "no", "kanske"]
    return [None, "", 'a <b> & "c"', "12,5", "2026-12-07", "07:30"]


def _cases(program):
    for form in program.forms.values():
        for q in form.questions:
            for raw in _answers(q):
                for error in (None, ERROR):
                    for visible in (True, False):
                        fv = SimpleNamespace(form=form, raw={q.id: raw}, errors={q.id: error} if error else {},
                                             visible={q.id} if visible else set())
                        yield fv, q


@pytest.mark.parametrize("language", ["sv", "en", "ar"])
def test_every_question_renders_as_the_macro_did(app, programs, test_program, language):
    macro = app.jinja_env.from_string(REFERENCE + "{{ question(fv, q) }}")
    ours = app.jinja_env.from_string("{{ py_question(fv, q) }}")
    types, compared = set(), 0
    with app.test_request_context(), force_locale(language):
        for program in (*programs.values(), test_program):
            for fv, q in _cases(program):
                for view in (_View(language), None):
                    context = {"fv": fv, "q": q, "page_lang": language, "page_dir": text_direction(language),
                               "view": view}
                    # (the reference's own blank lines between its macros come first: not the macro's output)
                    expected = macro.render(context).lstrip("\n")
                    assert ours.render(context) == expected, (program.id, fv.form.id, q.id)
                    types.add(q.type)
                    compared += 1
    # every kind of question was compared
    assert types >= {"single_choice", "multiple_choice", "scale", "yes_no", "long_text", "number", "date", "time",
                     "short_text"}, types
    assert compared > 1000
