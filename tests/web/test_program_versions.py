"""Moments stay on the program version they were started on, after the YAML and content are edited.

Version 1 is the `alla-typer` test program; version 2 is a copy with a new version number, another
step text and title, a reworded question and one more required question. "Installing" version 2 swaps
the app's program registry, as a restart with the edited files would.
"""
import logging
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from patient_support import JANE, JOHN, PATIENT_PASSWORD, form_url, html_text, step_url, token_of, valid_answers

DATA = Path(__file__).resolve().parents[1] / "data" / "patient"
OLD_TEXT = "Här finns <strong>alla</strong> frågetyper"
NEW_TEXT = "Nu finns <strong>nya</strong> frågetyper"
#: a third valid personnummer
THIRD = "197001012389"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text  # the edit must really change the file
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def v1(tmp_path):
    """The `alla-typer` program (version 1.0), loaded from its own copy of the files."""
    from engine.loader import load_program

    shutil.copytree(DATA, tmp_path / "v1")
    return load_program(tmp_path / "v1" / "alla-typer.yaml")


@pytest.fixture
def v2(tmp_path):
    """Version 1.1: new step text and title, a reworded question and a new required question."""
    from engine.loader import load_program

    folder = tmp_path / "v2"
    shutil.copytree(DATA, folder)
    yaml = folder / "alla-typer.yaml"
    _edit(yaml, 'version: "1.0"', 'version: "1.1"')
    _edit(yaml, "title: Alla frågetyper\n        content", "title: Alla frågetyper i ny version\n        content")
    _edit(yaml, "text: Vad heter du?", "text: Vad heter du i förnamn?")
    _edit(yaml, "      - {id: tid, type: time, text: Vilken tid vaknar du?}\n",
          "      - {id: tid, type: time, text: Vilken tid vaknar du?}\n"
          "      - {id: ny, type: yes_no, text: Är du ny här?, required: true}\n")
    _edit(folder / "content" / "alla-typer" / "start" / "fragor.md", "Här finns **alla**", "Nu finns **nya**")
    return load_program(yaml)


@pytest.fixture
def app_config(app_config, programs, v1):
    """The shared test configuration with version 1 of `alla-typer` installed."""
    return {**app_config, "PROGRAMS": {**programs, v1.id: v1}}


@pytest.fixture
def install(app):
    """install(program): replace the installed program with the same id (as a restart with new files would)."""
    from web.content.programs import EXTENSION_KEY

    def do(program):
        app.extensions[EXTENSION_KEY] = {**app.extensions[EXTENSION_KEY], program.id: program}

    return do


@contextmanager
def patient_client(app, personnummer: str):
    """A client of the patient's own, logged in through the real patient login form.

    Each patient gets a fresh app context: requests reuse the test's pushed context, and with it `g.patient`.
    """
    client = app.test_client()
    with app.app_context():
        login = client.post("/invanare/logga-in", data={"personnummer": personnummer, "password": PATIENT_PASSWORD})
        assert login.status_code == 302
        yield client


def _snapshots(db):
    from web.models import ProgramVersion

    return db.session.execute(db.select(ProgramVersion).order_by(ProgramVersion.id)).scalars().all()


def test_the_versions_differ_in_digest_and_version(v1, v2):
    assert (v1.version, v2.version) == ("1.0", "1.1") and v1.digest != v2.digest


def test_a_running_moment_keeps_its_step_text_and_form_after_a_new_version_is_installed(app, start, install, v2):
    old = start(personnummer=JANE)
    install(v2)
    new = start(personnummer=JOHN)
    with patient_client(app, JANE) as client:
        old_page = html_text(client.get(step_url(old)))
    assert OLD_TEXT in old_page and NEW_TEXT not in old_page
    assert '<label for="f-alla-kort">Vad heter du?' in old_page and 'data-question="ny"' not in old_page
    with patient_client(app, JOHN) as client:
        new_page = html_text(client.get(step_url(new)))
    assert NEW_TEXT in new_page and OLD_TEXT not in new_page
    assert '<label for="f-alla-kort">Vad heter du i förnamn?' in new_page and 'data-question="ny"' in new_page


def test_answers_to_a_running_moment_are_checked_and_stored_against_its_own_version(app, db, start, install, v2):
    from web.models import FormResponse

    old = start(personnummer=JANE)
    install(v2)
    new = start(personnummer=JOHN)
    with patient_client(app, JANE) as client:
        page = html_text(client.get(step_url(old)))
        response = client.post(form_url(old), data={"stegvis-atgard": "skicka", "stegvis-token": token_of(page),
                                                     **valid_answers()})
    assert response.status_code == 302  # version 1 has no question "ny" to require
    row = db.session.execute(db.select(FormResponse).where(FormResponse.enrollment_id == old.id)).scalar_one()
    assert row.status == "submitted" and row.questions["kort"]["text"] == "Vad heter du?"
    with patient_client(app, JOHN) as client:
        page = html_text(client.get(step_url(new)))
        response = client.post(form_url(new), data={"stegvis-atgard": "skicka", "stegvis-token": token_of(page),
                                                     **valid_answers()})
    assert response.status_code == 422 and "Är du ny här? – Frågan måste besvaras." in html_text(response)


def test_hantera_shows_the_pinned_version_and_that_a_newer_one_is_installed(client, login, clinician, start,
                                                                            install, v2):
    old = start(personnummer=JANE)
    login(clinician)
    page = html_text(client.get(f"/moment/{old.id}/hantera"))
    assert "<dt>Programversion</dt><dd>1.0</dd>" in page and "En nyare version" not in page
    install(v2)
    new = start(personnummer=JOHN)
    page = html_text(client.get(f"/moment/{old.id}/hantera"))
    assert "<dt>Programversion</dt><dd>1.0</dd>" in page
    assert "Momentet följer programversion 1.0. En nyare version (1.1) finns installerad." in page
    assert "1.1 Alla frågetyper <span" in page and "Alla frågetyper i ny version" not in page
    page = html_text(client.get(f"/moment/{new.id}/hantera"))
    assert "<dt>Programversion</dt><dd>1.1</dd>" in page and "En nyare version" not in page
    assert "1.1 Alla frågetyper i ny version" in page


def test_an_edit_without_a_new_version_number_is_told_apart_by_its_digest(v1, v2):
    from dataclasses import replace

    from web.services.clinician.hantera import version_labels

    same_number = replace(v2, version="1.0")
    assert version_labels(v1, same_number) == {"version": f"1.0 ({v1.digest[:7]})",
                                               "installed_version": f"1.0 ({v2.digest[:7]})"}
    assert version_labels(v1, v1) == {"version": "1.0", "installed_version": None}


def test_the_snapshot_is_written_once_per_digest_with_the_exact_yaml_and_content(db, start, install, v1, v2):
    start(personnummer=JANE)
    start(personnummer=JOHN)
    (row,) = _snapshots(db)
    assert (row.program_id, row.version, row.digest) == ("alla-typer", "1.0", v1.digest)
    assert row.source == (DATA / "alla-typer.yaml").read_text(encoding="utf-8")
    content = DATA / "content" / "alla-typer"
    assert row.files == {p.relative_to(content).as_posix(): p.read_text(encoding="utf-8")
                         for p in content.rglob("*.md")}
    install(v2)
    start(personnummer=THIRD)
    assert [r.digest for r in _snapshots(db)] == [v1.digest, v2.digest]


def test_a_snapshot_inserted_by_a_concurrent_start_does_not_fail_the_moment(app, db, clock, v1):
    """Another transaction stores the same digest between our check and our insert: one row, no error."""
    from web.models import ProgramVersion
    from web.content.programs import program_files
    from web.services.core import versions

    competitor = {"program_id": v1.id, "version": v1.version, "digest": v1.digest, "source": "från den andra",
                  "files": program_files(v1), "created_at": clock()}

    raced = []

    def insert_first(conn, cursor, statement, parameters, context, executemany):
        if not raced and statement.lstrip().upper().startswith("INSERT INTO PROGRAM_VERSION"):
            raced.append(statement)
            with db.engine.begin() as other:  # a second connection, committed before our insert runs
                other.execute(ProgramVersion.__table__.insert().values(**competitor))

    event.listen(db.engine, "before_cursor_execute", insert_first)
    try:
        assert versions.snapshot(v1, clock()) is True
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", insert_first)
    assert len(raced) == 1  # the competing row really arrived between our check and our insert
    (row,) = _snapshots(db)
    assert row.source == "från den andra"  # the first writer's row is kept


def test_the_pinned_version_is_written_out_and_loads_with_the_same_digest(app, db, start, install, v1, v2,
                                                                          count_queries):
    from web.services.core.rows import program_for

    old = start(personnummer=JANE)
    assert old.program_digest == v1.digest  # (loads the committed row before counting)
    with count_queries() as statements:
        assert program_for(old) is v1  # installed digest: no query, no copy
    assert statements == []
    install(v2)
    pinned = program_for(old)
    folder = Path(app.config["DATA_DIR"]) / "program-versions" / v1.digest
    assert pinned.digest == v1.digest and pinned.version == "1.0"
    assert Path(pinned.source_path) == folder / "alla-typer.yaml"
    assert (folder / "content" / "alla-typer" / "start" / "fragor.md").read_text(encoding="utf-8").startswith(
        "Här finns **alla**")
    assert pinned.step("start", "fragor").title == "Alla frågetyper"
    with count_queries() as statements:
        assert program_for(old) is pinned  # cached per digest
    assert statements == []


def test_a_damaged_copy_on_disk_is_written_again_from_the_database(app, db, start, install, v1, v2):
    from web.models import ProgramVersion
    from web.services.core import versions

    start(personnummer=JANE)
    row = db.session.execute(db.select(ProgramVersion)).scalar_one()
    root = Path(app.config["DATA_DIR"]) / "program-versions"
    page = versions.materialise(row, root) / "content" / "alla-typer" / "start" / "fragor.md"
    page.write_text("Ändrad för hand.", encoding="utf-8")
    program = versions.load_version(row, root)
    assert program.digest == v1.digest and program.step("start", "fragor").text.startswith("Här finns **alla**")


def test_a_pinned_moment_still_runs_when_its_program_is_no_longer_installed(app, start, v1):
    from web.content.programs import EXTENSION_KEY
    from web.services.core.rows import program_for

    old = start(personnummer=JANE)
    app.extensions[EXTENSION_KEY] = {k: p for k, p in app.extensions[EXTENSION_KEY].items() if k != v1.id}
    assert program_for(old).digest == v1.digest


def test_a_moment_without_a_snapshot_falls_back_to_the_installed_program_and_warns_once(app, db, start, install,
                                                                                        v1, v2, caplog):
    from web.models import ProgramVersion
    from web.services.core.rows import program_for

    old = start(personnummer=JANE)
    db.session.execute(db.delete(ProgramVersion))  # as for a moment started before snapshots existed
    db.session.commit()
    install(v2)
    with caplog.at_level(logging.WARNING, logger="web.services.core.versions"):
        assert program_for(old) is v2
        assert program_for(old) is v2
    warnings = [r for r in caplog.records if r.name == "web.services.core.versions"]
    assert len(warnings) == 1 and v1.digest[:12] in warnings[0].getMessage()
    with patient_client(app, JANE) as client:
        assert NEW_TEXT in html_text(client.get(step_url(old)))


def _with_reminder(folder: Path, version: str, reminder: str):
    """A copy of `alla-typer` with another version number and one authored reminder (YAML flow mapping)."""
    from engine.loader import load_program

    shutil.copytree(DATA, folder)
    yaml = folder / "alla-typer.yaml"
    _edit(yaml, 'version: "1.0"', f'version: "{version}"')
    yaml.write_text(yaml.read_text(encoding="utf-8") + f"reminders:\n  - {reminder}\n", encoding="utf-8")
    return load_program(yaml)


def test_the_tick_reminds_a_moment_pinned_to_an_older_version_by_that_versions_own_reminder(
        app, db, clock, start, install, tmp_path):
    from datetime import timedelta

    from web.models import Notice
    from web.services.operations.tick import evaluate

    old = _with_reminder(tmp_path / "r1", "2.0", "{id: dag-3, title: Tre dagar, days_after_start: 3}")
    new = _with_reminder(tmp_path / "r2", "2.1", "{id: dag-30, title: Trettio dagar, days_after_start: 30}")
    install(old)
    moment = start(personnummer=JANE, mobile="070-174 06 05")
    install(new)  # the installed program no longer has the reminder the running moment was started with
    assert moment.program_digest == old.digest != new.digest

    report = evaluate(clock() + timedelta(days=3, minutes=5))

    keys = db.session.execute(db.select(Notice.idempotency_key).where(Notice.template == "reminder")).scalars().all()
    assert keys == [f"patient:{moment.id}:reminder:dag-3:2026-03-02T09:00:00+01:00:sms"]
    assert (report.reminder_candidates, report.reminders, report.errors) == (1, 1, [])


def test_a_pinned_versions_reminder_timed_from_an_answered_date_follows_the_date_moved_earlier_or_later(
        app, db, clock, start, install, tmp_path):
    from datetime import date, time, timedelta

    from engine.localtime import at_local
    from web.models import Enrollment, Notice
    from web.services.operations.tick import evaluate
    from web.services.patient import answers

    old = _with_reminder(tmp_path / "r1", "2.0", "{id: efter-datum, title: Tio dagar efter datumet, "
                                                 "anchor: {form: alla, question: datum}, days_after_anchor: 10}")
    new = _with_reminder(tmp_path / "r2", "2.1", "{id: dag-300, title: Trehundra dagar, days_after_start: 300}")
    install(old)
    earlier = start(personnummer=JANE, mobile="070-174 06 05")
    later = start(personnummer=JOHN, mobile="070-174 06 06")
    install(new)  # the installed version has no reminder timed from a date
    t0 = clock()  # 2026-03-02 09:00

    def answer(moment, day: date, at):
        answers.submit_form(moment, moment.patient, "alla", {"kort": "Jane", "antal": 1, "val": "var", "skala": 5,
                                                             "janej": True, "datum": day}, now=at, module_id="start")

    def stored(moment):
        return db.session.get(Enrollment, moment.id).next_anchored_reminder_at

    def sent():
        return db.session.execute(db.select(Notice.enrollment_id, Notice.created_at).where(
            Notice.template == "reminder").order_by(Notice.id)).all()

    answer(earlier, date(2026, 3, 21), t0 + timedelta(days=1))  # due 2026-03-31 09:00
    answer(later, date(2026, 3, 21), t0 + timedelta(days=1))
    first = evaluate(t0 + timedelta(days=10))  # both worked out once
    assert (first.reminder_candidates, first.reminders) == (2, 0)
    assert stored(earlier) == stored(later) == at_local(date(2026, 3, 31), time(9))
    assert evaluate(t0 + timedelta(days=11)).reminder_candidates == 0
    # the date moved earlier (the newest answer counts): due at once; later: due later
    answer(earlier, date(2026, 3, 5), t0 + timedelta(days=12))  # due 2026-03-15 09:00
    answer(later, date(2026, 3, 28), t0 + timedelta(days=12))  # due 2026-04-07 09:00
    report = evaluate(t0 + timedelta(days=13))
    assert (report.reminder_candidates, report.reminders) == (2, 1)
    assert sent() == [(earlier.id, t0 + timedelta(days=13))]
    due = at_local(date(2026, 4, 7), time(9))
    assert stored(later) == due
    assert evaluate(at_local(date(2026, 3, 31), time(10))).reminders == 0  # the old date's time: nothing
    assert evaluate(due - timedelta(minutes=1)).reminder_candidates == 0
    report = evaluate(due)
    assert (report.reminder_candidates, report.reminders) == (1, 1)
    assert sent()[1:] == [(later.id, due)]
