"""Translations: reading content/<program>/<lang>/, translate(), and validate's missing/stale warnings.

tests/data/i18n/kort.yaml declares `en: {complete: [start]}`; its English catalogue and page translate
the title, welcome text and everything in module `start`, and nothing in module `mer`.
"""
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from engine.loader import check_program, load_program
from engine.translate import source_texts, translate

DATA = Path(__file__).resolve().parents[1] / "data" / "i18n"


@pytest.fixture
def kort(tmp_path):
    """A private copy of the i18n test program: (yaml path, content folder)."""
    shutil.copytree(DATA, tmp_path / "i18n")
    return tmp_path / "i18n" / "kort.yaml", tmp_path / "i18n" / "content" / "kort"


def messages(path, strict=False):
    _, problems = check_program(path, strict=strict)
    return [(p.severity, p.message) for p in problems]


def test_a_complete_translation_validates_strictly_without_warnings():
    assert messages(DATA / "kort.yaml", strict=True) == []


def test_translate_replaces_every_translated_text_and_keeps_ids():
    program = load_program(DATA / "kort.yaml")
    en = translate(program, "en")
    shown = en.program
    assert shown.language == "en" and shown.title == "Short program"
    assert shown.welcome_text == "Welcome to the program."
    assert shown.step("start", "hej").title == "Hello"
    assert shown.step("start", "hej").text == "# Hello\n\nThis is the first page.\n"
    question = shown.form("maende").question("mar")
    assert question.text == "How are you today?"
    assert [(o.id, o.label, o.score) for o in question.options] == [("bra", "Good", 0), ("daligt", "Bad", 1)]
    assert [(b.label, b.feedback) for b in shown.form("maende").scoring.bands] == [
        ("Good", "Good to hear."), ("Bad", None)]
    assert shown.form("maende").alert("daligt").feedback == "Contact your therapist if you feel bad."
    assert shown.form("maende").alert("daligt").title == "Mår dåligt"  # the clinician's flag stays Swedish
    assert en.step_translated("start", "hej")


def test_untranslated_texts_fall_back_to_swedish_and_are_named_missing():
    en = translate(load_program(DATA / "kort.yaml"), "en")
    assert en.program.module("mer").title == "Mer att läsa"
    assert en.program.step("mer", "las").text == "# Läs mer\n\nMer text.\n"
    assert en.missing == {"module/mer/title", "module/mer/step/las/title", "module/mer/step/las/text"}
    assert en.stale == frozenset()
    assert not en.step_translated("mer", "las")


def test_the_source_language_and_unknown_languages_translate_to_the_program_itself():
    program = load_program(DATA / "kort.yaml")
    assert translate(program, "sv").program is program
    ar = translate(program, "ar")
    assert ar.program.title == "Kort program" and ar.program.language == "ar"
    assert ar.missing == {s.key for s in source_texts(program)}


def test_a_missing_text_of_a_complete_module_is_a_warning_fatal_under_strict(kort):
    yaml_path, content = kort
    po = content / "en" / "program.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Start"', 'msgstr ""'), encoding="utf-8")
    assert messages(yaml_path) == [("warning", "en: missing translation of module/start/title")]
    program, problems = check_program(yaml_path, strict=True)
    assert program is None and [p.severity for p in problems] == ["error"]


def test_a_missing_form_text_of_a_complete_module_refuses_the_program_even_without_strict(kort):
    yaml_path, content = kort
    po = content / "en" / "program.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "How are you today?"', 'msgstr ""'),
                  encoding="utf-8")
    program, problems = check_program(yaml_path)
    assert program is None
    assert [(p.severity, p.message) for p in problems] == [
        ("error", "en: missing translation of form/maende/question/mar/text, shown in a module declared complete "
                  "(start); translate it or remove the module from translations.en.complete")]


def test_a_missing_page_of_a_complete_module_is_reported_at_its_expected_path(kort):
    yaml_path, content = kort
    (content / "en" / "start" / "hej.md").unlink()
    _, problems = check_program(yaml_path)
    assert [(p.location.file, p.message) for p in problems] == [
        (str(content / "en" / "start" / "hej.md"), "en: missing translation of module/start/step/hej/text")]


def test_a_catalogue_entry_whose_swedish_text_changed_is_stale_and_not_shown(kort):
    yaml_path, _ = kort
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "text: Hur mår du i dag?", "text: Hur mår du just nu?"), encoding="utf-8")
    # a form's text (what keeps a patient safe) is refused stale, not only warned about
    assert messages(yaml_path) == [("error", "en: stale translation of form/maende/question/mar/text: "
                                             "the Swedish text has changed since it was translated")]
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("en: {complete: [start]}", "en: {complete: []}"),
                         encoding="utf-8")
    en = translate(load_program(yaml_path), "en")
    assert en.program.form("maende").question("mar").text == "Hur mår du just nu?"
    assert en.stale == {"form/maende/question/mar/text"}


def test_a_page_whose_swedish_source_changed_is_stale_until_stamped(kort):
    yaml_path, content = kort
    (content / "start" / "hej.md").write_text("# Hej\n\nDet här är den nya första sidan.\n", encoding="utf-8")
    assert messages(yaml_path) == [("warning", "en: stale translation of module/start/step/hej/text: "
                                               "the Swedish page has changed since it was translated")]
    assert not translate(load_program(yaml_path), "en").step_translated("start", "hej")
    result = CliRunner().invoke(main, ["translations", "stamp", str(yaml_path), "--lang", "en", "start/hej.md"])
    assert result.exit_code == 0, result.output
    assert messages(yaml_path) == []
    assert (content / "en" / "start" / "hej.md").read_text(encoding="utf-8").startswith("---\nsource-sha256: ")


def test_a_fuzzy_entry_counts_as_missing(kort):
    yaml_path, content = kort
    po = content / "en" / "program.po"
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgctxt "module/start/title"', '#, fuzzy\nmsgctxt "module/start/title"'), encoding="utf-8")
    assert messages(yaml_path) == [("warning", "en: missing translation of module/start/title")]


def test_an_entry_for_an_unknown_text_is_a_warning(kort):
    yaml_path, content = kort
    po = content / "en" / "program.po"
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgctxt "module/borta/title"\nmsgid "Borta"\nmsgstr "Gone"\n',
                  encoding="utf-8")
    assert messages(yaml_path) == [("warning", "en: translation of an unknown text module/borta/title")]


def test_texts_outside_the_complete_modules_may_be_missing_but_declaring_them_complete_warns(kort):
    yaml_path, _ = kort
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "complete: [start]", "complete: [start, mer]"), encoding="utf-8")
    # problems come in file order: the missing page, then the catalogue's empty entries
    assert messages(yaml_path) == [
        ("warning", "en: missing translation of module/mer/step/las/text"),
        ("warning", "en: missing translation of module/mer/title"),
        ("warning", "en: missing translation of module/mer/step/las/title"),
    ]


def test_declaring_an_unknown_module_or_the_source_language_is_an_error(kort):
    yaml_path, _ = kort
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "  en: {complete: [start]}", "  en: {complete: [strat]}\n  sv: {}"), encoding="utf-8")
    assert sorted(messages(yaml_path)) == [
        ("error", "translations.en.complete: unknown module 'strat'"),
        ("error", "translations: 'sv' is the program's own language"),
    ]


def test_translated_pages_are_not_reported_as_unused_content_files():
    assert not any("not used by any step" in m for _, m in messages(DATA / "kort.yaml"))


def test_update_writes_new_texts_and_marks_changed_ones_fuzzy_keeping_translations(kort):
    yaml_path, content = kort
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "text: Hur mår du i dag?", "text: Hur mår du i dag, på det hela taget?"), encoding="utf-8")
    result = CliRunner().invoke(main, ["translations", "update", str(yaml_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    po = (content / "en" / "program.po").read_text(encoding="utf-8")
    assert ('#, fuzzy\n#| msgid "Hur mår du i dag?"\nmsgctxt "form/maende/question/mar/text"\n'
            'msgid "Hur mår du i dag, på det hela taget?"\nmsgstr "How are you today?"') in po
    assert 'msgctxt "module/mer/title"\nmsgid "Mer att läsa"\nmsgstr ""' in po
    assert 'msgstr "Good to hear."' in po
    # the fuzzy entry awaits review: a form text of a complete module, so the program is refused until then
    assert messages(yaml_path) == [("error", "en: missing translation of form/maende/question/mar/text, shown in "
                                             "a module declared complete (start); translate it or remove the module "
                                             "from translations.en.complete")]


def _declare_complete(yaml_path, modules: str) -> None:
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "en: {complete: [start]}", f"en: {{complete: [{modules}]}}"), encoding="utf-8")


def test_update_writes_a_stub_for_every_missing_page_of_the_modules_declared_complete(kort):
    yaml_path, content = kort
    _declare_complete(yaml_path, "start, mer")
    translated = (content / "en" / "start" / "hej.md").read_bytes()
    result = CliRunner().invoke(main, ["translations", "update", str(yaml_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    stub = content / "en" / "mer" / "las.md"
    assert stub.read_text(encoding="utf-8") == (
        "<!-- Översätt sidan till en och kör sedan `stegvis translations stamp PROGRAM --lang en mer/las.md`. -->\n\n"
        "# Läs mer\n\nMer text.\n")
    assert f"{stub}: stub written" in result.output
    assert "1 page stubs written for the modules declared complete (start, mer)" in result.output
    assert (content / "en" / "start" / "hej.md").read_bytes() == translated  # a translated page is never overwritten


def test_a_stub_is_not_shown_until_translated_and_stamped(kort):
    yaml_path, content = kort
    _declare_complete(yaml_path, "start, mer")
    CliRunner().invoke(main, ["translations", "update", str(yaml_path), "--lang", "en"])
    stub = content / "en" / "mer" / "las.md"
    at_stub = [p.message for p in check_program(yaml_path)[1] if p.location and p.location.file == str(stub)]
    assert at_stub == ["front matter 'source-sha256: <hex>' missing: the page is not shown until you translate it "
                       "and run `stegvis translations stamp`", "en: missing translation of module/mer/step/las/text"]
    assert translate(load_program(yaml_path), "en").program.step("mer", "las").text == "# Läs mer\n\nMer text.\n"
    stub.write_text("# Read more\n\nMore text.\n", encoding="utf-8")
    stamped = CliRunner().invoke(main, ["translations", "stamp", str(yaml_path), "--lang", "en", "mer/las.md"])
    assert stamped.exit_code == 0, stamped.output
    assert translate(load_program(yaml_path), "en").program.step("mer", "las").text == "# Read more\n\nMore text.\n"
    assert not [p for p in check_program(yaml_path)[1] if p.location and p.location.file == str(stub)]


def test_update_writes_no_stub_outside_the_modules_declared_complete(kort):
    yaml_path, content = kort
    result = CliRunner().invoke(main, ["translations", "update", str(yaml_path), "--lang", "en"])
    assert not (content / "en" / "mer").exists()
    assert "0 page stubs written for the modules declared complete (start)" in result.output
    arabic = CliRunner().invoke(main, ["translations", "update", str(yaml_path), "--lang", "ar"])
    assert "no module is declared complete for ar" in arabic.output and not (content / "ar" / "start").exists()


def test_an_untranslated_hold_text_refuses_a_language_declared_complete_where_the_hold_is_shown(kort):
    yaml_path, _ = kort
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "        feedback: Kontakta din behandlare om du mår dåligt.\n",
        "        feedback: Kontakta din behandlare om du mår dåligt.\n"
        "        holds: {modules: [mer], text: Din behandlare tittar på dina svar först.}\n"), encoding="utf-8")
    # the hold is shown in `start` (where the form is) and in the held `mer`: `start` is declared complete
    assert messages(yaml_path) == [
        ("error", "en: missing translation of form/maende/alerts/daligt/holds, shown in a module declared complete "
                  "(start); translate it or remove the module from translations.en.complete")]
    # with `start` no longer declared complete, the hold text may fall back to Swedish
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("en: {complete: [start]}",
                                                                       "en: {complete: []}"), encoding="utf-8")
    assert messages(yaml_path) == []
    held = translate(load_program(yaml_path), "en").program.form("maende").alert("daligt").holds
    assert held.text == "Din behandlare tittar på dina svar först."


def test_the_translations_tool_loads_a_program_its_missing_safety_texts_make_invalid(kort):
    yaml_path, content = kort
    po = content / "en" / "program.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Contact your therapist if you feel bad."',
                                                         'msgstr ""'), encoding="utf-8")
    assert [s for s, _ in messages(yaml_path)] == ["error"]
    result = CliRunner().invoke(main, ["translations", "update", str(yaml_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
