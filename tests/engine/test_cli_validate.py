"""`stegvis validate` and `stegvis outline`: output lines, JSON shapes and exit codes (0 clean, 1 errors, 2 usage)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(monkeypatch):
    monkeypatch.chdir(DATA)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_validate_a_clean_program_prints_ok_and_exits_0(run):
    result = run("validate", "somn.yaml")
    assert result.exit_code == 0
    assert result.output == "OK somn.yaml (somn 0.3.1, 3 modules, 5 steps, 2 forms)\n"


def test_validate_prints_every_problem_and_a_summary_and_exits_1(run):
    result = run("validate", "invalid/missing_content_file.yaml")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "invalid/missing_content_file.yaml:21:18: error: content file 'strat.md' not found in content/mini; "
        "did you mean 'start.md'?",
        "content/mini/start.md:1:1: warning: content file not used by any step in invalid/missing_content_file.yaml",
        "1 error, 1 warning in 1 file",
    ]


def test_validate_checks_several_files_and_fails_if_any_has_errors(run):
    result = run("validate", "mini.yaml", "invalid/duplicate_yaml_key.yaml", "somn.yaml")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "OK mini.yaml (mini 1.0, 1 module, 1 step, 1 form)",
        "invalid/duplicate_yaml_key.yaml:15:5: error: duplicate key 'title' (first defined on line 13)",
        "OK somn.yaml (somn 0.3.1, 3 modules, 5 steps, 2 forms)",
        "1 error, 0 warnings in 3 files",
    ]


def test_warnings_alone_exit_0_but_fail_with_strict(run):
    lenient = run("validate", "invalid/unused_form.yaml")
    assert lenient.exit_code == 0
    assert lenient.output.splitlines() == [
        "invalid/unused_form.yaml:23:9: warning: form 'mar' is not shown in any step and not used by any battery",
        "OK invalid/unused_form.yaml (mini 1.0, 1 module, 1 step, 1 form)",
        "0 errors, 1 warning in 1 file",
    ]
    strict = run("validate", "--strict", "invalid/unused_form.yaml")
    assert strict.exit_code == 1
    assert strict.output.splitlines() == [
        "invalid/unused_form.yaml:23:9: error: form 'mar' is not shown in any step and not used by any battery",
        "1 error, 0 warnings in 1 file",
    ]


def test_validate_json_lists_files_programs_and_problems(run):
    result = run("validate", "--format", "json", "somn.yaml", "invalid/title_no.yaml")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["errors"] == 1 and report["warnings"] == 0
    ok, bad = report["files"]
    assert ok["path"] == "somn.yaml" and ok["ok"] is True and ok["problems"] == []
    assert ok["program"]["id"] == "somn" and len(ok["program"]["digest"]) == 64
    assert (ok["program"]["modules"], ok["program"]["steps"], ok["program"]["forms"]) == (3, 5, 2)
    assert bad == {"path": "invalid/title_no.yaml", "ok": False, "program": None, "problems": [{
        "file": "invalid/title_no.yaml", "line": 13, "col": 12, "severity": "error",
        "message": 'title: expected text, received the boolean false (YAML reads no as false); quote it: "no"'}]}


@pytest.mark.parametrize("args", [
    ("validate",),
    ("validate", "no-such-file.yaml"),
    ("validate", "--format", "xml", "somn.yaml"),
    ("validate", "--nonsense", "somn.yaml"),
    ("outline",),
    ("outline", "somn.yaml", "--format", "pdf"),
])
def test_usage_errors_exit_2(run, args):
    assert run(*args).exit_code == 2


def test_outline_json_has_exactly_the_documented_shape(run):
    result = run("outline", "somn.yaml", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert list(data) == ["id", "title", "version", "digest", "recommended_days", "modules", "forms",
                          "welcome_text", "batteries", "reminders", "suggestions"]
    assert (data["id"], data["title"], data["version"], data["recommended_days"]) == ("somn", "Sömnskolan", "0.3.1", 42)
    first = data["modules"][0]
    assert list(first) == ["id", "title", "kind", "default_days", "starts_with_moment", "steps"]
    assert (first["id"], first["kind"], first["default_days"], first["starts_with_moment"]) == (
        "start", "mandatory", None, True)  # the YAML's 0 = no limit
    # "# Sovrummet\n\nEtt svalt, mörkt och tyst sovrum gör det lättare att sova." — counted by hand:
    # 12 words, 2 sentences (heading + one), long words: Sovrummet, lättare → 12/2 + 100*2/12 = 22.67
    sovrummet = data["modules"][1]["steps"][1]
    assert sovrummet == {"id": "sovrummet", "number": "3.2", "title": "Sovrummet", "forms": [],
                         "words": 12, "lix": 22.7}
    assert data["modules"][0]["steps"][1]["forms"] == ["somnkvalitet", "somnvanor"]
    form = data["forms"][1]
    assert form["id"] == "somnvanor" and form["title"] == "Dina sömnvanor"
    assert form["questions"][0] == {"id": "laggdags", "type": "time", "text": "När brukar du gå och lägga dig?",
                                    "required": True}
    assert form["questions"][4]["options"][0] == {"id": "buller", "label": "Buller", "score": None}


def test_outline_text_is_a_plain_swedish_review_outline(run):
    result = run("outline", "somn.yaml")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Sömnskolan (id somn, version 0.3.1)"
    assert lines[1] == "Rekommenderad längd: 42 dagar"
    assert "1. Kom igång" in lines
    assert "   obligatorisk, ingen tidsgräns, startar med momentet" in lines
    assert "   obligatorisk, Dagar: 14, startas av behandlaren" in lines
    assert "   individuell, Dagar: 7, startas av behandlaren" in lines
    assert "   3.2 Sovrummet (12 ord, LIX 23)" in lines
    assert "       Formulär: Sömnkvalitet" in lines
    assert "  2. Hur ofta vaknar du på natten och har svårt att somna om? (ett val, obligatorisk)" in lines
    assert "       - Varje natt (4 p)" in lines
    assert "  Omvänd poängsättning: fråga 3, 4" in lines
    assert "    6–12: Måttliga sömnbesvär" in lines
    assert "  4. Vilket sömnmedel använder du? (kort text, obligatorisk, visas om sovmedel == true)" in lines


def test_outline_of_a_broken_program_prints_problems_and_exits_1(run):
    result = run("outline", "invalid/bands_gap.yaml")
    assert result.exit_code == 1
    assert result.output == "invalid/bands_gap.yaml:41:9: error: bands leave a gap between 0 and 2\n"


def test_validate_runs_without_importing_the_web_app():
    # `stegvis validate` is an author's command: loading Flask and SQLAlchemy would triple its time
    script = ("import json, sys\nfrom cli import main\n"
              "main(['validate', sys.argv[1]], standalone_mode=False)\n"
              "print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script, str(DATA / "somn.yaml")], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    output, modules = done.stdout.splitlines()
    assert output.startswith("OK ") and "engine.loader" in json.loads(modules)
    assert {m.split(".")[0] for m in json.loads(modules)} & {"web", "flask", "flask_sqlalchemy", "sqlalchemy",
                                                            "werkzeug", "alembic"} == set()
