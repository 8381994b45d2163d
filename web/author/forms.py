"""The author preview's query string as a WTForms class (see web/ui/forms.py).

Answers typed into a previewed form are the exception: their questions come from the program YAML, so
the posted mapping goes as it is to services/author.py, where engine.forms checks it.
"""
from __future__ import annotations

from ..ui.forms import QueryForm, Text, WholeNumber


class DayQuery(QueryForm):
    """"dag N" of a simulated moment and its course (typiskt / ingen)."""

    dag = WholeNumber()
    forlopp = Text()
