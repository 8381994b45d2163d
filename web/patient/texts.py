"""Program texts in the language they are shown in: `ptext` and `lang_attrs`, template globals of the patient pages.

A text that falls back to Swedish on an English or Arabic page is marked lang/dir (WCAG 3.1.2); any other is
isolated in <bdi> on right-to-left pages, so a number next to a title keeps its place (left-to-right pages need
neither). `within`: the language around the text when it is not the page's (an untranslated step's article).

They read `view` (a MomentView, when the page has one), `page_lang` and `page_dir` from the template's context.
Python rather than Jinja macros: a step page shows some fifty program texts, and a macro call costs about ten
times a function call (the output is the same, character for character).
"""
from __future__ import annotations

from typing import Any, Callable

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from ..i18n import text_direction
from ..ui.jinja import escape  # markupsafe.escape in one Python call for text

_NOTHING = Markup("")


def _lang_attrs(context: Context, key: str, within: str | None) -> Markup:
    around = within or context.get("page_lang")
    view = context.get("view")
    lang = view.text_language(key) if view else around
    if lang != around:
        return Markup(' lang="%s" dir="%s"') % (lang, text_direction(lang))
    return _NOTHING


@pass_context
def lang_attrs(context: Context, key: str, within: str | None = None) -> Markup:
    """` lang="…" dir="…"` when the text with this id is shown in another language than around it, else nothing."""
    return _lang_attrs(context, key, within)


@pass_context
def ptext(context: Context, key: str, value: Any = "", within: str | None = None,
          caller: Callable[[], str] | None = None) -> Markup:
    """A program text (`value`, or the body of a `{% call %}`) marked with its language where it differs."""
    text = caller() if caller is not None else escape(value)
    attrs = _lang_attrs(context, key, within)
    if attrs:
        return Markup("<span%s>%s</span>") % (attrs, text)
    if context.get("page_dir") == "rtl":
        return Markup("<bdi>%s</bdi>") % text
    return Markup(text)
