"""engine.authoring.diff on hand-made version pairs (tests/data/diff/: v1.yaml and later versions of it),
and the `migrations:` section of the loader. Expected lines are written by hand from the YAML files."""
from dataclasses import replace
from pathlib import Path

import pytest

from engine.authoring.diff import diff_lines, diff_programs
from engine.errors import ProgramError
from engine.loader import load_program

DIFF = Path(__file__).resolve().parents[1] / "data" / "diff"


@pytest.fixture(scope="module")
def v1():
    return load_program(DIFF / "v1.yaml")


def diff_to(v1, name):
    return diff_programs(v1, load_program(DIFF / name))


def test_identical_versions_have_no_changes(v1):
    result = diff_programs(v1, v1)
    assert result.changes == () and result.ok and not result.content_changed


def test_safe_changes_are_all_classified_safe(v1):
    result = diff_to(v1, "safe.yaml")
    assert diff_lines(result) == [
        "safe: program text changed (title)",
        "safe: module start step intro text changed (title)",
        "safe: modules reordered",
        "safe: module steg-3 added",
        "safe: form mar question humor text changed (text)",
        "safe: form mar question varfor text changed (help)",
        "safe: form mar band 0–0 label changed (Bra → Mycket bra)",
        "safe: options of form vanor question frekvens reordered",
        "safe: form vanor question mellanmal added (optional)",
        "safe: form somn added",
    ]
    assert result.ok and result.counts == {"safe": 10, "mapped": 0, "needs_mapping": 0, "breaking": 0}


def test_a_changed_markdown_text_is_safe(v1):
    start = v1.modules[0]
    edited = replace(start, steps=(replace(start.steps[0], text="# Välkommen\n\nNy text.\n"), start.steps[1]))
    result = diff_programs(v1, replace(v1, version="1.0.1", modules=(edited, *v1.modules[1:]), digest="x"))
    assert diff_lines(result) == ["safe: module start step intro text changed (Markdown text)"]


def test_renames_without_a_migration_need_a_mapping(v1):
    result = diff_to(v1, "renamed.yaml")
    assert [line for line in diff_lines(result) if not line.startswith("safe")] == [
        "needs mapping: module steg-2 step vikt removed",
        "needs mapping: module extra removed",
        "needs mapping: form mar question varfor removed",
        "needs mapping: form vanor removed",
        "needs mapping: battery uppfoljning removed",
        "needs mapping: end reason avbruten removed",
    ]
    # a rename is a removal plus an addition; the additions are safe
    assert "safe: module individuellt added" in diff_lines(result)
    assert "safe: module steg-2 step vikt-och-mat added" in diff_lines(result)
    assert not result.ok and result.migration is None
    assert result.of("needs_mapping")[1].path == "extra"
    assert result.of("needs_mapping")[1].reason == "Modulen ”Extra” finns inte i version 1.1.0 och saknar mappning"


def test_a_changed_option_id_needs_a_mapping(v1):
    vanor = v1.forms["vanor"]
    frekvens = replace(vanor.questions[0], options=(replace(vanor.questions[0].options[0], id="aldrig"),
                                                    *vanor.questions[0].options[1:]))
    new = replace(v1, version="1.0.1", forms={**v1.forms, "vanor": replace(vanor, questions=(frekvens, vanor.questions[1]))})
    assert diff_lines(diff_programs(v1, new)) == [
        "needs mapping: form vanor question frekvens option sallan removed",
        "safe: form vanor question frekvens option aldrig added",
    ]


def test_the_migration_from_the_old_version_maps_every_rename(v1):
    result = diff_to(v1, "mapped.yaml")
    assert diff_lines(result) == [
        "mapped: module steg-2 step vikt mapped to steg-2/vikt-och-mat",
        "mapped: module extra mapped to individuellt",
        "mapped: form mar question varfor mapped to mar/beratta",
        "mapped: form vanor mapped to levnadsvanor",
        "mapped: form vanor (now levnadsvanor) question frekvens option sallan mapped to levnadsvanor/frekvens/aldrig",
        "mapped: battery uppfoljning mapped to uppfoljning-1",
        "mapped: end reason avbruten dropped",
    ]
    assert result.ok and result.migration == "1.0.0" and result.unused_mappings == ()
    assert result.of("mapped")[-1].target == "drop"


def test_breaking_changes(v1):
    result = diff_to(v1, "breaking.yaml")
    assert diff_lines(result) == [
        "breaking: form mar question humor option daligt score changed from 2 to 3",
        "breaking: form mar question sovit added (required)",
        "breaking: form mar bands changed (0–0, 1–2 → 0–0, 1–3)",
        "breaking: form vanor question antal type changed from number to short_text",
    ]
    assert not result.ok
    assert [c.kind for c in result.changes] == ["option.score", "question.added", "scoring.bands", "question.type"]
    assert result.changes[0].reason == ("Formuläret ”Hur mår du?” har ändrad poängsättning "
                                        "(svarsalternativet ”Dåligt” ger 3 poäng i stället för 2)")


def test_scoring_method_reverse_and_expression_changes_are_breaking(v1):
    mar = v1.forms["mar"]
    scoring = replace(mar.scoring, method="mean", reverse=("humor",))
    new = replace(v1, version="2.0.0", forms={**v1.forms, "mar": replace(mar, scoring=scoring)})
    assert diff_lines(diff_programs(v1, new)) == [
        "breaking: form mar scoring: method sum → mean",
        "breaking: form mar scoring: reverse items changed",
    ]
    unscored = replace(v1, version="2.0.0", forms={**v1.forms, "mar": replace(mar, scoring=None)})
    assert diff_lines(diff_programs(v1, unscored)) == ["breaking: form mar scoring removed"]


def test_a_renamed_question_in_a_score_expression_is_not_a_scoring_change(v1):
    mar = v1.forms["mar"]
    old = replace(v1, forms={**v1.forms, "mar": replace(mar, scoring=replace(mar.scoring, expression="humor * 1"))})
    humor = replace(mar.questions[0], id="kansla")
    renamed = replace(mar, questions=(humor, mar.questions[1]),
                      scoring=replace(mar.scoring, expression="kansla * 1"))
    migration = replace(load_program(DIFF / "mapped.yaml").migrations[0], questions={"mar/humor": "mar/kansla"},
                        modules={}, steps={}, forms={}, options={}, batteries={}, end_reasons={})
    new = replace(v1, version="1.1.0", forms={**v1.forms, "mar": renamed}, migrations=(migration,))
    assert diff_lines(diff_programs(old, new)) == ["mapped: form mar question humor mapped to mar/kansla"]


def test_a_required_question_made_optional_is_safe_and_the_reverse_is_breaking(v1):
    mar = v1.forms["mar"]
    optional = replace(mar, questions=(replace(mar.questions[0], required=False), mar.questions[1]))
    new = replace(v1, version="1.0.1", forms={**v1.forms, "mar": optional})
    assert diff_lines(diff_programs(v1, new)) == ["safe: form mar question humor is no longer required"]
    assert diff_lines(diff_programs(new, replace(v1, version="1.0.2"))) == [
        "breaking: form mar question humor is now required"]


def test_same_version_with_other_content_is_flagged(v1):
    result = diff_programs(v1, replace(load_program(DIFF / "safe.yaml"), version="1.0.0"))
    assert result.version_unchanged and result.ok


# --- migrations: in the loader -------------------------------------------------------------------


def test_the_loader_builds_migrations_into_the_model():
    program = load_program(DIFF / "mapped.yaml")
    (migration,) = program.migrations
    assert program.migration_from("1.0.0") is migration and program.migration_from("0.9") is None
    assert dict(migration.modules) == {"extra": "individuellt"}
    assert dict(migration.steps) == {"steg-2/vikt": "steg-2/vikt-och-mat"}
    assert dict(migration.options) == {"vanor/frekvens/sallan": "levnadsvanor/frekvens/aldrig"}
    assert dict(migration.end_reasons) == {"avbruten": "drop"}
    assert migration.location.line == 64


def test_migration_mistakes_are_located_errors(monkeypatch):
    monkeypatch.chdir(DIFF.parent)
    with pytest.raises(ProgramError) as caught:
        load_program("diff/bad_migration.yaml")
    assert str(caught.value).splitlines() == [
        "diff/bad_migration.yaml:65:22: error: migration from 1.0.0: module 'individuel' does not exist in this "
        "version (1.1.0); did you mean 'individuellt'?",
        "diff/bad_migration.yaml:66:26: error: migration from 1.0.0: step 'steg-2/vikt-mat' does not exist in this "
        "version (1.1.0); did you mean 'steg-2/vikt-och-mat'?",
        "diff/bad_migration.yaml:67:29: error: migration from 1.0.0: question 'mar/berattelse' does not exist in "
        "this version (1.1.0); did you mean 'mar/beratta'?",
        "diff/bad_migration.yaml:70:11: error: migration from 1.1.0: this is the program's own version; a migration "
        "moves moments from an older version",
        "diff/bad_migration.yaml:72:11: error: duplicate migration from 1.0.0 (first on line 64)",
        "diff/bad_migration.yaml:73:13: error: steps: expected module/step (e.g. steg-3/vikt) as key, "
        "received 'vikt'",
    ]
