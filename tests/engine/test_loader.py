"""engine.loader on valid programs: the frozen model, content text, digest, warnings and file-level problems."""
import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine.errors import EngineError, Location, ProgramError
from engine.loader import check_program, check_text, find_content_dir, load_program, load_text

DATA = Path(__file__).resolve().parents[1] / "data"
SOMN = DATA / "somn.yaml"


@pytest.fixture(scope="module")
def somn():
    return load_program(SOMN)


def test_the_sleep_program_loads_into_the_model(somn):
    assert (somn.id, somn.title, somn.version, somn.language, somn.recommended_days) == (
        "somn", "Sömnskolan", "0.3.1", "sv", 42)
    assert [m.id for m in somn.modules] == ["start", "somnvanor", "skiftarbete"]
    assert [(m.kind, m.default_days, m.starts_with_moment) for m in somn.modules] == [
        ("mandatory", None, True), ("mandatory", 14, False), ("individual", 7, False)]
    assert [r.id for r in somn.end_reasons] == ["klar", "avbrutet"]
    assert somn.welcome_text.startswith("Välkommen till Sömnskolan!\n")


def test_steps_carry_their_markdown_text_and_defaults(somn):
    step = somn.step("start", "om-programmet")
    assert step.number == "1"
    assert step.text.startswith("# Om programmet\n\nSömnskolan hjälper dig")
    assert step.audio is True and step.forms == ()
    assert somn.step("somnvanor", "sovrummet").audio is False
    assert somn.step("start", "din-somn").forms == ("somnkvalitet", "somnvanor")


def test_forms_questions_and_scoring_are_built(somn):
    form = somn.form("somnkvalitet")
    assert [q.id for q in form.questions] == ["insomning", "uppvaknanden", "utvilad", "nojd", "oro"]
    assert form.question("uppvaknanden").option("varje-natt").score == 4
    assert (form.question("oro").min, form.question("oro").max) == (0, 4)
    assert form.scoring.reverse == ("utvilad", "nojd")
    assert [(b.min, b.max, b.label) for b in form.scoring.bands] == [
        (0, 5, "Inga eller små sömnbesvär"), (6, 12, "Måttliga sömnbesvär"), (13, 20, "Svåra sömnbesvär")]
    assert form.scoring.subscales[0].items == ("insomning", "uppvaknanden")
    assert form.resubmit is True and len(form.tests) == 5


def test_show_if_and_validation_rules_are_kept_as_source(somn):
    form = somn.form("somnvanor")
    assert form.question("vilket").show_if == "sovmedel == true"
    assert form.question("timmar").validations[0].rule == "timmar >= 2"
    assert form.question("timmar").validations[0].message == "Kontrollera antalet timmar."


def test_golden_test_answers_are_read_by_question_type(somn):
    tests = somn.form("somnvanor").tests
    assert tests[0].answers["laggdags"] == dt.time(22, 30)
    assert tests[0].answers["sovmedel"] is False
    assert tests[2].answers["senast_bra"] == dt.date(2024, 3, 1)


def test_model_objects_know_where_they_were_written(somn):
    assert somn.module("skiftarbete").location == Location(str(SOMN), 47, 5)
    assert somn.form("somnvanor").question("timmar").location == Location(str(SOMN), 145, 9)


def test_the_program_is_frozen(somn):
    with pytest.raises(dataclasses.FrozenInstanceError):
        somn.title = "Annat"
    with pytest.raises(TypeError):
        somn.forms["x"] = None


def test_batteries_and_reminders_are_loaded(somn):
    assert somn.battery("uppfoljning").forms == ("somnkvalitet",)
    assert [(r.id, r.module, r.days_after_start, r.days_before_deadline) for r in somn.reminders] == [
        ("fyll-i", "start", 2, None), ("snart-slut", "somnvanor", None, 3)]


def test_source_and_content_folder_are_recorded(somn):
    assert somn.source_path == str(SOMN)
    assert Path(somn.content_dir) == DATA / "content" / "somn"


def test_the_digest_is_a_stable_sha256(somn):
    again = load_program(SOMN)
    assert again.digest == somn.digest
    assert len(somn.digest) == 64 and int(somn.digest, 16) >= 0


@pytest.fixture
def somn_copy(tmp_path):
    shutil.copy(SOMN, tmp_path / "somn.yaml")
    shutil.copytree(DATA / "content" / "somn", tmp_path / "content" / "somn")
    return tmp_path


def test_the_digest_changes_when_a_content_file_changes(somn_copy, somn):
    assert load_program(somn_copy / "somn.yaml").digest == somn.digest
    page = somn_copy / "content" / "somn" / "somnvanor" / "rutiner.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nEn mening till.\n", encoding="utf-8")
    assert load_program(somn_copy / "somn.yaml").digest != somn.digest


def test_the_digest_changes_when_the_yaml_changes(somn_copy, somn):
    source = somn_copy / "somn.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace('"0.3.1"', '"0.3.2"'), encoding="utf-8")
    assert load_program(source).digest != somn.digest


def test_an_unused_markdown_file_is_a_warning_and_an_error_when_strict(somn_copy):
    (somn_copy / "content" / "somn" / "extra.md").write_text("# Extra\n", encoding="utf-8")
    source = str(somn_copy / "somn.yaml")
    program, problems = check_program(source)
    expected = f"{somn_copy / 'content' / 'somn' / 'extra.md'}:1:1: %s: content file not used by any step in {source}"
    assert program is not None
    assert [p.format() for p in problems] == [expected % "warning"]
    with pytest.raises(ProgramError) as info:
        load_program(source, strict=True)
    assert [p.format() for p in info.value.problems] == [expected % "error"]


def test_markdown_files_named_in_capitals_are_author_notes_not_pages(somn_copy):
    (somn_copy / "content" / "somn" / "README.md").write_text("# Notes\n", encoding="utf-8")
    assert check_program(somn_copy / "somn.yaml")[1] == []


def test_a_content_file_that_is_not_utf8_is_reported(somn_copy):
    (somn_copy / "content" / "somn" / "skiftarbete" / "skift.md").write_bytes(b"# Skift\n\xff\n")
    _, problems = check_program(somn_copy / "somn.yaml")
    assert [p.message for p in problems] == ["content file 'skiftarbete/skift.md' is not valid UTF-8; save it as UTF-8"]
    assert (problems[0].location.line, problems[0].location.col) == (57, 18)


def test_a_missing_program_file_is_a_problem_not_a_crash(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    program, problems = check_program(missing)
    assert program is None
    assert [p.format() for p in problems] == [f"{missing}:1:1: error: cannot read the file: No such file or directory"]


def test_a_program_file_that_is_not_utf8_names_the_byte(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"id: x\ntitle: caf\xe9\n")
    _, problems = check_program(bad)
    assert [p.format() for p in problems] == [
        f"{bad}:2:11: error: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8"]


def test_load_text_uses_the_given_content_folder():
    program = load_text(SOMN.read_text(encoding="utf-8"), "memory.yaml", content_dir=str(DATA / "content" / "somn"))
    assert program.step("skiftarbete", "skift").text.startswith("# När du jobbar skift")


def test_check_text_reports_every_problem_at_once():
    source = SOMN.read_text(encoding="utf-8")
    source = source.replace("kind: individual", "kind: optional").replace("default_days: 14", "default_days: två")
    _, problems = check_text(source, "s.yaml", content_dir=str(DATA / "content" / "somn"))
    assert [p.format() for p in problems] == [
        "s.yaml:36:19: error: default_days: expected a whole number, received the text 'två'",
        "s.yaml:49:11: error: kind: expected mandatory or individual, received the text 'optional'",
    ]


def test_program_error_is_an_engine_error():
    assert issubclass(ProgramError, EngineError)


def test_the_content_folder_is_found_next_to_the_program_or_one_level_up(tmp_path):
    (tmp_path / "programs").mkdir()
    (tmp_path / "content" / "x").mkdir(parents=True)
    assert find_content_dir(str(tmp_path / "programs" / "x.yaml"), "x") == str(tmp_path / "content" / "x")
    (tmp_path / "programs" / "content" / "x").mkdir(parents=True)
    assert find_content_dir(str(tmp_path / "programs" / "x.yaml"), "x") == str(tmp_path / "programs" / "content" / "x")
    assert find_content_dir(str(tmp_path / "programs" / "x.yaml"), "../x") is None


def test_a_given_content_folder_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "nowhere"
    _, problems = check_text(SOMN.read_text(encoding="utf-8"), "s.yaml", content_dir=str(missing))
    assert [p.format() for p in problems] == [f"s.yaml:27:18: error: content folder not found: {missing}"]
