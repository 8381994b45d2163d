"""`stegvis audio build` on a tiny program, with real espeak-ng and lame."""
from pathlib import Path

import responses
from click.testing import CliRunner

from cli import main

PROGRAM = str(Path(__file__).resolve().parent.parent / "data" / "audio" / "ljudtest.yaml")
GTTS_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


def mp3s(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.mp3"))


def test_audio_build_twice_synthesizes_nothing_the_second_time(tmp_path):
    out = tmp_path / "audio"
    runner = CliRunner()
    first = runner.invoke(main, ["audio", "build", PROGRAM, "--backend", "espeak", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "3 syntetiserade, 0 fanns redan, 1 utan ljud (espeak: 3)" in first.output
    files = mp3s(out)
    assert len(files) == 3 and all(len(name) == 64 + 4 for name in files)

    second = runner.invoke(main, ["audio", "build", PROGRAM, "--backend", "espeak", "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert "0 syntetiserade, 3 fanns redan, 1 utan ljud" in second.output
    assert mp3s(out) == files


def test_audio_build_writes_to_the_data_dir_by_default(tmp_path):
    result = CliRunner(env={"STEGVIS_DATA_DIR": str(tmp_path / "data")}).invoke(
        main, ["audio", "build", PROGRAM, "--backend", "espeak"]
    )
    assert result.exit_code == 0, result.output
    assert len(mp3s(tmp_path / "data" / "audio")) == 3


def test_audio_build_without_a_data_dir_uses_instance_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env={"STEGVIS_DATA_DIR": None}).invoke(main, ["audio", "build", PROGRAM, "--backend", "espeak"])
    assert result.exit_code == 0, result.output
    assert len(mp3s(tmp_path / "instance" / "audio")) == 3


@responses.activate
def test_audio_build_auto_falls_back_to_espeak_when_google_fails(tmp_path):
    responses.post(GTTS_URL, status=500)
    result = CliRunner().invoke(main, ["audio", "build", PROGRAM, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "3 syntetiserade, 0 fanns redan, 1 utan ljud (espeak: 3)" in result.output


@responses.activate
def test_audio_build_with_gtts_only_reports_the_failing_page(tmp_path):
    responses.post(GTTS_URL, status=500)
    result = CliRunner().invoke(main, ["audio", "build", PROGRAM, "--backend", "gtts", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: welcome: gtts: 500 (Internal Server Error) from TTS API" in result.output
    assert mp3s(tmp_path) == []


def test_audio_build_without_espeak_installed_says_what_to_install(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    result = CliRunner(env={"PATH": str(empty)}).invoke(
        main, ["audio", "build", PROGRAM, "--backend", "espeak", "--out", str(tmp_path / "audio")]
    )
    assert result.exit_code == 1
    assert "'espeak-ng' was not found on PATH; install it (apt-get install espeak-ng)" in result.output


def test_audio_build_of_a_missing_program_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["audio", "build", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_audio_build_of_an_invalid_program_prints_its_problems_and_builds_nothing(tmp_path):
    broken = tmp_path / "trasig.yaml"
    broken.write_text('id: trasig\ntitle: Trasig\nversion: "1"\nlanguage: sv\nrecommended_days: 30\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["audio", "build", str(broken), "--backend", "espeak", "--out", str(tmp_path / "a")])
    assert result.exit_code == 1
    assert f"{broken}:1:1: error:" in result.output and "modules" in result.output
    assert not (tmp_path / "a").exists()
