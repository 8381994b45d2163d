"""`stegvis diff` (text, JSON, exit codes, PATH@REV from git) and `stegvis validate --against REV`."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def run(monkeypatch):
    monkeypatch.chdir(DATA)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_diff_of_safe_changes_exits_0(run):
    result = run("diff", "diff/v1.yaml", "diff/safe.yaml")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "vaner 1.0.0 (diff/v1.yaml) → 1.1.0 (diff/safe.yaml)"
    assert lines[1] == "safe: program text changed (title)"
    assert lines[-1] == "0 breaking, 0 needs mapping, 0 mapped, 10 safe: running moments can move"


def test_diff_text_groups_by_severity_worst_first_and_exits_1(run):
    result = run("diff", "diff/v1.yaml", "diff/renamed.yaml")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1:4] == ["needs mapping: module steg-2 step vikt removed", "needs mapping: module extra removed",
                          "needs mapping: form mar question varfor removed"]
    assert lines[7] == "safe: module start step vanor forms changed (vanor → levnadsvanor); its progress is kept"
    assert lines[-1] == ("0 breaking, 6 needs mapping, 0 mapped, 6 safe: running moments cannot move until the "
                         "breaking and unmapped changes are resolved")


def test_breaking_changes_exit_1(run):
    result = run("diff", "diff/v1.yaml", "diff/breaking.yaml")
    assert result.exit_code == 1
    assert result.output.splitlines()[1] == "breaking: form mar question humor option daligt score changed from 2 to 3"


def test_mapped_changes_exit_0(run):
    result = run("diff", "diff/v1.yaml", "diff/mapped.yaml")
    assert result.exit_code == 0
    assert result.output.splitlines()[1] == "using the migration from 1.0.0 in diff/mapped.yaml"
    assert result.output.splitlines()[-1] == "0 breaking, 0 needs mapping, 7 mapped, 0 safe: running moments can move"


def test_diff_json_shape(run):
    result = run("diff", "--format", "json", "diff/v1.yaml", "diff/mapped.yaml")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert list(data) == ["program", "old", "new", "migration", "ok", "version_unchanged", "counts", "changes",
                          "unused_mappings"]
    assert data["program"] == "vaner" and data["migration"] == "1.0.0" and data["ok"] is True
    assert data["old"]["source"] == "diff/v1.yaml" and data["old"]["version"] == "1.0.0"
    assert len(data["new"]["digest"]) == 64
    assert data["counts"] == {"safe": 0, "mapped": 7, "needs_mapping": 0, "breaking": 0}
    assert data["changes"][0] == {"severity": "mapped", "kind": "step.renamed", "path": "steg-2/vikt",
                                  "message": "module steg-2 step vikt mapped to steg-2/vikt-och-mat",
                                  "target": "steg-2/vikt-och-mat", "reason": None}
    breaking = json.loads(run("diff", "--format", "json", "diff/v1.yaml", "diff/breaking.yaml").output)
    assert breaking["changes"][3]["reason"] == ("Frågan ”Hur många mål mat äter du om dagen?” i formuläret "
                                                "”Dina vanor” har ändrad frågetyp (number → short_text)")


@pytest.mark.parametrize("args", [
    ("diff",),
    ("diff", "diff/v1.yaml"),
    ("diff", "diff/v1.yaml", "no-such-file.yaml"),
    ("diff", "diff/v1.yaml", "diff/safe.yaml", "--format", "xml"),
    ("diff", "diff/v1.yaml", "diff/bad_migration.yaml"),  # a load error
])
def test_usage_and_load_errors_exit_2(run, args):
    assert run(*args).exit_code == 2


def test_a_load_error_prints_located_problems(run):
    result = run("diff", "diff/v1.yaml", "diff/bad_migration.yaml")
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith("diff/bad_migration.yaml:65:22: error: migration from 1.0.0:")


# --- PATH@REV and validate --against, in a git repository made here ---------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository with programs/vaner.yaml (v1.yaml) and its content, committed once."""
    shutil.copytree(DATA / "diff" / "content", tmp_path / "content")
    (tmp_path / "programs").mkdir()
    shutil.copy(DATA / "diff" / "v1.yaml", tmp_path / "programs" / "vaner.yaml")
    git(tmp_path, "init", "-q")
    git(tmp_path, "-c", "user.name=T", "-c", "user.email=t@example.org", "add", ".")
    git(tmp_path, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", "v1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_diff_reads_a_revision_with_its_markdown(repo):
    page = repo / "content" / "vaner" / "steg-2" / "mat.md"
    page.write_text("# Mat\n\nÄt frukost varje dag.\n", encoding="utf-8")
    text = (repo / "programs" / "vaner.yaml").read_text(encoding="utf-8")
    (repo / "programs" / "vaner.yaml").write_text(text.replace('version: "1.0.0"', 'version: "1.0.1"'), "utf-8")
    result = invoke("diff", "programs/vaner.yaml@HEAD", "programs/vaner.yaml")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "vaner 1.0.0 (programs/vaner.yaml@HEAD) → 1.0.1 (programs/vaner.yaml)",
        "safe: module steg-2 step mat text changed (Markdown text)",
        "0 breaking, 0 needs mapping, 0 mapped, 1 safe: running moments can move",
    ]


def test_diff_between_two_revisions_and_an_unknown_revision(repo):
    shutil.copy(DATA / "diff" / "breaking.yaml", repo / "programs" / "vaner.yaml")
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qam", "breaking")
    result = invoke("diff", "programs/vaner.yaml@HEAD~1", "programs/vaner.yaml@HEAD")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("4 breaking, 0 needs mapping, 0 mapped, 0 safe")
    unknown = invoke("diff", "programs/vaner.yaml@no-such-rev", "programs/vaner.yaml")
    assert unknown.exit_code == 2
    assert unknown.output.startswith("error: programs/vaner.yaml at no-such-rev: ")


def test_validate_against_warns_when_the_content_changes_and_the_version_does_not(repo):
    path = repo / "programs" / "vaner.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Vanor\n", "title: Goda vanor\n"), "utf-8")
    lenient = invoke("validate", "--against", "HEAD", "programs/vaner.yaml")
    assert lenient.exit_code == 0
    assert lenient.output.splitlines() == [
        "programs/vaner.yaml:5:10: warning: content changed since programs/vaner.yaml@HEAD but version is still "
        "1.0.0; raise the version",
        "OK programs/vaner.yaml (vaner 1.0.0, 3 modules, 5 steps, 2 forms)",
        "0 errors, 1 warning in 1 file",
    ]
    strict = invoke("validate", "--strict", "--against", "HEAD", "programs/vaner.yaml")
    assert strict.exit_code == 1
    assert strict.output.splitlines()[0].startswith("programs/vaner.yaml:5:10: error: content changed since")
    # unchanged content: nothing to say; and without --against validate is as before
    git(repo, "checkout", "-q", "--", "programs/vaner.yaml")
    assert invoke("validate", "--strict", "--against", "HEAD", "programs/vaner.yaml").output == (
        "OK programs/vaner.yaml (vaner 1.0.0, 3 modules, 5 steps, 2 forms)\n")


def test_validate_against_lists_removals_no_migration_maps(repo):
    shutil.copy(DATA / "diff" / "renamed.yaml", repo / "programs" / "vaner.yaml")
    result = invoke("validate", "--against", "HEAD", "programs/vaner.yaml")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == ("programs/vaner.yaml:5:10: warning: module steg-2 step vikt removed since 1.0.0 "
                        "(programs/vaner.yaml@HEAD) and not mapped; add a migration with from: \"1.0.0\" "
                        "(a new id or drop)")
    assert len(lines) == 6 + 2
    shutil.copy(DATA / "diff" / "mapped.yaml", repo / "programs" / "vaner.yaml")
    assert invoke("validate", "--strict", "--against", "HEAD", "programs/vaner.yaml").exit_code == 0


def test_validate_against_points_at_a_migration_entry_the_old_version_lacks(repo):
    text = (DATA / "diff" / "mapped.yaml").read_text(encoding="utf-8")
    text = text.replace("batteries: {uppfoljning: uppfoljning-1}", "batteries: {uppfoljning: uppfoljning-1, gammal: drop}")
    (repo / "programs" / "vaner.yaml").write_text(text, encoding="utf-8")
    result = invoke("validate", "--against", "HEAD", "programs/vaner.yaml")
    assert result.output.splitlines()[0] == (
        "programs/vaner.yaml:70:45: warning: migration from 1.0.0: batteries 'gammal' is not in 1.0.0 "
        "(programs/vaner.yaml@HEAD)")


def test_validate_against_outside_git_is_a_usage_error(tmp_path, monkeypatch):
    shutil.copytree(DATA / "content", tmp_path / "content")
    shutil.copy(DATA / "mini.yaml", tmp_path / "mini.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert invoke("validate", "--against", "HEAD", "mini.yaml").exit_code == 2
