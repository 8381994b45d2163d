"""The overview's table rows (Mina / Alla / Avslutade) as one Python template global.

Each of a page's 25 rows cost about 40 Python calls in Jinja (attribute lookups, escapes, filters, an
address); this renders the same HTML, character for character, with far fewer (the addresses through the
app's remembered url_for). tests/web/test_overview_rows.py holds it to the template loop it replaced
(tests/data/templates/overview_rows_reference.html) for rows of every kind, with one program and several.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from flask import url_for
from markupsafe import Markup

from engine.text import plural

from ..clock import format_date
from ..ui.jinja import escape
from .blueprint import bp


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


@bp.app_template_global("overview_rows")
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
