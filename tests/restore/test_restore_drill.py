"""The backup and restore drill of docs/operations.md, run as written (issue 27).

The two shell blocks of "Backup and restore" (pg_dump; createdb, pg_restore, vacuumdb, `stegvis db
current`, the psql counts) are read from the document and run by bash against PostgreSQL, on a demo
database with 30 seeded moments. Only what names this machine is replaced: the backup folder, the
database name (one per test run), the `…` of the URL. The restored copy must report the code's head
revision, the source's counts and newest event, have planner statistics, and serve a patient's step
and Hantera through the app.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import psycopg
import pytest
from sqlalchemy.engine import make_url

from stegvis_testing import PG_ADMIN_URL, PROJECT_ROOT

pytestmark = pytest.mark.restore

DOC = PROJECT_ROOT / "docs" / "operations.md"
MOMENTS = 30


def documented_blocks() -> tuple[str, str]:
    """The backup block (the one with pg_dump) and the restore block (the one with pg_restore)."""
    section = DOC.read_text(encoding="utf-8").split("## Backup and restore", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    [backup] = [b for b in blocks if "pg_dump " in b]
    [restore] = [b for b in blocks if "pg_restore " in b]
    return backup, restore


def counts(output: str) -> dict[str, str]:
    """psql --expanded output (`name | value` lines) as a dict."""
    return {name.strip(): value.strip() for name, _, value in
            (line.partition("|") for line in output.splitlines() if "|" in line)}


@pytest.fixture
def databases(tmp_path):
    """(source name, restored name): both dropped afterwards."""
    suffix = f"{os.getpid()}"
    source, restored = f"stegvis_drill_{suffix}", f"stegvis_restore_{suffix}"
    admin = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in (source, restored):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{source}"')
    yield source, restored
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in (source, restored):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(url: str, programs, clock) -> dict[str, int]:
    """Demo + MOMENTS moments at `url`; the source's counts, as the app's models see them."""
    from web import create_app
    from commands.operators import demo_data as demo
    from commands.operators import database as manage
    from web.extensions import db
    from web.models import Enrollment, Event, Flag, FormResponse, Message, Patient
    from web.services.operations.seed import seed_moments

    app = create_app({"TESTING": True, "DEMO": True, "SQLALCHEMY_DATABASE_URI": url, "PROGRAMS": programs,
                      "CLOCK": clock, "SECRET_KEY": "drill-secret-key-long-enough"})
    manage.upgrade(app)
    demo.seed(app, clock())
    with app.app_context():
        seed_moments(programs["tobakshjalpen"], MOMENTS, clock(), seed=1)

        def n(model, *where) -> int:
            return db.session.execute(db.select(db.func.count()).select_from(model).where(*where)).scalar_one()

        found = {"patients": n(Patient), "moments": n(Enrollment),
                 "submitted_forms": n(FormResponse, FormResponse.status == "submitted"),
                 "events": n(Event), "flags": n(Flag), "messages": n(Message)}
        db.session.remove()
        db.engine.dispose()
    return found


def test_the_documented_restore_drill_gives_a_working_copy(databases, tmp_path, programs, clock):
    from commands.operators import demo_data as demo
    from web.services.operations.readiness import code_heads

    source, restored = databases
    pg = make_url(PG_ADMIN_URL)
    source_url = pg.set(database=source).render_as_string(hide_password=False)
    restored_url = pg.set(database=restored).render_as_string(hide_password=False)
    expected = _seed(source_url, programs, clock)
    assert expected["patients"] == 3 + MOMENTS and expected["moments"] == 2 + MOMENTS
    assert expected["events"] > MOMENTS and expected["flags"] > 0 and expected["messages"] > 0

    # `stegvis` as installed, but from this checkout; psql, createdb, … connect as their PG* variables say
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "stegvis").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{PROJECT_ROOT / "cli.py"}" "$@"\n')
    (bin_dir / "stegvis").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(PROJECT_ROOT),
           "PGHOST": pg.host or "127.0.0.1", "PGPORT": str(pg.port or 5432), "PGUSER": pg.username or "postgres",
           "PGURL": pg.set(drivername="postgresql", database=source).render_as_string(hide_password=False),
           "STEGVIS_DATA_DIR": str(tmp_path / "data")}
    if pg.password:
        env["PGPASSWORD"] = pg.password
    for name in ("DATABASE_URL", "SECRET_KEY", "PGDATABASE"):
        env.pop(name, None)
    base = pg.set(database="").render_as_string(hide_password=False).rstrip("/")

    def localised(block: str) -> str:
        # tonight's dump and the dated one restored are the same file here
        block = re.sub(r"/backup/stegvis-(\$\(date \+%F\)|\d{4}-\d\d-\d\d)\.dump", str(tmp_path / "stegvis.dump"), block)
        return block.replace("postgresql+psycopg://…", base).replace("stegvis_restore", restored)

    def run(block: str) -> str:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{block}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        return done.stdout

    backup, restore = documented_blocks()
    run(localised(backup))
    assert (tmp_path / "stegvis.dump").stat().st_size > 0
    output = run(localised(restore))

    [head] = code_heads()
    assert f"{head} (head)" in output
    found = counts(output)
    assert {k: int(found[k]) for k in expected} == expected
    # the newest event as the same psql line prints it on the source
    psql_line = restore[restore.index("psql "):]
    at_source = counts(run(psql_line.replace("stegvis_restore", source)))
    assert found["newest_event"] and found["newest_event"] == at_source["newest_event"]

    # the planner has statistics for the restored tables (vacuumdb --analyze-in-stages ran)
    with psycopg.connect(make_url(restored_url).set(drivername="postgresql").render_as_string(
            hide_password=False)) as conn:
        analyzed = dict(conn.execute("SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                                     "WHERE relname IN ('event', 'flag', 'enrollment', 'step_progress')").fetchall())
        assert analyzed == {"event": True, "flag": True, "enrollment": True, "step_progress": True}
        assert conn.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'event'").fetchone()[0] > 0

    _serve_from(restored_url, programs, clock, demo)


def _serve_from(url: str, programs, clock, demo) -> None:
    """Jane's step and Hantera of her moment, through the app on the restored database."""
    from web import create_app
    from web.extensions import db
    from web.models import Enrollment, Patient

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PROGRAMS": programs, "CLOCK": clock,
                      "SECRET_KEY": "another-secret-key-long-enough", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        jane = db.session.execute(db.select(Enrollment.id).join(Patient).where(
            Patient.personnummer == demo.JANE)).scalar_one()
    try:
        patient = app.test_client()
        login = patient.post("/invanare/logga-in", data={"personnummer": "19610831-2460", "password": demo.PASSWORD})
        assert login.status_code == 302, login.get_data(as_text=True)
        step = patient.get(f"/stod-och-behandling/{jane}/modul/steg-1/motivation")
        assert step.status_code == 200
        assert "Jag vill orka leka med barnbarnen." in step.get_data(as_text=True)  # her answer, restored

        staff = app.test_client()
        login = staff.post("/logga-in", data={"username": "marita.andersson", "password": demo.PASSWORD})
        assert login.status_code == 302, login.get_data(as_text=True)
        hantera = staff.get(f"/moment/{jane}/hantera")
        assert hantera.status_code == 200
        assert "Doe, Jane" in hantera.get_data(as_text=True) and "Byte av behandlare" in hantera.get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
