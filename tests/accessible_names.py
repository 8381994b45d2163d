"""Accessible names of buttons in server-rendered HTML, as a browser computes them for these simple cases.

The name is aria-label when present, else the text inside the element (visually hidden text included,
aria-hidden text left out); <input type=submit|button> is named by its value."""
from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Buttons(HTMLParser):
    def __init__(self, tags: tuple[str, ...]):
        super().__init__(convert_charrefs=True)
        self.tags, self.names = tags, []
        self._open: list[dict] = []  # the buttons being read (a stack: tags nest)
        self._stack: list[tuple[str, bool]] = []  # (tag, aria-hidden) of open elements

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.names.append((tag, attrs.get("aria-label") or attrs.get("value") or ""))
            return
        if tag in VOID:
            return
        hidden = attrs.get("aria-hidden") == "true" or bool(self._stack and self._stack[-1][1])
        self._stack.append((tag, hidden))
        if tag in self.tags:
            self._open.append({"tag": tag, "label": attrs.get("aria-label"), "text": [], "depth": len(self._stack)})

    def handle_endtag(self, tag):
        if tag in VOID or not self._stack:
            return
        if self._open and self._open[-1]["depth"] == len(self._stack) and self._open[-1]["tag"] == tag:
            b = self._open.pop()
            self.names.append((tag, b["label"] or " ".join("".join(b["text"]).split())))
        self._stack.pop()

    def handle_data(self, data):
        if self._open and not (self._stack and self._stack[-1][1]):
            for b in self._open:
                b["text"].append(data)


def button_names(html: str, tags: tuple[str, ...] = ("button", "summary")) -> list[tuple[str, str]]:
    """(tag, accessible name) of every button-like element, in document order of their ends."""
    parser = _Buttons(tags)
    parser.feed(html)
    return parser.names
