"""Every invalid fixture in tests/data/invalid/ gives exactly these lines (written by hand, not by the loader).

Each fixture is tests/data/mini.yaml with one mistake; paths are relative to tests/data because the
tests run from there, and messages show paths the way they were given.
"""
from pathlib import Path

import pytest

from engine.errors import ProgramError
from engine.loader import check_program, load_program

DATA = Path(__file__).resolve().parents[1] / "data"

EXPECTED = {
    "required_form_not_in_step": [
        "invalid/required_form_not_in_step.yaml:22:26: error: required form 'maar' is not among the forms of "
        "step 'intro'; did you mean 'mar'?",
    ],
    # --- keys and types (JSON Schema)
    "misspelt_module_key": [
        "invalid/misspelt_module_key.yaml:13:5: error: unknown key 'titel' in module; did you mean 'title'?",
    ],
    "misspelt_top_key": [
        "invalid/misspelt_top_key.yaml:6:1: error: unknown key 'langauge' in program; did you mean 'language'?",
    ],
    "misspelt_question_key": [
        "invalid/misspelt_question_key.yaml:30:9: error: unknown key 'requried' in question; "
        "did you mean 'required'?",
    ],
    "unknown_key_without_suggestion": [
        "invalid/unknown_key_without_suggestion.yaml:16:5: error: unknown key 'colour' in module; "
        "allowed keys: id, title, kind, default_days, starts_with_moment, description, suggest, steps",
    ],
    "wrong_type_default_days": [
        "invalid/wrong_type_default_days.yaml:15:19: error: default_days: expected a whole number, "
        "received the text 'sju'",
    ],
    "wrong_type_steps_mapping": [
        "invalid/wrong_type_steps_mapping.yaml:18:7: error: steps: expected a list, received a mapping",
        "invalid/wrong_type_steps_mapping.yaml:24:9: warning: form 'mar' is not shown in any step "
        "and not used by any battery",
        "content/mini/start.md:1:1: warning: content file not used by any step in "
        "invalid/wrong_type_steps_mapping.yaml",
    ],
    "wrong_type_score": [
        "invalid/wrong_type_score.yaml:33:46: error: score: expected a number, received the text 'ett'",
    ],
    "negative_recommended_days": [
        "invalid/negative_recommended_days.yaml:7:19: error: recommended_days: expected at least 0, "
        "received the number -30",
    ],
    "kind_misspelt": [
        "invalid/kind_misspelt.yaml:14:11: error: kind: expected mandatory or individual, "
        "received the text 'mandatori'; did you mean 'mandatory'?",
    ],
    "question_type_unknown": [
        "invalid/question_type_unknown.yaml:36:15: error: type: expected one of (short_text, long_text, "
        "number, single_choice, multiple_choice, scale, yes_no, date, time), received the text 'essay'",
    ],
    "module_id_pattern": [
        "invalid/module_id_pattern.yaml:12:9: error: id: expected an id of lowercase letters a-z, digits, "
        "'-' and '_' (starting with a letter or digit), received the text 'Steg 1'",
    ],
    "missing_required_key": [
        "invalid/missing_required_key.yaml:12:5: error: missing required key 'kind' in module",
    ],
    "empty": [
        "invalid/empty.yaml:1:1: error: program: expected a mapping (key: value lines), received nothing",
    ],
    # --- content files
    "missing_content_file": [
        "invalid/missing_content_file.yaml:21:18: error: content file 'strat.md' not found in content/mini; "
        "did you mean 'start.md'?",
        "content/mini/start.md:1:1: warning: content file not used by any step in "
        "invalid/missing_content_file.yaml",
    ],
    "content_outside_folder": [
        "invalid/content_outside_folder.yaml:21:18: error: content: expected a path to a .md file inside the "
        "program's content folder, such as steg-1/motivation.md, received the text '../start.md'",
        "content/mini/start.md:1:1: warning: content file not used by any step in "
        "invalid/content_outside_folder.yaml",
    ],
    "content_folder_missing": [
        "invalid/content_folder_missing.yaml:21:18: error: content folder not found: expected "
        "invalid/content/maxi or content/maxi",
    ],
    # --- ids unique per level
    "duplicate_module_id": [
        "invalid/duplicate_module_id.yaml:23:9: error: duplicate module id 'start' (first used on line 12)",
    ],
    "duplicate_step_id": [
        "invalid/duplicate_step_id.yaml:23:13: error: duplicate step id 'intro' in module 'start' "
        "(first used on line 18)",
    ],
    "duplicate_form_id": [
        "invalid/duplicate_form_id.yaml:48:9: error: duplicate form id 'mar' (first used on line 24)",
    ],
    "duplicate_question_id": [
        "invalid/duplicate_question_id.yaml:35:13: error: duplicate question id 'humor' in form 'mar' "
        "(first used on line 27)",
    ],
    "duplicate_option_id": [
        "invalid/duplicate_option_id.yaml:33:18: error: duplicate option id 'bra' in question 'humor' "
        "(first used on line 32)",
    ],
    "duplicate_end_reason": [
        "invalid/duplicate_end_reason.yaml:10:10: error: duplicate end reason id 'klar' (first used on line 9)",
    ],
    # --- references
    "unknown_form_in_step": [
        "invalid/unknown_form_in_step.yaml:22:17: error: unknown form 'mr' in step 'intro'; did you mean 'mar'?",
        "invalid/unknown_form_in_step.yaml:24:9: warning: form 'mar' is not shown in any step "
        "and not used by any battery",
    ],
    "battery_unknown_form": [
        "invalid/battery_unknown_form.yaml:49:56: error: unknown form 'maa' in battery 'uppfoljning'; "
        "did you mean 'mar'?",
    ],
    "reminder_without_timing": [
        "invalid/reminder_without_timing.yaml:49:5: error: reminder 'paminn' needs days_after_start, "
        "days_before_deadline, days_after_anchor, days_after_activation or every",
    ],
    # --- questions
    "choice_without_options": [
        "invalid/choice_without_options.yaml:27:9: error: missing required key 'options' in question 'humor' "
        "of type single_choice",
    ],
    "options_on_text_question": [
        "invalid/options_on_text_question.yaml:39:18: error: 'options' is only for single_choice and "
        "multiple_choice questions, not long_text; remove it or change the type",
    ],
    "question_id_keyword": [
        "invalid/question_id_keyword.yaml:35:13: error: question id 'not' is a word of the expression "
        "language; choose another id",
    ],
    "min_greater_than_max": [
        "invalid/min_greater_than_max.yaml:38:14: error: min (10) is greater than max (1)",
    ],
    # --- expressions: the column points inside the quoted string
    "show_if_unknown_question": [
        "invalid/show_if_unknown_question.yaml:38:19: error: show_if: unknown question 'humr'; "
        "did you mean 'humor'?",
    ],
    "show_if_unknown_option": [
        "invalid/show_if_unknown_option.yaml:38:28: error: show_if: 'dalig' is not an option of 'humor' "
        "(options: bra, sadar, daligt)",
    ],
    "show_if_later_question": [
        "invalid/show_if_later_question.yaml:31:19: error: show_if: 'varfor' is asked after this question; "
        "show_if may only use earlier questions",
    ],
    "expression_syntax": [
        "invalid/expression_syntax.yaml:38:25: error: show_if: unexpected '=' at column 7; use '==' to compare",
    ],
    # --- scoring, bands, golden tests
    "scoring_unknown_item": [
        "invalid/scoring_unknown_item.yaml:40:15: error: scoring.items: unknown question 'humr'; "
        "did you mean 'humor'?",
    ],
    "bands_gap": [
        "invalid/bands_gap.yaml:41:9: error: bands leave a gap between 0 and 2",
    ],
    "bands_overlap": [
        "invalid/bands_overlap.yaml:41:9: error: bands 'Bra' (0–1) and 'Sämre' (1–2) overlap",
    ],
    "golden_test_fails": [
        "invalid/golden_test_fails.yaml:44:9: error: golden test 'dåligt ger sämre': expected score 3, got 2",
    ],
    "scoring_expression_without_items": [
        "invalid/scoring_expression_without_items.yaml:40:7: error: scoring: the expression is computed from the "
        "scored items, and without items: no question of this form can be scored, so it never gives a score; give "
        "the options a score (or use number, scale or yes/no questions) and list them under scoring.items",
    ],
    "golden_test_default_items_unanswered": [
        "invalid/golden_test_default_items_unanswered.yaml:49:9: error: golden test 'dåligt ger sämre': expected "
        "score 2, got no score; scoring has no items:, so every question that can carry a score counts, and 'kaffe' "
        "is unanswered here (missing: error gives no score): list the questions that count under scoring.items, "
        "or set missing: zero or prorate",
        "invalid/golden_test_default_items_unanswered.yaml:49:9: error: golden test 'dåligt ger sämre': expected "
        "band 'Sämre', got no band",
    ],
    # --- YAML itself
    "duplicate_yaml_key": [
        "invalid/duplicate_yaml_key.yaml:15:5: error: duplicate key 'title' (first defined on line 13)",
    ],
    "yaml_tab_indent": [
        "invalid/yaml_tab_indent.yaml:19:1: error: YAML syntax error: a tab character cannot be used for "
        "indentation; use spaces",
    ],
    "yaml_bad_indent": [
        "invalid/yaml_bad_indent.yaml:14:4: error: YAML syntax error: bad indentation: this line does not "
        "line up with the block that starts at line 12, column 3",
    ],
    "yaml_unclosed_quote": [
        "invalid/yaml_unclosed_quote.yaml:19:17: error: YAML syntax error: the quoted text starting here "
        "runs on to line 38; is its closing \" missing?",
    ],
    "yaml_unclosed_quote_at_end": [
        "invalid/yaml_unclosed_quote_at_end.yaml:47:15: error: YAML syntax error: the quoted text starting "
        "here has no closing \"; add it or remove the opening one",
    ],
    "yaml_two_documents": [
        "invalid/yaml_two_documents.yaml:48:1: error: YAML syntax error: a program file holds one YAML "
        "document; remove this '---' and what follows",
    ],
    # --- YAML 1.1 surprises where the schema wants text
    "title_no": [
        "invalid/title_no.yaml:13:12: error: title: expected text, received the boolean false "
        "(YAML reads no as false); quote it: \"no\"",
    ],
    "number_sexagesimal": [
        "invalid/number_sexagesimal.yaml:19:17: error: number: expected text, received the number 90 "
        "(YAML reads 1:30 as a base-60 number); quote it: \"1:30\"",
    ],
    "version_date": [
        "invalid/version_date.yaml:5:10: error: version: expected text, received a date "
        "(YAML reads 2024-05-01 as a date); quote it: \"2024-05-01\"",
    ],
    "option_id_octal": [
        "invalid/option_id_octal.yaml:33:18: error: id: expected text, received the number 8 "
        "(YAML reads 010 as an octal number); quote it: \"010\"",
    ],
    # --- warnings only
    "unused_form": [
        "invalid/unused_form.yaml:23:9: warning: form 'mar' is not shown in any step and not used by any battery",
    ],
}


@pytest.fixture(autouse=True)
def in_data_dir(monkeypatch):
    monkeypatch.chdir(DATA)


def test_every_invalid_fixture_has_expected_lines():
    on_disk = {p.stem for p in (DATA / "invalid").glob("*.yaml")}
    assert on_disk == set(EXPECTED)
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture_reports_exactly_the_expected_lines(name):
    program, problems = check_program(f"invalid/{name}.yaml")
    assert [p.format() for p in problems] == EXPECTED[name]
    has_error = any(line.split(": ")[1] == "error" for line in EXPECTED[name])
    assert (program is None) == has_error


@pytest.mark.parametrize("name", sorted(n for n, lines in EXPECTED.items() if ": error: " in lines[0]))
def test_load_program_raises_program_error_with_the_same_lines(name):
    with pytest.raises(ProgramError) as info:
        load_program(f"invalid/{name}.yaml")
    assert str(info.value).splitlines() == EXPECTED[name]


def test_strict_turns_the_unused_form_warning_into_an_error():
    program, problems = check_program("invalid/unused_form.yaml", strict=True)
    assert program is None
    assert [p.format() for p in problems] == [
        "invalid/unused_form.yaml:23:9: error: form 'mar' is not shown in any step and not used by any battery",
    ]


def test_the_valid_base_of_the_fixtures_loads_without_problems():
    program, problems = check_program("mini.yaml")
    assert problems == []
    assert program is not None and program.id == "mini"


def test_a_step_whose_forms_is_a_number_is_reported_not_a_crash():
    """Found by the hypothesis mutation test: `forms: 5` once raised TypeError in the unused-forms check."""
    import re

    from engine.loader import check_text

    source = (Path(__file__).resolve().parents[1] / "data" / "mini.yaml").read_text(encoding="utf-8")
    match = re.search(r"forms: \[[^\]]*\]", source)
    program, problems = check_text(source[:match.start()] + "forms: 5" + source[match.end():], "mini.yaml")
    assert program is None
    assert any("forms" in str(p) and "expected a list" in str(p) for p in problems), [str(p) for p in problems]
