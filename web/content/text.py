"""Markdown and user text to safe HTML: every bit of HTML we show from authors or users passes nh3."""
from __future__ import annotations

from functools import lru_cache

import markdown
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a", "code",
    "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}


def render_markdown(text: str | None) -> Markup:
    """Markdown → sanitised HTML (scripts, styles and event handlers removed)."""
    return _rendered(text or "")


def render_document(text: str) -> Markup:
    """A Markdown document with tables (the statistics definitions) → sanitised HTML; its own `# title` dropped."""
    body = text.split("\n", 1)[1] if text.startswith("# ") else text
    html = markdown.markdown(body, extensions=["tables", "sane_lists"])
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer"))


@lru_cache(maxsize=4096)
def _rendered(text: str) -> Markup:
    # keyed by the text itself: a program's step texts change only with its digest, so each is
    # rendered once per process; Markup is immutable, so sharing it between requests is safe
    html = markdown.markdown(text, extensions=["sane_lists"])
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer"))


#: Markdown typed by staff (welcome texts): CommonMark, raw HTML shown as text
USER_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
#: the same without links and images, for texts with more brackets than any real welcome text has
USER_MARKDOWN_NO_LINKS = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
    ["link", "image", "reference"])
#: and without emphasis either, for texts that are mostly * and _
USER_MARKDOWN_PLAIN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
    ["link", "image", "reference", "emphasis"])
#: above this many "[" the link rules are switched off: each unmatched "[" makes markdown-it look ahead
#: for its "]", so thousands of them cost ~0.5 s for 20 000 characters (bench/bench_markdown.py)
MAX_LINK_BRACKETS = 200
#: likewise for emphasis delimiters (* and _): thousands of them cost ~0.3 s for 20 000 characters
MAX_EMPHASIS_MARKS = 1000


def render_user_markdown(text: str | None) -> Markup:
    """Staff-entered Markdown → sanitised HTML in bounded time whatever the input (Python-Markdown is
    quadratic on unbalanced brackets); a raw `<style>` or `<script>` is shown as text instead of swallowing
    the rest. A text with more than MAX_LINK_BRACKETS "[" is rendered without links, one with more than
    MAX_EMPHASIS_MARKS "*"/"_" without links and emphasis (the marks shown as typed).

    Worked out once per text and process: a welcome text is shown on every Hantera and patient home."""
    return _user_rendered(text or "")


@lru_cache(maxsize=512)  # welcome texts are at most limits.MAX_WELCOME_TEXT characters: a few MB at most
def _user_rendered(text: str) -> Markup:
    if text.count("*") + text.count("_") > MAX_EMPHASIS_MARKS:
        renderer = USER_MARKDOWN_PLAIN
    elif text.count("[") > MAX_LINK_BRACKETS:
        renderer = USER_MARKDOWN_NO_LINKS
    else:
        renderer = USER_MARKDOWN
    html = renderer.render(text)
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer"))


def render_plain(text: str | None) -> Markup:
    """User-written plain text → HTML paragraphs with line breaks, everything escaped."""
    escaped = Markup.escape(text or "")
    paragraphs = [p.replace("\n", Markup("<br>")) for p in escaped.split("\n\n") if p.strip()]
    return Markup("").join(Markup("<p>") + p + Markup("</p>") for p in paragraphs)
