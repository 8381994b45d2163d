"""Every program in programs/ loads cleanly, declares its schema for editors, and Tobakshjälpen has its 14 modules."""
from pathlib import Path

import pytest

from engine.loader import check_program, load_program

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = sorted((ROOT / "programs").glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=../engine/program.schema.json\n"


def test_there_is_at_least_one_program():
    assert [p.name for p in PROGRAMS if p.name == "tobakshjalpen.yaml"] == ["tobakshjalpen.yaml"]


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_program_loads_without_errors_or_warnings(path):
    program, problems = check_program(path)
    assert [p.format() for p in problems] == []
    assert program is not None and f"{program.id}.yaml" == path.name


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_program_starts_with_the_schema_line_for_editors(path):
    with path.open(encoding="utf-8") as f:
        assert f.readline() == SCHEMA_LINE
    assert (path.parent / "../engine/program.schema.json").resolve().is_file()


def test_tobakshjalpen_has_the_manuals_14_modules_in_order_with_default_days():
    program = load_program(ROOT / "programs" / "tobakshjalpen.yaml")
    assert [(m.title, m.default_days) for m in program.modules] == [
        ("Inledning", None),  # the YAML's 0 = no limit
        ("Bra att veta", None),
        ("Steg 1 Uppvärmning och förberedelser – lägg en bra grund", 7),
        ("Graviditet och tobak", 7),
        ("Operation och tobak", 7),
        ("Ung och tobak", 7),
        ("Cancer och tobak", 7),
        ("Steg 2 Uppstart och stoppfasen – var nyfiken och aktiv", 14),
        ("Steg 3 Håll i och håll ut – bygg vidare på säkerheten", 42),
        ("Steg 4 Återkoppling och uppföljning – en framtid som tobaksfri", 30),
        ("Steg 5 Återkoppling och uppföljning – 3 månader", 7),
        ("Steg 6 Återkoppling och uppföljning – 6 månader", 7),
        ("Steg 7 Återkoppling och uppföljning – 12 månader", 7),
        ("Avslutningsfrågor om Tobakshjälpen", 7),
    ]
    assert [m.title for m in program.modules if m.starts_with_moment] == [
        "Inledning", "Bra att veta", "Steg 1 Uppvärmning och förberedelser – lägg en bra grund"]
    assert [m.title[:6] for m in program.modules if m.kind == "mandatory" and m.title.startswith("Steg")] == [
        f"Steg {n}" for n in range(1, 8)]
    assert {m.title for m in program.modules if m.kind == "individual"} == {
        "Graviditet och tobak", "Operation och tobak", "Ung och tobak", "Cancer och tobak"}
    assert program.recommended_days == 365
