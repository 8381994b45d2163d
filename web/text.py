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


@lru_cache(maxsize=4096)
def _rendered(text: str) -> Markup:
    # keyed by the text itself: a program's step texts change only with its digest, so each is
    # rendered once per process; Markup is immutable, so sharing it between requests is safe
    html = markdown.markdown(text, extensions=["sane_lists"])
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer"))


#: Markdown typed by staff (welcome texts): CommonMark in linear time, raw HTML shown as text
USER_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_user_markdown(text: str | None) -> Markup:
    """Staff-entered Markdown → sanitised HTML, in time linear in the text (Python-Markdown is quadratic
    on unbalanced brackets); a raw `<style>` or `<script>` is shown as text instead of swallowing the rest."""
    html = USER_MARKDOWN.render(text or "")
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer"))


def render_plain(text: str | None) -> Markup:
    """User-written plain text → HTML paragraphs with line breaks, everything escaped."""
    escaped = Markup.escape(text or "")
    paragraphs = [p.replace("\n", Markup("<br>")) for p in escaped.split("\n\n") if p.strip()]
    return Markup("").join(Markup("<p>") + p + Markup("</p>") for p in paragraphs)
