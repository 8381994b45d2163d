"""One bad program never takes the others down: the app (demo, preview) starts with the valid ones and
keeps the invalid one's located errors; `stegvis serve` refuses to start with them; running moments keep
their pinned version."""
import logging
import os
import shutil
import subprocess
import sys

import pytest

from patient_support import DATA, copy_alla_typer, JANE, PATIENT_PASSWORD, html_text, step_url
from stegvis_testing import PROJECT_ROOT

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def programs_dir(tmp_path):
    """A programs folder: alla-typer (valid) and trasig.yaml (alla-typer under another id, one bad value)."""
    return copy_alla_typer(tmp_path / "programs")


def _break(path, new_id: str | None = None):
    """Write `path` as a copy of alla-typer with `default_days: sju`; returns (file, line, col) of the bad value."""
    text = (DATA / "alla-typer.yaml").read_text(encoding="utf-8").replace("default_days: 7", "default_days: sju", 1)
    if new_id:
        text = text.replace("id: alla-typer", f"id: {new_id}", 1)
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "default_days: sju" in row)
    col = text.splitlines()[line - 1].index("sju") + 1
    return path, line, col


@pytest.fixture
def broken(programs_dir):
    """trasig.yaml next to the valid program: (path, line, col) of its one error."""
    shutil.copytree(programs_dir / "content" / "alla-typer", programs_dir / "content" / "trasig")
    return _break(programs_dir / "trasig.yaml", new_id="trasig")


@pytest.fixture
def app_config(app_config, programs_dir, broken):  # noqa: F811
    """Load the programs folder itself (as the demo does), not the session's preloaded programs."""
    return {**app_config, "PROGRAMS": None, "PROGRAMS_DIR": str(programs_dir)}


@pytest.fixture
def author(make_staff):
    return make_staff("forfattare", roles="forfattare", name="Frida Författare")


def test_the_app_starts_with_the_valid_programs_and_keeps_the_invalid_ones_errors(app, broken):
    from web.content.programs import all_programs, not_loaded

    path, line, col = broken
    assert list(all_programs()) == ["alla-typer"]
    errors = not_loaded()["trasig.yaml"]
    assert [e.format() for e in errors] == [
        f"{path}:{line}:{col}: error: default_days: expected a whole number, received the text 'sju'"]


def test_each_error_is_logged_on_one_line_without_a_traceback(app_config, caplog):
    from web import create_app

    with caplog.at_level(logging.ERROR, logger="stegvis.programs"):
        create_app(app_config)
    records = [r for r in caplog.records if r.name == "stegvis.programs"]
    assert len(records) == 1
    assert records[0].exc_info is None and "\n" not in records[0].getMessage()
    assert records[0].getMessage().startswith(f"{app_config['PROGRAMS_DIR']}/trasig.yaml:")


def test_the_valid_program_serves_patients(app, client, start, patient_login):
    enrollment = start()
    patient_login()
    assert client.get(step_url(enrollment)).status_code == 200


@pytest.mark.app_config(METRICS_TOKEN="s3cret-token")
def test_readyz_names_the_program_that_is_not_loaded(client):
    # the details are for the operator (the metrics token); the public hears only "not ready"
    checks = client.get("/readyz", headers={"Authorization": "Bearer s3cret-token"}).get_json()["checks"]
    assert checks["programs"] == "not loaded: trasig.yaml (1 error)"


def test_the_author_preview_shows_the_located_error_on_the_index_and_the_programs_pages(client, login, author,
                                                                                         broken):
    path, line, col = broken
    located = f"{path}:{line}:{col}: error: default_days:"
    login(author)
    assert located in html_text(client.get("/author/"))
    assert located in html_text(client.get("/author/trasig/"))
    # a page of the program that no longer loads lists the errors in place (a fix reloads that very page)
    step = client.get("/author/trasig/modul/start/fragor")
    assert step.status_code == 200 and located in html_text(step)


def test_strict_mode_refuses_to_build_the_app_with_the_located_errors(app_config, broken):
    from web import create_app
    from web.content.programs import ProgramsNotLoaded

    path, line, col = broken
    with pytest.raises(ProgramsNotLoaded) as refused:
        create_app({**app_config, "PROGRAMS_STRICT": True})
    assert refused.value.lines() == [
        f"{path}:{line}:{col}: error: default_days: expected a whole number, received the text 'sju'"]


def test_outside_the_demo_and_tests_strict_mode_is_the_default(tmp_path, programs_dir):
    from web.config import build_config

    production = build_config({"SECRET_KEY": "k" * 40, "PROGRAMS_DIR": str(programs_dir)}, env={})
    demo = build_config({"DEMO": True, "PROGRAMS_DIR": str(programs_dir)}, env={})
    assert production["PROGRAMS_STRICT"] is True and demo["PROGRAMS_STRICT"] is False


def test_stegvis_serve_refuses_to_start_with_the_located_errors_and_exit_1(tmp_path, programs_dir, broken):
    path, line, col = broken
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "STEGVIS_PROGRAMS_DIR": str(programs_dir),
           "SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "STEGVIS_DATA_DIR": str(tmp_path / "data"), "STEGVIS_BIND": "127.0.0.1:1"}
    done = subprocess.run([sys.executable, str(PROJECT_ROOT / "cli.py"), "serve"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        f"{path}:{line}:{col}: error: default_days: expected a whole number, received the text 'sju'")
    assert "Traceback" not in done.stderr and "Stegvis startar" not in done.stdout


def test_a_running_moment_keeps_its_pinned_version_when_its_file_no_longer_loads(app, app_config, db, start,
                                                                                 programs_dir):
    from web import create_app
    from web.content.programs import get_program, not_loaded
    from web.services.core.rows import program_for

    enrollment = start()
    started_on = enrollment.program_digest
    _break(programs_dir / "alla-typer.yaml")
    restarted = create_app(app_config)  # the next start, after the bad edit
    with restarted.app_context():
        assert get_program("alla-typer") is None and "alla-typer.yaml" in not_loaded()
        from web.models import Enrollment

        moment = db.session.get(Enrollment, enrollment.id)
        assert program_for(moment).digest == started_on
        patient = restarted.test_client()
        patient.post("/invanare/logga-in", data={"personnummer": JANE, "password": PATIENT_PASSWORD})
        assert "Svara på frågorna nedan." in html_text(patient.get(step_url(moment)))


def test_stegvis_demo_starts_with_an_invalid_program_and_names_it(tmp_path, monkeypatch, programs_dir, broken):
    from click.testing import CliRunner

    from cli import main

    monkeypatch.setenv("STEGVIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STEGVIS_PROGRAMS_DIR", str(programs_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["demo", "--seed-only", "--moments", "3"])
    assert result.exit_code == 0, result.output
    assert "Ej inläst:   trasig.yaml: 1 fel (visas i förhandsvisningen)" in result.output
    # the demo's patients are in Tobakshjälpen, which this folder does not have: seeded without moments
    assert "Moment: inga tillagda, tobakshjalpen.yaml lästes inte in" in result.output
    assert "Traceback" not in result.output


def test_a_second_file_with_a_program_id_already_loaded_is_not_loaded_and_says_why(app_config, programs_dir):
    from web import create_app
    from web.content.programs import all_programs, not_loaded

    shutil.copy(programs_dir / "alla-typer.yaml", programs_dir / "kopia.yaml")
    with create_app(app_config).app_context():
        assert all_programs()["alla-typer"].source_path == str(programs_dir / "alla-typer.yaml")
        assert [e.format() for e in not_loaded()["kopia.yaml"]] == [
            f"{programs_dir / 'kopia.yaml'}:1:1: error: the id 'alla-typer' is already used by "
            f"{programs_dir / 'alla-typer.yaml'}; give each program its own id"]
