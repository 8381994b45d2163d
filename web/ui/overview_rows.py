"""The overview's table rows (Mina / Alla / Avslutade, and Att göra's) as Python template globals
(`overview_rows`, `worklist_rows`: web.ui.templating).

Each of a page's 25 rows cost about 40 Python calls in Jinja (attribute lookups, escapes, filters, an
address); this renders the same HTML, character for character, with far fewer (the addresses through the
app's remembered url_for). tests/web/test_overview_rows.py holds them to the template loops they replaced
(tests/data/templates/*_rows_reference.html) for rows of every kind, with one program and several.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from flask import url_for
from markupsafe import Markup

from engine.text import plural

from ..clock import format_date, format_datetime
from ..services.clinician.worklist import age_text
from .jinja import escape


def _flags(row: Any) -> str:
    """The Flaggor cell's content."""
    if not row.has_events:
        return "Inga aktuella händelser"
    parts = ['        <ul class="flags">\n']
    if row.urgent_flags:
        parts.append('<li class="badge badge-urgent">Brådskande</li>')
    if row.open_flags:
        flags = escape(url_for("clinician.flags", enrollment_id=row.enrollment_id))
        count = escape(plural(row.open_flags, "flagga", "flaggor"))
        parts.append(f'<li><a class="badge badge-flag" href="{flags}">{count}'
                     f'<span class="visually-hidden">: {escape(row.name)}</span></a></li>')
    if row.unread_forms:
        parts.append(f'<li class="badge badge-form">{escape(row.unread_forms)} '
                     f'{"oläst formulär" if row.unread_forms == 1 else "olästa formulär"}</li>')
    if row.unread_messages:
        parts.append(f'<li class="badge badge-message">'
                     f'{escape(plural(row.unread_messages, "oläst meddelande", "olästa meddelanden"))}</li>')
    parts.append("        </ul>\n")
    return "".join(parts)


def overview_rows(rows: Iterable[Any], programs: Mapping[str, Any]) -> Markup:
    """The <tr> of each overview row: name (with the program when the unit has several), masked
    personnummer, start, last active, and the badges of its unhandled events."""
    several = len(programs) > 1
    out = []
    for row in rows:
        program = ""
        if several:
            found = programs.get(row.program_id)
            program = f"<br><small>{escape(found.title if found else row.program_id)}</small>"
        hantera = escape(url_for("clinician.hantera", enrollment_id=row.enrollment_id))
        last = format_date(row.last_active) if row.last_active else "Aldrig"
        out.append(f'    <tr>\n      <td><a href="{hantera}">{escape(row.name)}</a>{program}</td>\n'
                   f"      <td>{escape(row.masked_personnummer)}</td>\n"
                   f"      <td>{escape(format_date(row.started_at))}</td>\n"
                   f"      <td>{escape(last)}</td>\n"
                   f"      <td>\n{_flags(row)}      </td>\n    </tr>\n")
    return Markup("".join(out))


_URGENT = ' class="urgent"'


def worklist_rows(items: Iterable[Any], now: datetime) -> Markup:
    """Att göra's <tr> per unhandled event: what (urgent marked), whose, how long it has waited."""
    out = []
    for item in items:
        flags = escape(url_for("clinician.flags", enrollment_id=item.enrollment_id))
        hantera = escape(url_for("clinician.hantera", enrollment_id=item.enrollment_id))
        urgent = item.urgent
        raised = item.raised_at
        out.append(f"    <tr{_URGENT if urgent else ''}>\n"
                   f'      <td><a href="{flags}#flagga-{escape(item.flag_id)}">'
                   f'{"<strong>Brådskande:</strong> " if urgent else ""}{escape(item.label)}</a>'
                   f"<br><small>{escape(item.text)}</small></td>\n"
                   f'      <td><a href="{hantera}">{escape(item.patient_name)}</a></td>\n'
                   f'      <td><time datetime="{escape(raised.isoformat())}" title="{escape(format_datetime(raised))}">'
                   f"{escape(age_text(raised, now))}</time></td>\n    </tr>\n")
    return Markup("".join(out))
