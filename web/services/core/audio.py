"""Audio for the patient's pages: find the cached file of a page, and render an edited welcome text later.

A page request only looks files up (web.content.audio.cached_audio): nothing is synthesized on the request
path. Audio URLs carry the cache key, so a changed text gets a new URL and a file can be cached
for a year; the key is always computed on the server from the text the requester may read, so
nobody can fetch another patient's audio by guessing or copying a key.
"""
from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from flask import Flask, current_app

from engine.model import Program, Step
from engine.authoring.speech import speech_text
from ...content.text import render_user_markdown

from ...content.audio import DEFAULT_VOICE, AudioCache, AudioError, RenderedAudio, cached_audio, make_backend, render_text
from ...models import Enrollment
from .rows import program_for

log = logging.getLogger(__name__)
EXECUTOR_KEY = "stegvis.audio_executor"


def audio_folder(app: Flask | None = None) -> Path:
    """The audio cache folder: AUDIO_DIR, else <DATA_DIR>/audio (where `stegvis audio build` writes)."""
    config = (app or current_app).config
    return Path(config.get("AUDIO_DIR") or Path(config["DATA_DIR"]) / "audio")


def audio_cache() -> AudioCache:
    """The app's audio cache."""
    return AudioCache(audio_folder())


def voice_of(program: Program) -> str:
    """The voice a program is read in (its language)."""
    return program.language or DEFAULT_VOICE


def step_audio(program: Program, step: Step, voice: str | None = None) -> Path | None:
    """The cached audio of a step page in `voice` (default: the program's language), or None (also for
    steps with `audio: false`)."""
    if not step.audio:
        return None
    return cached_audio(audio_cache(), step.title, step.text, voice or voice_of(program))


def welcome_markdown(enrollment: Enrollment, program: Program) -> str:
    """The welcome text of a moment: its own if the clinician edited it, else the program's.

    A clinician's text is passed on already rendered by the linear-time parser (web.content.text): HTML
    blocks go through the speech parser untouched, so it reads the same sentences without running
    Python-Markdown (quadratic on unbalanced brackets) over staff input.
    """
    if enrollment.welcome_text:
        return str(render_user_markdown(enrollment.welcome_text))
    return program.welcome_text


def program_welcome_audio(program: Program) -> Path | None:
    """The cached audio of a program's default welcome text (built by `stegvis audio build`)."""
    return cached_audio(audio_cache(), "", program.welcome_text, voice_of(program))


def welcome_audio(enrollment: Enrollment, shown: Program | None = None) -> Path | None:
    """The cached audio of the welcome text this moment's patient reads, or None; `shown` is the program
    in the patient's language (a welcome text the clinician edited stays in the program's language)."""
    program = shown if shown is not None and not enrollment.welcome_text else program_for(enrollment)
    return cached_audio(audio_cache(), "", welcome_markdown(enrollment, program), voice_of(program))


def backend_name(app: Flask | None = None) -> str:
    """AUDIO_BACKEND, default `auto` (gTTS, falling back to espeak-ng); tests default to offline espeak."""
    config = (app or current_app).config
    return config.get("AUDIO_BACKEND") or ("espeak" if config.get("TESTING") else "auto")


def _executor(app: Flask) -> ThreadPoolExecutor:
    # One worker: rendering is CPU- or network-bound and rare; a queue keeps the server responsive.
    executor = app.extensions.get(EXECUTOR_KEY)
    if executor is None:
        executor = app.extensions[EXECUTOR_KEY] = ThreadPoolExecutor(1, thread_name_prefix="stegvis-audio")
    return executor


def render_welcome_audio_later(enrollment: Enrollment) -> Future | None:
    """Queue speech synthesis of the moment's welcome text in a background thread; None if nothing to do.

    Called after the clinician saves an edited welcome text, never while serving a page. The job
    gets plain values (text, folder, backend), not database rows, so it outlives the request.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug's LocalProxy
    program = program_for(enrollment)
    markdown, voice = welcome_markdown(enrollment, program), voice_of(program)
    if not speech_text("", markdown) or cached_audio(audio_cache(), "", markdown, voice) is not None:
        return None
    return _executor(app).submit(_render_job, markdown, str(audio_folder(app)), backend_name(app), voice)


def _render_job(markdown: str, folder: str, backend: str, voice: str) -> RenderedAudio | None:
    try:
        return render_text(markdown, AudioCache(folder), make_backend(backend), voice)
    except AudioError as exc:  # logged, not raised: the page simply has no player until the next build
        log.warning("welcome text audio failed: %s", exc)
        return None
