"""Audio per language: translated pages are read in their language's voice, in the same cache."""
from pathlib import Path

from engine.authoring.speech import speech_text
from engine.loader import load_program
from web.content.audio import AudioCache, build_program_audio, cached_audio, audio_items

KORT = Path(__file__).resolve().parents[1] / "data" / "i18n" / "kort.yaml"
MP3 = b"ID3" + b"\0" * 64


class RecordingBackend:
    """Returns a tiny MP3 and records (voice, text) of every synthesis."""

    name = "espeak"
    accepts = ("espeak",)

    def __init__(self):
        self.calls = []

    def synthesize_as(self, text, voice):
        self.calls.append((voice, text))
        return self.name, MP3


def test_translated_pages_and_welcome_text_are_built_in_their_voice_untranslated_ones_are_not(tmp_path):
    program = load_program(KORT)
    labels = [(item.label, item.voice) for item in audio_items(program)]
    assert labels == [("welcome", None), ("start/hej", None), ("mer/las", None),
                      ("en:welcome", "en"), ("en:start/hej", "en")]
    backend = RecordingBackend()
    report = build_program_audio(program, AudioCache(tmp_path), backend)
    assert report.synthesized == 5
    assert ("en", "Hello.\nThis is the first page.") in backend.calls
    assert ("sv", "Hej.\nDet här är första sidan.") in backend.calls
    step = program.step("start", "hej")
    assert cached_audio(AudioCache(tmp_path), "Hello", "# Hello\n\nThis is the first page.\n", "en") is not None
    assert cached_audio(AudioCache(tmp_path), step.title, step.text, "en") is None  # Swedish text, English voice


def test_swedish_abbreviations_are_written_out_only_in_swedish():
    assert speech_text("", "Ta t.ex. 2–4 tuggummin.") == "Ta till exempel 2 till 4 tuggummin."
    assert speech_text("", "Take e.g. 2–4 pieces.", "en") == "Take e.g. 2–4 pieces."
