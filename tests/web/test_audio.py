"""Audio: real espeak-ng + lame, the hash-named cache, and gTTS through a mocked Google endpoint."""
import base64
import json
import subprocess
import tempfile
import wave
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import responses
from responses import matchers

from engine.model import Module, Program, Step
from engine.authoring.speech import cache_key, speech_text
from web.content.audio import (
    AudioCache,
    AudioError,
    AutoBackend,
    EspeakBackend,
    GTTSBackend,
    build_program_audio,
    cached_audio,
    render_text,
)

GTTS_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


# --- helpers ----------------------------------------------------------------------------------


def mp3_duration(data: bytes, tmp_path: Path) -> float:
    """Seconds of audio, measured by decoding with lame (an independent decoder) into a WAV."""
    mp3, wav = tmp_path / "probe.mp3", tmp_path / "probe.wav"
    mp3.write_bytes(data)
    subprocess.run(["lame", "--quiet", "--decode", str(mp3), str(wav)], check=True)
    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def starts_like_mp3(data: bytes) -> bool:
    return data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


class CountingEspeak(EspeakBackend):
    """The real espeak backend, counting how often it synthesizes."""

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []

    def synthesize(self, text, voice):
        self.calls.append(text)
        return super().synthesize(text, voice)


def make_program(texts: dict[str, str], silent: tuple[str, ...] = (), welcome: str = "Välkommen!") -> Program:
    """A one-module program whose steps (id → Markdown) have audio unless listed in `silent`."""
    steps = tuple(
        Step(id=sid, number=f"1.{i}", title=f"Avsnitt {i}", content=None, text=md, audio=sid not in silent)
        for i, (sid, md) in enumerate(texts.items(), start=1)
    )
    module = Module(id="steg-1", title="Steg 1", kind="mandatory", default_days=7,
                    starts_with_moment=True, steps=steps)
    return Program(id="test", title="Test", version="1", language="sv", recommended_days=30,
                   welcome_text=welcome, end_reasons=(), modules=(module,), forms={})


def gtts_body(audio: bytes) -> str:
    """A batchexecute response shaped like Google's: the audio as base64 inside the jQ1olc RPC line."""
    b64 = base64.b64encode(audio).decode("ascii")
    line = f'[["wrb.fr","jQ1olc","[\\"{b64}\\"]",null,null,null,"generic"],["di",55],["af.httprm",54,"-1",7]]'
    return f")]}}'\n\n{len(line)}\n{line}\n25\n[[\"e\",4,null,null,{len(line) + 20}]]\n"


@pytest.fixture(scope="module")
def real_mp3() -> bytes:
    """A short real MP3 (espeak-ng + lame) used as the audio Google 'returns'."""
    return EspeakBackend().synthesize("Hej.", "sv")


@pytest.fixture
def cache(tmp_path) -> AudioCache:
    return AudioCache(tmp_path / "audio")


def mp3_files(cache: AudioCache) -> list[str]:
    return sorted(p.name for p in cache.folder.glob("*")) if cache.folder.exists() else []


# --- espeak-ng + lame -------------------------------------------------------------------------


def test_espeak_produces_a_valid_mp3_with_a_duration(tmp_path):
    data = EspeakBackend().synthesize("Hej och välkommen till Tobakshjälpen. Det tar 2 till 4 veckor.", "sv")
    assert starts_like_mp3(data)
    assert 2.0 < mp3_duration(data, tmp_path) < 10.0


def test_longer_text_gives_longer_espeak_audio(tmp_path):
    backend = EspeakBackend()
    short = mp3_duration(backend.synthesize("Hej.", "sv"), tmp_path)
    long = mp3_duration(backend.synthesize("Hej. " + "Nu läser jag en mening till. " * 5, "sv"), tmp_path)
    assert long > short * 3


def test_espeak_removes_its_temporary_files(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    EspeakBackend().synthesize("Hej.", "sv")
    assert list(scratch.iterdir()) == []


def test_missing_espeak_binary_gives_a_clear_error():
    with pytest.raises(AudioError, match="'espeak-ng-not-installed' was not found on PATH; install it"):
        EspeakBackend(espeak="espeak-ng-not-installed").synthesize("Hej.", "sv")


def test_missing_lame_binary_gives_a_clear_error():
    with pytest.raises(AudioError, match=r"'lame-not-installed' was not found on PATH; install it \(apt-get install lame\)"):
        EspeakBackend(lame="lame-not-installed").synthesize("Hej.", "sv")


def test_unknown_espeak_voice_is_an_error_not_an_empty_file():
    with pytest.raises(AudioError, match="espeak-ng failed"):
        EspeakBackend().synthesize("Hej.", "xx-no-such-voice")


def test_empty_text_is_refused_by_espeak():
    with pytest.raises(AudioError, match="no text to speak"):
        EspeakBackend().synthesize("  ", "sv")


# --- cache ------------------------------------------------------------------------------------


def test_cache_stores_under_the_key_without_leaving_temporary_files(cache, real_mp3):
    key = cache_key("Hej.", "sv", "espeak")
    path = cache.store(key, real_mp3)
    assert path == cache.folder / f"{key}.mp3"
    assert path.read_bytes() == real_mp3
    assert mp3_files(cache) == [f"{key}.mp3"]


def test_cache_refuses_empty_audio_and_writes_nothing(cache):
    with pytest.raises(AudioError, match=r"no audio \(0 bytes\)"):
        cache.store(cache_key("Hej.", "sv", "espeak"), b"")
    assert mp3_files(cache) == []


def test_cache_refuses_keys_that_are_not_hashes(cache, real_mp3):
    with pytest.raises(AudioError, match="not an audio key"):
        cache.store("../../etc/passwd", real_mp3)


def test_second_build_synthesizes_nothing(cache):
    program = make_program({"a": "Första sidan.", "b": "Andra sidan, t.ex. om snus.", "c": "Tyst sida."},
                           silent=("c",))
    backend = CountingEspeak()
    first = build_program_audio(program, cache, backend)
    assert (first.synthesized, first.cached, first.skipped) == (3, 0, 1)  # welcome, a, b; c is silent
    assert first.produced == {"espeak": 3}
    assert len(mp3_files(cache)) == 3

    second = build_program_audio(program, cache, backend)
    assert (second.synthesized, second.cached, second.skipped) == (0, 3, 1)
    assert len(backend.calls) == 3
    assert "Avsnitt 2.\nAndra sidan, till exempel om snus." in backend.calls


def test_changed_text_gets_a_new_hash_and_only_it_is_synthesized(cache):
    backend = CountingEspeak()
    build_program_audio(make_program({"a": "Första sidan.", "b": "Andra sidan."}), cache, backend)
    before = set(mp3_files(cache))

    report = build_program_audio(make_program({"a": "Första sidan.", "b": "Andra sidan, ändrad."}), cache, backend)
    assert (report.synthesized, report.cached) == (1, 2)
    new = set(mp3_files(cache)) - before
    assert new == {cache_key("Avsnitt 2.\nAndra sidan, ändrad.", "sv", "espeak") + ".mp3"}


def test_build_reports_progress_for_every_item(cache):
    program = make_program({"a": "Första.", "b": "Andra."}, silent=("b",))
    seen = []
    build_program_audio(program, cache, EspeakBackend(), progress=lambda item, outcome: seen.append((item.label, outcome)))
    build_program_audio(program, cache, EspeakBackend(), progress=lambda item, outcome: seen.append((item.label, outcome)))
    assert seen == [
        ("welcome", "synthesized"), ("steg-1/a", "synthesized"), ("steg-1/b", "skipped"),
        ("welcome", "cached"), ("steg-1/a", "cached"), ("steg-1/b", "skipped"),
    ]


def test_pages_find_their_cached_audio_and_never_synthesize(cache):
    program = make_program({"a": "Första sidan."})
    step = program.step("steg-1", "a")
    assert cached_audio(cache, step.title, step.text, "sv") is None
    build_program_audio(program, cache, EspeakBackend())
    found = cached_audio(cache, step.title, step.text, "sv")
    assert found == cache.folder / (cache_key(speech_text(step.title, step.text), "sv", "espeak") + ".mp3")
    assert cached_audio(cache, step.title, "Annan text.", "sv") is None


def test_render_text_renders_an_edited_welcome_text_once(cache):
    backend = CountingEspeak()
    first = render_text("Hej **Jane**, välkommen!", cache, backend)
    again = render_text("Hej **Jane**, välkommen!", cache, backend)
    assert first.synthesized and not again.synthesized
    assert first.path == again.path == cache.folder / (cache_key("Hej Jane, välkommen!", "sv", "espeak") + ".mp3")
    assert backend.calls == ["Hej Jane, välkommen!"]


def test_render_text_refuses_text_with_nothing_to_read(cache):
    with pytest.raises(AudioError, match="nothing to read aloud"):
        render_text("```\nbara kod\n```", cache, EspeakBackend())


def test_a_failing_step_is_named_and_earlier_files_stay(cache):
    program = make_program({"a": "Första sidan.", "b": "Andra sidan."})
    with pytest.raises(AudioError, match="^steg-1/a: espeak: espeak-ng failed"):
        build_program_audio(program, cache, EspeakBackend(), voice="xx-no-such-voice", include_welcome=False)
    assert mp3_files(cache) == []
    build_program_audio(program, cache, EspeakBackend(), include_welcome=False)
    assert len(mp3_files(cache)) == 2


# --- gTTS through the mocked Google endpoint --------------------------------------------------


@responses.activate
def test_gtts_returns_the_audio_google_sends_with_the_timeout_applied(real_mp3):
    responses.post(GTTS_URL, body=gtts_body(real_mp3),
                   match=[matchers.request_kwargs_matcher({"timeout": 7.5})])
    data = GTTSBackend(timeout=7.5).synthesize("Hej och välkommen.", "sv")
    assert data == real_mp3
    form = parse_qs(responses.calls[0].request.body)
    rpc = json.loads(form["f.req"][0])
    assert rpc[0][0][0] == "jQ1olc"
    assert json.loads(rpc[0][0][1])[:2] == ["Hej och välkommen.", "sv"]


@responses.activate
def test_gtts_long_text_is_sent_in_parts_and_joined(real_mp3):
    responses.post(GTTS_URL, body=gtts_body(real_mp3))
    text = "Det här är en mening som är ganska lång. " * 6
    data = GTTSBackend().synthesize(text, "sv")
    assert len(responses.calls) >= 2
    assert data == real_mp3 * len(responses.calls)


@responses.activate
def test_gtts_http_error_raises_audio_error():
    responses.post(GTTS_URL, status=500)
    with pytest.raises(AudioError, match=r"^gtts: 500 \(Internal Server Error\) from TTS API"):
        GTTSBackend().synthesize("Hej.", "sv")


@responses.activate
@pytest.mark.parametrize("timeout", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout])
def test_gtts_timeout_raises_audio_error(timeout):
    responses.post(GTTS_URL, body=timeout("timed out"))
    with pytest.raises(AudioError, match="^gtts: Failed to connect"):
        GTTSBackend(timeout=1).synthesize("Hej.", "sv")


@responses.activate
def test_gtts_empty_response_is_an_error_and_no_file_is_written(cache):
    responses.post(GTTS_URL, body=")]}'\n\n")
    with pytest.raises(AudioError, match=r"gtts returned no audio \(0 bytes\)"):
        render_text("Hej.", cache, GTTSBackend())
    assert mp3_files(cache) == []


@responses.activate
def test_gtts_response_without_audio_is_an_error(cache):
    responses.post(GTTS_URL, body=')]}\'\n\n[["wrb.fr","jQ1olc","[]",null,null,null,"generic"]]\n')
    with pytest.raises(AudioError, match="^gtts: 200"):
        render_text("Hej.", cache, GTTSBackend())
    assert mp3_files(cache) == []


@responses.activate
def test_auto_uses_gtts_when_google_answers(cache, real_mp3):
    responses.post(GTTS_URL, body=gtts_body(real_mp3))
    rendered = render_text("Hej.", cache, AutoBackend(GTTSBackend(), CountingEspeak()))
    assert (rendered.backend, rendered.synthesized) == ("gtts", True)
    assert rendered.path.name == cache_key("Hej.", "sv", "gtts") + ".mp3"
    assert rendered.path.read_bytes() == real_mp3


@responses.activate
def test_auto_falls_back_to_espeak_on_http_error(cache, tmp_path):
    responses.post(GTTS_URL, status=500)
    espeak = CountingEspeak()
    rendered = render_text("Hej.", cache, AutoBackend(GTTSBackend(), espeak))
    assert rendered.backend == "espeak"
    assert rendered.path.name == cache_key("Hej.", "sv", "espeak") + ".mp3"
    assert espeak.calls == ["Hej."]
    assert mp3_duration(rendered.path.read_bytes(), tmp_path) > 0


@responses.activate
@pytest.mark.parametrize("timeout", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout])
def test_auto_falls_back_to_espeak_on_timeout(cache, timeout):
    responses.post(GTTS_URL, body=timeout("timed out"))
    rendered = render_text("Hej.", cache, AutoBackend(GTTSBackend(timeout=1), EspeakBackend()))
    assert rendered.backend == "espeak"
    assert starts_like_mp3(rendered.path.read_bytes())


@responses.activate
def test_auto_falls_back_on_an_empty_gtts_response(cache):
    responses.post(GTTS_URL, body=")]}'\n\n")
    rendered = render_text("Hej.", cache, AutoBackend(GTTSBackend(), EspeakBackend()))
    assert rendered.backend == "espeak"
    assert rendered.path.stat().st_size > 0


@responses.activate
def test_auto_stops_asking_gtts_after_repeated_failures(cache):
    responses.post(GTTS_URL, status=503)
    backend = AutoBackend(GTTSBackend(), EspeakBackend(), max_failures=2)
    report = build_program_audio(make_program({"a": "Ett.", "b": "Två.", "c": "Tre."}), cache, backend)
    assert report.produced == {"espeak": 4}
    assert len(responses.calls) == 2


@responses.activate
def test_a_later_auto_run_reuses_fallback_audio_without_asking_google(cache, real_mp3):
    program = make_program({"a": "Ett.", "b": "Två."})
    responses.post(GTTS_URL, status=500)
    build_program_audio(program, cache, AutoBackend(GTTSBackend(), EspeakBackend()))
    responses.replace(responses.POST, GTTS_URL, body=gtts_body(real_mp3))
    calls_before = len(responses.calls)

    espeak = CountingEspeak()
    report = build_program_audio(program, cache, AutoBackend(GTTSBackend(), espeak))
    assert (report.synthesized, report.cached) == (0, 3)
    assert len(responses.calls) == calls_before and espeak.calls == []
