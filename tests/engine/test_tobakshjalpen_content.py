"""Issue 7's content rules for Tobakshjälpen, enforced on the real program."""
from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from engine.loader import check_program, load_program
from engine.authoring.outline import outline_data
from engine.authoring.speech import speech_text

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "programs" / "tobakshjalpen.yaml"


@pytest.fixture(scope="module")
def outline():
    return outline_data(load_program(PROGRAM))


def all_steps(outline):
    return [(m["id"], s) for m in outline["modules"] for s in m["steps"]]


def test_program_is_clean_under_strict_validation():
    program, problems = check_program(PROGRAM, strict=True)
    assert program is not None
    assert [p.format() for p in problems] == []


def test_every_step_has_real_text_unless_it_only_holds_a_form(outline):
    short = [f"{m}/{s['id']}: {s['words']} words" for m, s in all_steps(outline)
             if s["words"] < 150 and not s["forms"]]
    assert short == []
    # steps holding a form still carry an introduction worth reading
    assert all(s["words"] >= 100 for _, s in all_steps(outline))


def test_no_step_is_longer_than_about_600_words(outline):
    assert [f"{m}/{s['id']}" for m, s in all_steps(outline) if s["words"] > 600] == []


def test_median_lix_is_at_most_40_and_no_step_is_above_50(outline):
    lix = {f"{m}/{s['id']}": s["lix"] for m, s in all_steps(outline)}
    assert statistics.median(lix.values()) <= 40
    assert {k: v for k, v in lix.items() if v > 50} == {}


def test_every_step_ends_with_an_exercise_or_takeaway():
    program = load_program(PROGRAM)
    headings = ("## Övning", "## Att ta med dig")
    missing = []
    for module in program.modules:
        for step in module.steps:
            last_heading = [line for line in step.text.splitlines() if line.startswith("## ")][-1:]
            if not (last_heading and last_heading[0].startswith(headings)):
                missing.append(f"{module.id}/{step.id}")
    assert missing == []


def test_the_fourteen_modules_have_the_manuals_titles_kinds_and_days(outline):
    got = [(m["title"].split(" – ")[0], m["kind"], m["default_days"], m["starts_with_moment"])
           for m in outline["modules"]]
    assert got == [
        ("Inledning", "mandatory", None, True),  # the YAML's 0 = no limit
        ("Bra att veta", "mandatory", None, True),
        ("Steg 1 Uppvärmning och förberedelser", "mandatory", 7, True),
        ("Graviditet och tobak", "individual", 7, False),
        ("Operation och tobak", "individual", 7, False),
        ("Ung och tobak", "individual", 7, False),
        ("Cancer och tobak", "individual", 7, False),
        ("Steg 2 Uppstart och stoppfasen", "mandatory", 14, False),
        ("Steg 3 Håll i och håll ut", "mandatory", 42, False),
        ("Steg 4 Återkoppling och uppföljning", "mandatory", 30, False),
        ("Steg 5 Återkoppling och uppföljning", "mandatory", 7, False),
        ("Steg 6 Återkoppling och uppföljning", "mandatory", 7, False),
        ("Steg 7 Återkoppling och uppföljning", "mandatory", 7, False),
        ("Avslutningsfrågor om Tobakshjälpen", "mandatory", 7, False),
    ]


def test_steg_1_and_steg_4_have_the_manuals_steps(outline):
    steps = {m["id"]: [(s["number"], s["title"]) for s in m["steps"]] for m in outline["modules"]}
    assert steps["steg-1"] == [
        ("1.1", "Så här ökar du motivationen"),
        ("1.2", "Kartlägg dina tobaksvanor"),
        ("1.3", "Lär dig av tidigare erfarenheter"),
        ("1.4", "Stoppdagen – dags att välja dag"),
    ]
    assert steps["steg-4"] == [
        ("4.1", "Påminn dig själv om vad du uppnått"),
        ("4.2", "Återfall"),
        ("4.3", "Summering"),
        ("4.4", "Tänk att du tagit det stora beslutet att förbli tobaksfri"),
    ]


def test_follow_up_forms_in_steg_5_to_7_ask_the_russell_standard_questions():
    program = load_program(PROGRAM)
    for module_id in ("steg-5", "steg-6", "steg-7"):
        form_ids = [f for s in program.module(module_id).steps for f in s.forms]
        assert len(form_ids) == 1, module_id
        texts = " ".join(q.text.lower() for q in program.form(form_ids[0]).questions)
        assert "7 dagar" in texts or "sju dagar" in texts  # point prevalence, last 7 days
        assert "fem gånger" in texts  # continuous abstinence allowing up to five lapses
        assert "stoppdag" in texts


def test_speech_text_of_every_step_reads_no_markdown_symbols_or_abbreviations():
    program = load_program(PROGRAM)
    for module in program.modules:
        step = module.steps[0]  # one step per module, as a listener would check
        text = speech_text(step.title, step.text)
        for symbol in ("#", "**", "* ", "t.ex.", "bl.a.", " ca ", "kl."):
            assert symbol not in text, (module.id, step.id, symbol)


def test_ftnd_has_the_standard_bands_and_golden_tests_covering_both_ends():
    form = load_program(PROGRAM).form("ftnd")
    assert [(b.min, b.max, b.label) for b in form.scoring.bands] == [
        (0, 2, "Mycket lågt beroende"),
        (3, 4, "Lågt beroende"),
        (5, 5, "Medelhögt beroende"),
        (6, 7, "Högt beroende"),
        (8, 10, "Mycket högt beroende"),
    ]
    scores = {t.score for t in form.tests if t.valid}
    assert {0, 10} <= scores
    assert len(form.questions) == 6
