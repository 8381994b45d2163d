"""The smallest, most called widgets of macros.html as Python functions (same HTML).

A Jinja macro call costs far more than a Python call from a template (argument binding, a new frame of
the template runtime, its output joined as Markup). Hantera renders about 40 one-button forms, each with a
CSRF field and most with an out-of-sight context, so macros.html exports these by name
(`{% set csrf = py_csrf %}` …; `tabs`, on every staff and patient page, likewise): every template importing them from macros.html gets these functions,
unchanged. tests/web/test_ui_macros.py holds each to the Jinja macro it replaced, for many arguments.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from flask import g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .jinja import escape  # markupsafe.escape in one Python call for text


def csrf_token() -> str:
    """The request's CSRF token, as Flask-WTF's `generate_csrf` gives it: read from `g` once made (every form of
    a page carries the same token; Flask-WTF reads its configuration twice per call, and Hantera has ~40 forms)."""
    return g.get("csrf_token") or generate_csrf()


def hidden_context(context: Any = None) -> Markup:
    """": <context>" out of sight, ending an accessible name ("Sätt till aktuell: Steg 2"); nothing if empty."""
    return Markup(f'<span class="visually-hidden">: {escape(context)}</span>') if context else Markup()


def csrf() -> Markup:
    """The hidden CSRF field of a form."""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(csrf_token())}">')


def post_button(action: Any, label: Any, cls: Any = "button", hidden: Mapping[str, Any] | None = None,
                aria_label: Any = None, context: Any = None) -> Markup:
    """A one-button POST form (Sätt till avklarad, Hantera …) with its hidden fields."""
    fields = "".join(f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                     for name, value in (hidden or {}).items())
    aria = f' aria-label="{escape(aria_label)}"' if aria_label else ""
    return Markup(f'<form method="post" action="{escape(action)}" class="inline">\n  {csrf()}\n{fields}'
                  f'  <button type="submit" class="{escape(cls)}"{aria}>{escape(label)}{hidden_context(context)}'
                  f'</button>\n</form>\n')


def tabs(items: Iterable[tuple[Any, Any, Any]], current: Any, label: Any, counts: Mapping[Any, Any] | None = None
         ) -> Markup:
    """Tabs as a navigation list of (key, title, address); the current one marked for screen readers, a count
    beside the tabs that have one."""
    counts = counts or {}
    rows = []
    for key, title, href in items:
        mark = ' aria-current="page" class="current"' if key == current else ""
        count = f' <span class="tab-count">{escape(counts[key])}</span>' if key in counts else ""
        rows.append(f'    <li><a href="{escape(href)}"{mark}>{escape(title)}{count}</a></li>\n')
    return Markup(f'<nav class="tabs" aria-label="{escape(label)}">\n  <ul>\n{"".join(rows)}  </ul>\n</nav>\n')
