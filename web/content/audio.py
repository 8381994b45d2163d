"""Text-to-speech audio, built ahead of time and cached by content hash.

Nothing here runs on a page request: `stegvis audio build` (and a background job for an edited
welcome text) calls `build_program_audio` / `render_text`; pages only ask `cached_audio` for a file
that already exists.

A cached file is named `<cache_key(speech text, voice, backend)>.mp3`, where `backend` is the
backend that actually produced the audio ("gtts" or "espeak"), never "auto". A backend lists the
producers whose files it accepts (`Backend.accepts`, best first), so `auto` finds what an earlier
run made with either, and a later run synthesizes nothing when nothing changed.
"""
from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from engine.model import Program
from engine.authoring.speech import cache_key, speech_text
from engine.translate import translate

log = logging.getLogger(__name__)

DEFAULT_VOICE = "sv"
#: names accepted by `make_backend` and `stegvis audio build --backend`
BACKEND_NAMES = ("auto", "gtts", "espeak")
#: producers whose cached files a page may use, best first
PREFERENCE = ("gtts", "espeak")
_KEY_RE = re.compile(r"[0-9a-f]{64}")


class AudioError(Exception):
    """Audio could not be synthesized or stored (the message says which backend and why)."""


def check_mp3(data: bytes, source: str) -> bytes:
    """Return `data` if it looks like MP3 (ID3 tag or MPEG frame sync); raise AudioError otherwise."""
    if not data:
        raise AudioError(f"{source} returned no audio (0 bytes)")
    if not (data[:3] == b"ID3" or (len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)):
        raise AudioError(f"{source} returned {len(data)} bytes that are not MP3 audio")
    return data


# --- backends ---------------------------------------------------------------------------------


class Backend:
    """Turns speech text into MP3 bytes. Subclasses implement `synthesize`."""

    #: the producer name used in cache keys
    name: str = ""

    @property
    def accepts(self) -> tuple[str, ...]:
        """Producers whose cached audio this backend is satisfied with, best first."""
        return (self.name,)

    def synthesize(self, text: str, voice: str) -> bytes:
        """MP3 bytes of `text` read in `voice` (a language code such as "sv"); raises AudioError."""
        raise NotImplementedError

    def synthesize_as(self, text: str, voice: str) -> tuple[str, bytes]:
        """Like `synthesize`, also naming the backend that actually produced the audio."""
        return self.name, self.synthesize(text, voice)


class GTTSBackend(Backend):
    """Google Translate's voice through gTTS (online): always with a timeout, written to memory."""

    name = "gtts"

    def __init__(self, timeout: float = 10.0, tld: str = "com") -> None:
        self.timeout = timeout
        self.tld = tld

    def synthesize(self, text: str, voice: str) -> bytes:
        """MP3 from Google; any failure (network, HTTP status, odd response) becomes AudioError."""
        if not text.strip():
            raise AudioError("gtts: no text to speak")
        from gtts import gTTS  # imported here: the web app must start even without network libraries

        buffer = io.BytesIO()
        try:
            # Without a timeout gTTS waits forever on a network that swallows packets.
            gTTS(text, lang=voice, tld=self.tld, timeout=self.timeout).write_to_fp(buffer)
        except Exception as exc:  # gTTSError, requests errors, unsupported language …
            raise AudioError(f"gtts: {exc}") from exc
        return check_mp3(buffer.getvalue(), "gtts")


class EspeakBackend(Backend):
    """espeak-ng (offline) to WAV, then lame to a small mono MP3; temporary files are removed."""

    name = "espeak"

    def __init__(
        self,
        espeak: str = "espeak-ng",
        lame: str = "lame",
        bitrate: int = 32,
        speed: int | None = None,
        timeout: float = 300.0,
    ) -> None:
        self.espeak = espeak
        self.lame = lame
        self.bitrate = bitrate
        self.speed = speed
        self.timeout = timeout

    def _tool(self, program: str, package: str) -> str:
        found = shutil.which(program)
        if not found:
            raise AudioError(
                f"espeak: '{program}' was not found on PATH; install it (apt-get install {package})"
            )
        return found

    def _run(self, argv: list[str], stdin: bytes | None = None) -> None:
        try:
            done = subprocess.run(argv, input=stdin, capture_output=True, timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            raise AudioError(f"espeak: {Path(argv[0]).name} took longer than {self.timeout:g} s") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise AudioError(f"espeak: {Path(argv[0]).name} failed ({done.returncode}): {message}")

    def synthesize(self, text: str, voice: str) -> bytes:
        """MP3 of `text` in espeak-ng's `voice`, encoded by lame at `bitrate` kbit/s mono."""
        if not text.strip():
            raise AudioError("espeak: no text to speak")
        espeak = self._tool(self.espeak, "espeak-ng")
        lame = self._tool(self.lame, "lame")
        with tempfile.TemporaryDirectory(prefix="stegvis-tts-") as tmp:
            wav, mp3 = os.path.join(tmp, "speech.wav"), os.path.join(tmp, "speech.mp3")
            # -w writes a proper WAV header (--stdout's header has no length); text on stdin keeps
            # long pages off the command line and text starting with "-" from being an option.
            argv = [espeak, "-v", voice, "-w", wav]
            if self.speed:
                argv += ["-s", str(self.speed)]
            self._run(argv, stdin=text.encode("utf-8"))
            self._run([lame, "--quiet", "-b", str(self.bitrate), "-m", "m", wav, mp3])
            data = Path(mp3).read_bytes()
        return check_mp3(data, "espeak")


class AutoBackend(Backend):
    """gTTS first, espeak-ng when gTTS fails; stops asking gTTS after repeated failures in one run."""

    name = "auto"

    def __init__(
        self, primary: Backend | None = None, fallback: Backend | None = None, max_failures: int = 2
    ) -> None:
        self.primary = primary or GTTSBackend()
        self.fallback = fallback or EspeakBackend()
        self.max_failures = max_failures
        #: consecutive primary failures; when it reaches max_failures the primary is skipped
        self.failures = 0

    @property
    def accepts(self) -> tuple[str, ...]:
        """Audio from the primary or the fallback, primary first."""
        return tuple(dict.fromkeys(self.primary.accepts + self.fallback.accepts))

    def synthesize(self, text: str, voice: str) -> bytes:
        """MP3 from the primary backend, or from the fallback if the primary fails."""
        return self.synthesize_as(text, voice)[1]

    def synthesize_as(self, text: str, voice: str) -> tuple[str, bytes]:
        """MP3 and the name of the backend (primary or fallback) that made it."""
        # An offline machine would otherwise wait for a timeout on every page of the program.
        if self.failures < self.max_failures:
            try:
                result = self.primary.synthesize_as(text, voice)
            except AudioError as exc:
                self.failures += 1
                log.warning("%s; falling back to %s", exc, self.fallback.name)
            else:
                self.failures = 0
                return result
        return self.fallback.synthesize_as(text, voice)


def make_backend(name: str, timeout: float = 10.0) -> Backend:
    """The backend called `name` (auto, gtts or espeak); `timeout` applies to gTTS requests."""
    if name == "gtts":
        return GTTSBackend(timeout=timeout)
    if name == "espeak":
        return EspeakBackend()
    if name == "auto":
        return AutoBackend(GTTSBackend(timeout=timeout), EspeakBackend())
    raise AudioError(f"unknown audio backend '{name}'; expected one of {', '.join(BACKEND_NAMES)}")


# --- cache ------------------------------------------------------------------------------------


class AudioCache:
    """A folder of `<sha256>.mp3` files; a file is either complete or absent (atomic replace)."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        """Where the audio for `key` lives (whether or not it exists); rejects anything but a hash."""
        if not _KEY_RE.fullmatch(key or ""):
            raise AudioError(f"not an audio key: {key!r}")
        return self.folder / f"{key}.mp3"

    def get(self, key: str) -> Path | None:
        """The cached file for `key`, or None."""
        path = self.path(key)
        return path if path.is_file() and path.stat().st_size > 0 else None

    def find(self, text: str, voice: str, backends: tuple[str, ...] = PREFERENCE) -> Path | None:
        """Cached audio of this speech text from the first of `backends` that has it, or None."""
        for backend in backends:
            found = self.get(cache_key(text, voice, backend))
            if found:
                return found
        return None

    def store(self, key: str, data: bytes) -> Path:
        """Write `data` as the audio for `key` atomically (temp file, fsync, os.replace)."""
        path = self.path(key)
        check_mp3(data, "audio cache")
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


# --- rendering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioItem:
    """One text of a program to read aloud: a step page or the welcome text."""

    #: "module-id/step-id", or "welcome" for the program's welcome text
    label: str
    title: str
    markdown: str
    #: False for steps with `audio: false`
    enabled: bool = True
    #: the voice (language) of a translated page; None = the program's own
    voice: str | None = None


@dataclass(frozen=True)
class RenderedAudio:
    """Where the audio of one text is, which backend made it, and whether this call made it."""

    path: Path
    backend: str
    synthesized: bool


@dataclass
class BuildReport:
    """What `build_program_audio` did."""

    synthesized: int = 0
    cached: int = 0
    skipped: int = 0
    #: producer name → number of files it synthesized in this build
    produced: dict[str, int] = field(default_factory=dict)


def audio_items(program: Program, include_welcome: bool = True) -> list[AudioItem]:
    """Every text of the program that can have audio, in program order."""
    items = []
    if include_welcome and program.welcome_text.strip():
        items.append(AudioItem("welcome", "", program.welcome_text))
    for module in program.modules:
        for step in module.steps:
            items.append(AudioItem(f"{module.id}/{step.id}", step.title, step.text, step.audio))
    return items + translated_audio_items(program, include_welcome)


def translated_audio_items(program: Program, include_welcome: bool = True) -> list[AudioItem]:
    """The translated welcome text and step pages of each language the program declares, read in that
    language's voice ("en", "ar"); untranslated pages are left out (patients hear the Swedish audio)."""
    items = []
    for language in program.translations:
        shown = translate(program, language)
        if include_welcome and shown.has("welcome_text") and shown.program.welcome_text.strip():
            items.append(AudioItem(f"{language}:welcome", "", shown.program.welcome_text, voice=language))
        for module in shown.program.modules:
            for step in module.steps:
                if shown.step_translated(module.id, step.id):
                    items.append(AudioItem(f"{language}:{module.id}/{step.id}", step.title, step.text, step.audio,
                                           voice=language))
    return items


def cached_audio(
    cache: AudioCache, title: str, markdown: str, voice: str = DEFAULT_VOICE,
    backends: tuple[str, ...] = PREFERENCE,
) -> Path | None:
    """The cached audio file for a page (title + Markdown), or None; never synthesizes."""
    return cache.find(_speech_text(title, markdown, voice), voice, backends)


@lru_cache(maxsize=4096)
def _speech_text(title: str, markdown: str, voice: str) -> str:
    # a page's speech text changes only with its text and language: worked out once per process
    return speech_text(title, markdown, voice)


def render_text(
    markdown: str, cache: AudioCache, backend: Backend, voice: str = DEFAULT_VOICE, title: str = ""
) -> RenderedAudio:
    """Audio for one Markdown text (e.g. an edited welcome text): from the cache, or synthesized and stored."""
    text = speech_text(title, markdown, voice)
    if not text:
        raise AudioError("nothing to read aloud: the text is empty")
    for producer in backend.accepts:
        found = cache.get(cache_key(text, voice, producer))
        if found:
            return RenderedAudio(found, producer, synthesized=False)
    producer, data = backend.synthesize_as(text, voice)
    path = cache.store(cache_key(text, voice, producer), data)
    return RenderedAudio(path, producer, synthesized=True)


def build_program_audio(
    program: Program,
    cache: AudioCache,
    backend: Backend,
    progress: Callable[[AudioItem, str], None] | None = None,
    voice: str | None = None,
    include_welcome: bool = True,
) -> BuildReport:
    """Render every audio-enabled step (and the welcome text) into the cache; report what was done.

    `progress(item, outcome)` is called after each item with outcome "synthesized", "cached" or
    "skipped". A failure raises AudioError naming the step; files made before it stay valid.
    """
    voice = voice or program.language or DEFAULT_VOICE
    report = BuildReport()
    for item in audio_items(program, include_welcome):
        outcome = _render_item(item, cache, backend, voice, report)
        if progress:
            progress(item, outcome)
    return report


def _render_item(
    item: AudioItem, cache: AudioCache, backend: Backend, voice: str, report: BuildReport
) -> str:
    if not item.enabled:
        report.skipped += 1
        return "skipped"
    try:
        rendered = render_text(item.markdown, cache, backend, item.voice or voice, item.title)
    except AudioError as exc:
        raise AudioError(f"{item.label}: {exc}") from exc
    if rendered.synthesized:
        report.synthesized += 1
        report.produced[rendered.backend] = report.produced.get(rendered.backend, 0) + 1
        return "synthesized"
    report.cached += 1
    return "cached"

