"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask import Flask, g

from engine.moment.rules import STATE_LABELS, STATUS_LABELS
from engine.text import plural

from .. import clock
from . import macros, module_rows, overview_rows, widgets
from .jinja import Template
from .macros import csrf_token
from .decorators import current_membership
from ..models import ROLES
from ..content.programs import get_program
from ..content.text import render_markdown, render_plain, render_user_markdown

#: invånarstatus and module states in the manual's words (the engine owns them)
PATIENT_STATUS_LABELS = STATUS_LABELS
MODULE_STATE_LABELS = STATE_LABELS
STEP_PROGRESS_LABELS = module_rows.STEP_PROGRESS_LABELS
MOMENT_STATUS_LABELS = {"active": "Pågående", "maintenance": "Vidmakthåll", "ended": "Avslutat"}


def program_title(program_id: str) -> str:
    """A program's title (its id when it is no longer installed)."""
    program = get_program(program_id)
    return program.title if program else program_id


def init_app(app: Flask) -> None:
    """Register filters and globals; form fields render through the faster `widgets.html_params`."""
    widgets.install()
    app.jinja_env.template_class = Template  # before any template is loaded (web/ui/jinja.py)
    app.jinja_env.globals.update(csrf_token=csrf_token, py_csrf=macros.csrf, py_post_button=macros.post_button,
                                 py_hidden_context=macros.hidden_context, py_tabs=macros.tabs,
                                 overview_rows=overview_rows.overview_rows, worklist_rows=overview_rows.worklist_rows)
    app.jinja_env.filters.update(
        datetime=clock.format_datetime,
        date=clock.format_date,
        markdown=render_markdown,
        user_markdown=render_user_markdown,
        plain=render_plain,
        plural=plural,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def globals_():
        return {
            "ROLES": ROLES,
            "PATIENT_STATUS_LABELS": PATIENT_STATUS_LABELS,
            "MODULE_STATE_LABELS": MODULE_STATE_LABELS,
            "STEP_PROGRESS_LABELS": STEP_PROGRESS_LABELS,
            "MOMENT_STATUS_LABELS": MOMENT_STATUS_LABELS,
            "membership": g.get("membership") or current_membership(),
            "program_title": program_title,
        }
