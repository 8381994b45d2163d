"""Hantera's module rows (Aktuella moduler, Moduler) as Python functions: the same HTML as the Jinja they replaced.

A moment shows about 14 modules, each with its invånarstatus form, steps, forms and one-button forms. In Jinja
each element of them cost an attribute lookup through the environment, an escape, a Markup and a generator
step through four nested templates, and each module four macro calls: the rows were half of the page's Python
calls. hantera.html calls `current_module(m, …)` and `other_module(m, …)` once per module instead.
tests/web/test_module_rows.py holds both to the Jinja they replaced, for many modules.
"""
from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from flask import g, url_for
from markupsafe import Markup

from engine.moment.rules import STATE_LABELS, STATUS_LABELS

from .jinja import escape  # markupsafe.escape in one Python call for text
from .macros import csrf, hidden_context, post_button

#: a step's progress in the manual's words
STEP_PROGRESS_LABELS = {"done": "Färdig", "started": "Påbörjad", "not_started": "Ej påbörjad"}
#: a step's progress as a mark beside it
_MARKS = {"done": "✓", "started": "◐"}
#: Jinja's `~` joins as Markup when a part is Markup (escaping the others), as plain text otherwise
_COMMA = Markup(", ")
#: the actions of a module row, by endpoint
_ENDPOINTS = ("patient_status", "upcoming_module", "complete_module", "days_left", "activate_module")


def _urls(enrollment_id: int) -> dict[str, str]:
    """The module actions' addresses for this moment, built once per request (the same for every module)."""
    found = g.get("module_row_urls")
    if found is None or found[0] != enrollment_id:
        found = (enrollment_id, {e: url_for(f"clinician.{e}", enrollment_id=enrollment_id) for e in _ENDPOINTS})
        g.module_row_urls = found
    return found[1]


def _days_form(action: str, m: Any, days: int | None, button: str, button_class: str, max_days: int) -> str:
    """Dagar kvar with an explicit "Ingen tidsgräns"; `days` None = no limit."""
    mid, context, _ = _names(m.id, m.title)
    return (f'<form method="post" action="{escape(action)}" class="inline-form days">\n'
            f'  {csrf()}<input type="hidden" name="module" value="{mid}">\n'
            f'  <label for="dagar-{mid}">Dagar kvar{context}</label>\n'
            f'  <input id="dagar-{mid}" name="days" type="number" min="0" max="{escape(max_days)}" inputmode="numeric"'
            f' value="{escape(days) if days is not None else ""}">\n'
            f'  <label class="check" for="ingen-grans-{mid}"><input id="ingen-grans-{mid}" type="checkbox"'
            f' name="no_limit" value="1"{" checked" if days is None else ""}> Ingen tidsgräns{context}</label>\n'
            f'  <button type="submit" class="{escape(button_class)}">{escape(button)}{context}</button>\n'
            f'</form>\n')


def _or_no_limit(days: int | None) -> Any:
    return days if days is not None else "Ingen tidsgräns"


@cache
def _options(status: str) -> str:
    """The invånarstatus choices with `status` selected (three strings, made once each)."""
    return "".join(f'<option value="{escape(code)}"{" selected" if code == status else ""}>{escape(label)}</option>'
                   for code, label in STATUS_LABELS.items())


@lru_cache(maxsize=4096, typed=True)  # a program version's texts: a few hundred, never changed
def _names(module_id: Any, title: Any) -> tuple[Markup, Markup, Markup]:
    """A module's id and title escaped, and its title as the out-of-sight context of its controls."""
    return escape(module_id), hidden_context(title), escape(title)


@lru_cache(maxsize=4096, typed=True)  # a program version's steps in their three states
def _step_item(number: Any, title: Any, progress: str) -> str:
    return (f'          <li class="progress-{escape(progress)}"><span class="step-mark" aria-hidden="true">'
            f'{_MARKS.get(progress, "○")}</span> {escape(number)} {escape(title)} <span class="progress-text">'
            f'({escape(STEP_PROGRESS_LABELS[progress].lower())})</span></li>\n')


def _form(f: Any, m: Any, enrollment_id: int) -> str:
    if f.latest:
        url = url_for("clinician.answers", enrollment_id=enrollment_id, response_id=f.latest.id)
        state = (f' – <a href="{escape(url)}">Visa svar{hidden_context(escape(f.title) + _COMMA + escape(m.title))}</a>'
                 + (' <span class="badge badge-form">Oläst</span>' if f.unread else ""))
    else:
        state = ' <span class="muted">(inte inskickat)</span>'
    return f"          <li>{escape(f.title)}\n{state}          </li>\n"


def _module_body(m: Any, enrollment_id: int) -> str:
    """A module's invånarstatus, Sätt till kommande, steps and forms; every control names the module (WCAG 2.4.6)."""
    urls, (mid, context, _) = _urls(enrollment_id), _names(m.id, m.title)
    upcoming = "" if m.state == "upcoming" else "      {}\n".format(post_button(
        urls["upcoming_module"], "Sätt till kommande", "button small", {"module": m.id}, context=m.title))
    if m.forms:
        forms = ('        <ul class="forms">\n' + "".join(_form(f, m, enrollment_id) for f in m.forms)
                 + "        </ul>\n")
    else:
        forms = '<p class="muted">Inga formulär.</p>'
    return ('  <div class="module-body">\n    <div class="status-row">\n'
            f'      <form method="post" action="{escape(urls["patient_status"])}" class="inline-form">\n'
            f'        {csrf()}<input type="hidden" name="module" value="{mid}">\n'
            f'        <label for="status-{mid}">Invånarstatus{context}</label>\n'
            f'        <select id="status-{mid}" name="status">\n{_options(m.status)}        </select>\n'
            f'        <button type="submit" class="button small">Spara invånarstatus{context}</button>\n'
            f'      </form>\n{upcoming}    </div>\n    <div class="columns">\n      <div>\n        <h4>Avsnitt</h4>\n'
            '        <ul class="steps">\n' + "".join(_step_item(s.number, s.title, s.progress) for s in m.steps)
            + '        </ul>\n      </div>\n'
            f'      <div>\n        <h4>Synliga formulär i steg</h4>\n{forms}      </div>\n    </div>\n  </div>\n')


def _head(m: Any) -> str:
    mid, _, title = _names(m.id, m.title)
    return (f'    <li class="module" id="modul-{mid}">\n      <section aria-labelledby="rubrik-{mid}">\n'
            f'        <div class="module-head">\n          <h3 id="rubrik-{mid}">{title}</h3>\n')


def current_module(m: Any, enrollment_id: int, active: bool, max_days: int) -> Markup:
    """One of Aktuella moduler (`active`: the moment is active, its actions are shown), without its last newline."""
    urls = _urls(enrollment_id)
    if active:
        complete = post_button(urls["complete_module"], "Sätt till avklarad", "button", {"module": m.id},
                               context=m.title)
        days = _days_form(urls["days_left"], m, m.days_left, "Spara dagar", "button small", max_days)
        actions = f"            {complete}\n            {days}\n"
    else:
        actions = f'            <span>Dagar kvar: {escape(_or_no_limit(m.days_left))}</span>\n'
    expired = ('<p class="module-meta expired" role="status">Tiden har gått ut (0 dagar kvar).</p>'
               if m.state == "current" and m.days_left == 0 else "")
    details = ('<details class="module-details">\n'
               f'  <summary>Avsnitt och formulär{_names(m.id, m.title)[1]}</summary>\n'
               f'  {_module_body(m, enrollment_id)}\n</details>\n') if active else ""
    return Markup(f'{_head(m)}          <div class="module-actions">\n{actions}          </div>\n        </div>\n'
                  f'        {expired}\n'
                  f'        <p class="module-meta">Invånarstatus: {escape(STATUS_LABELS[m.status])}</p>\n'
                  f'{details}      </section>\n    </li>')


def other_module(m: Any, enrollment_id: int, active: bool, max_days: int) -> Markup:
    """One of Moduler (not current; folded, with Sätt till aktuell when `active`), without its last newline."""
    fold = ""
    if active:
        fold = ('        <details class="module-fold">\n'
                f'          <summary>Sätt till aktuell, avsnitt och formulär{_names(m.id, m.title)[1]}</summary>\n'
                '          <div class="module-actions">\n            '
                + _days_form(_urls(enrollment_id)["activate_module"], m, m.days, "Sätt till aktuell", "button",
                             max_days)
                + f'\n          </div>\n          {_module_body(m, enrollment_id)}\n        </details>\n')
    kind = "Individuell" if m.kind == "individual" else "Obligatorisk"
    return Markup(f'{_head(m)}          <span class="state state-{escape(m.state)}">{escape(STATE_LABELS[m.state])}'
                  f'</span>\n        </div>\n'
                  f'        <p class="module-meta">{kind} · Invånarstatus: {escape(STATUS_LABELS[m.status])}</p>\n'
                  f'{fold}      </section>\n    </li>')
