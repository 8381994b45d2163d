"""HTML assertions that do not depend on attribute order or quoting: elements found by tag and attributes."""
from __future__ import annotations

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str, tag: str, **attrs) -> list[dict[str, str | None]]:
    """The attributes of every `tag` element matching `attrs`.

    Names: `class_` → class, `aria_required` → aria-required. A value True means "present" (boolean
    attributes such as checked, hidden), False means "absent"; any other value must equal the attribute's.
    """
    collector = _Collector()
    collector.feed(html)
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
    out = []
    for found_tag, found in collector.elements:
        if found_tag != tag:
            continue
        if all((name in found) if value is True else (name not in found) if value is False
               else found.get(name) == str(value) for name, value in wanted.items()):
            out.append(found)
    return out


def has_element(html: str, tag: str, **attrs) -> bool:
    """Whether the page has a `tag` element with these attributes (see `elements`)."""
    return bool(elements(html, tag, **attrs))
