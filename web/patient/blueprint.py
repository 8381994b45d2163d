"""The patient blueprint and its access decorators, apart from the routes so they never import their package."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import clock
from ..auth.core.sessions import idle_limit, seconds_left
from ..services.patient import program as patient_service
from ..services.patient import forms as patient_forms
from ..services.errors import AccessDenied
from .questions import question
from .texts import lang_attrs, ptext

bp = Blueprint("patient", "web.patient")
bp.add_app_template_global(ptext)
bp.add_app_template_global(lang_attrs)
bp.add_app_template_global(question, "py_question")  # patient/_forms.html's questions (web/patient/questions.py)


def patient_required(view: Callable) -> Callable:
    """A logged-in patient (sets g.patient); anonymous users go to the patient login, staff get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("patient.login", next=request.full_path))
        if getattr(current_user, "kind", None) != "patient":
            abort(403)
        g.patient = current_user._get_current_object()
        g.language = g.patient.language  # read now: later commits expire the row (web.i18n.page_language)
        return view(*args, **kwargs)

    return wrapped


def moment_required(ended_page: bool = True) -> Callable[[Callable], Callable]:
    """The patient's own moment from the URL's `enrollment_id` as `view` (404 for anyone else's).

    An ended moment shows only "Behandlingen är avslutad" (or 404 where a page makes no sense).
    """

    def decorator(view_fn: Callable) -> Callable:
        @wraps(view_fn)
        def wrapped(enrollment_id: int, **kwargs):
            try:
                enrollment = patient_service.moment_of(g.patient, enrollment_id, to_write=request.method == "POST")
            except AccessDenied:
                abort(404)
            view = patient_service.moment_view(enrollment, clock.now(), g.language)
            if view.ended:
                if not ended_page:
                    abort(404)
                return render_template("patient/ended.html", view=view)
            g.moment = view
            return view_fn(view=view, **kwargs)

        return patient_required(wrapped)

    return decorator


@bp.app_template_filter("number_sv")
def number_sv(value) -> str:
    """A number as a Swedish reader writes it (12,5; 3 not 3.0)."""
    return patient_forms.number_text(value)


@bp.app_template_global("answer_lines")
def answer_lines(response):
    """(question text, answer) pairs of a submission, for templates."""
    return patient_forms.answer_lines(response)


@bp.app_context_processor
def patient_globals():
    """Patient-only template values: the unread count on the Meddelanden tab."""
    moment = g.get("moment")
    if moment is None or getattr(current_user, "kind", None) != "patient":
        return {}
    return {"unread_messages": patient_service.unread_messages(moment.enrollment)}


@bp.app_context_processor
def idle_warning():
    """The idle warning's timer: seconds left of this session and the whole idle limit (patients only)."""
    if getattr(current_user, "kind", None) != "patient" or not current_user.is_authenticated:
        return {}
    return {"idle_seconds_left": seconds_left(current_app, session),
            "idle_limit_seconds": int(idle_limit(current_app, "patient:").total_seconds())}
