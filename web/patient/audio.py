"""Serving "Lyssna på sidan" audio: MP3 with HTTP Range (seeking on iOS), cacheable because URLs carry the key.

The key in a URL is only accepted when it equals the key computed from a text the requester may
read, so a key copied from another patient's page (an edited welcome text) gets a 404.
"""
from __future__ import annotations


from flask import abort, url_for

from ..services.core import audio as patient_audio
from ..services.patient.program import MomentView
from ..services.types import Module, Step
from ..ui.helpers import send_audio
from .blueprint import bp, moment_required


def step_audio_url(view: MomentView, module: Module, step: Step) -> str | None:
    """The URL of a step's cached audio for this moment, or None when none is built."""
    path = patient_audio.step_audio(view.program, step, view.step_language(module.id, step.id))
    if path is None:
        return None
    return url_for("patient.step_audio", enrollment_id=view.enrollment.id, module_id=module.id, step_id=step.id,
                   key=path.stem)


def welcome_audio_url(view: MomentView) -> str | None:
    """The URL of the cached audio of the welcome text this patient reads, or None."""
    path = patient_audio.welcome_audio(view.enrollment, view.program)
    if path is None:
        return None
    return url_for("patient.welcome_audio", enrollment_id=view.enrollment.id, key=path.stem)


@bp.route("/stod-och-behandling/<int:enrollment_id>/ljud/valkomsttext/<key>.mp3")
@moment_required(ended_page=False)
def welcome_audio(view: MomentView, key: str):
    """The audio of this moment's welcome text (the clinician's edited text, or the program's)."""
    return send_audio(patient_audio.welcome_audio(view.enrollment, view.program), key)


@bp.route("/stod-och-behandling/<int:enrollment_id>/ljud/<module_id>/<step_id>/<key>.mp3")
@moment_required(ended_page=False)
def step_audio(view: MomentView, module_id: str, step_id: str, key: str):
    """The audio of a step the patient may see."""
    mv = view.module_view(module_id)
    sv = mv.step_view(step_id) if mv else None
    if sv is None:
        abort(404)
    return send_audio(patient_audio.step_audio(view.program, sv.step, view.step_language(module_id, step_id)), key)
