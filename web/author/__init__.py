"""Förhandsvisning for authors: every program, module, step and form exactly as the patient sees it.

Staff with the Författare role (any staff member in the demo). Pages reuse the patient templates;
forms can be tried out (answers go through the engine, nothing is stored); "dag N" simulates a
moment; validation problems show as file:line:col; in development the pages reload when a
program's YAML or Markdown changes.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, abort, current_app, g, jsonify, make_response, render_template, request, url_for

from .. import clock
from ..ui.decorators import staff_required
from ..services import author as author_service
from ..services.core import audio as patient_audio
from ..services.author import ProgramPreview
from ..services.types import Form, Program
from ..ui.helpers import send_audio
from .forms import DayQuery

bp = Blueprint("author", __name__, url_prefix="/author")
AUTHOR_ROLE = "forfattare"


def author_required(view: Callable) -> Callable:
    """Staff with the Författare role in their current unit; in the demo every staff member."""

    @wraps(view)
    def check(*args, **kwargs):
        if not (current_app.config.get("DEMO") or AUTHOR_ROLE in g.membership.role_set):
            abort(403)
        return view(*args, **kwargs)

    return staff_required(check)


def _preview(key: str) -> ProgramPreview:
    preview = author_service.preview_program(key)
    if preview is None:
        abort(404)
    return preview


def _program(key: str) -> Program:
    preview = _preview(key)
    if preview.program is None:  # the program has errors: list them here, so a fix reloads this very page
        abort(make_response(render_template("author/program.html", preview=preview, program=None, day=None,
                                            welcome="", welcome_audio=None, max_day=author_service.MAX_DAY)))
    return preview.program


@bp.context_processor
def author_globals():
    """The reload script runs only where the preview rereads files (development); it compares the files'
    fingerprint with the one this page was rendered from, so an edit made while the page loads counts too."""
    live = author_service.reloads(current_app)
    return {"live_reload": live, "rendered_fingerprint": author_service.current_fingerprint() if live else None}


@bp.route("/")
@author_required
def index():
    """Every program file with its validation problems (file:line:col)."""
    return render_template("author/index.html", previews=list(author_service.previews().values()))


@bp.route("/andringar")
@author_required
def changes():
    """The current fingerprint of the program files (the reload script polls it in development)."""
    if not author_service.reloads(current_app):
        abort(404)
    return jsonify(fingerprint=author_service.current_fingerprint())


@bp.route("/<key>/")
@author_required
def program(key: str):
    """A program: problems, welcome text, every module with its steps and forms, and "dag N"."""
    preview = _preview(key)
    day = None
    query = DayQuery(request.args)
    if preview.program is not None and query.dag.raw_data and query.dag.raw_data[0].strip():
        number = query.dag.data or 0
        course = "ingen" if query.forlopp.data == "ingen" else "typiskt"
        day = author_service.day_preview(preview.program, number, clock.today(), course)
    welcome_audio = None
    if preview.program is not None and patient_audio.program_welcome_audio(preview.program):
        welcome_audio = url_for("author.welcome_audio", key=key,
                                audio_key=patient_audio.program_welcome_audio(preview.program).stem)
    return render_template("author/program.html", preview=preview, program=preview.program, day=day,
                           welcome=preview.program.welcome_text if preview.program else "",
                           welcome_audio=welcome_audio, max_day=author_service.MAX_DAY)


@bp.route("/<key>/modul/<module_id>/")
@author_required
def module(key: str, module_id: str):
    """A module page as the patient sees it."""
    program = _program(key)
    mv = author_service.module_view(program, module_id)
    if mv is None:
        abort(404)
    return render_template("author/module.html", program=program, mv=mv, step_url=lambda s: url_for(
        "author.step", key=key, module_id=module_id, step_id=s.id))


def _render_step(program: Program, module_id: str, step_id: str, tried: str | None = None, status: int = 200):
    mv = author_service.module_view(program, module_id)
    sv = mv.step_view(step_id) if mv else None
    if sv is None:
        abort(404)
    form_views = []
    for form_id in sv.step.forms:
        form = program.form(form_id)
        if form is not None:
            raw = request.form if form_id == tried else None
            form_views.append(author_service.try_form(form, raw, clock.now()))
    audio = patient_audio.step_audio(program, sv.step)
    return render_template(
        "author/step.html", program=program, mv=mv, sv=sv, form_views=form_views, preview=True,
        effects=author_service.alert_effects(program, form_views),
        audio_url=url_for("author.step_audio", key=program.id, module_id=module_id, step_id=step_id,
                          audio_key=audio.stem) if audio else None,
        form_action=lambda f: url_for("author.step_form", key=program.id, module_id=module_id, step_id=step_id,
                                      form_id=f.id, _anchor=f"formular-{f.id}"),
        visible_url=lambda f: url_for("author.visible", key=program.id, form_id=f.id),
    ), status


@bp.route("/<key>/modul/<module_id>/<step_id>")
@author_required
def step(key: str, module_id: str, step_id: str):
    """A step page as the patient sees it: player, text, forms."""
    return _render_step(_program(key), module_id, step_id)


@bp.route("/<key>/modul/<module_id>/<step_id>/formular/<form_id>", methods=["POST"])
@author_required
def step_form(key: str, module_id: str, step_id: str, form_id: str):
    """Try a form of a step: errors beside the questions, or the feedback a patient would get."""
    program = _program(key)
    step_obj = program.step(module_id, step_id)
    if step_obj is None or form_id not in step_obj.forms:
        abort(404)
    return _render_step(program, module_id, step_id, tried=form_id)


def _form(program: Program, form_id: str) -> Form:
    form = program.form(form_id)
    if form is None:
        abort(404)
    return form


@bp.route("/<key>/formular/<form_id>", methods=["GET", "POST"])
@author_required
def form(key: str, form_id: str):
    """One form on its own, to read and try."""
    program = _program(key)
    form_obj = _form(program, form_id)
    fv = author_service.try_form(form_obj, request.form if request.method == "POST" else None, clock.now())
    return render_template(
        "author/form.html", program=program, fv=fv, effects=author_service.alert_effects(program, [fv]),
        form_action=lambda f: url_for("author.form", key=key, form_id=f.id),
        visible_url=lambda f: url_for("author.visible", key=key, form_id=f.id),
    )


@bp.route("/<key>/formular/<form_id>/synliga", methods=["POST"])
@author_required
def visible(key: str, form_id: str):
    """Which questions show for the answers so far (live show_if in the preview)."""
    from ..services.patient.forms import visible_ids

    return jsonify(visible=sorted(visible_ids(_form(_program(key), form_id), request.form)))


@bp.route("/<key>/ljud/valkomsttext/<audio_key>.mp3")
@author_required
def welcome_audio(key: str, audio_key: str):
    """The program's default welcome text audio."""
    return send_audio(patient_audio.program_welcome_audio(_program(key)), audio_key)


@bp.route("/<key>/ljud/<module_id>/<step_id>/<audio_key>.mp3")
@author_required
def step_audio(key: str, module_id: str, step_id: str, audio_key: str):
    """A step's audio in the preview."""
    program = _program(key)
    step_obj = program.step(module_id, step_id)
    if step_obj is None:
        abort(404)
    return send_audio(patient_audio.step_audio(program, step_obj), audio_key)
