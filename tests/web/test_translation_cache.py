"""The patient's program in their language is worked out once per program version, translations and language
(web.services.patient.language.in_language): never another version's, language's or translations' texts."""
from dataclasses import replace

import pytest

from engine.model import frozen_map
from engine.translate import translate
from web.services.patient import language as language_service


@pytest.fixture
def tobak(programs, monkeypatch):
    """Tobakshjälpen as installed (with its translations); `installed` swaps what get_program returns."""
    installed = {"program": programs["tobakshjalpen"]}
    monkeypatch.setattr(language_service, "get_program", lambda program_id: installed["program"])
    monkeypatch.setattr(language_service, "_TRANSLATED", {})
    return installed


def test_a_program_in_a_language_is_translated_once_and_as_translate_does(tobak):
    program = tobak["program"]
    first = language_service.in_language(program, "en")
    assert language_service.in_language(program, "en") is first
    assert first == translate(program, "en") and first.program.welcome_text != program.welcome_text


def test_each_language_gets_its_own_texts(tobak):
    program = tobak["program"]
    english, arabic = language_service.in_language(program, "en"), language_service.in_language(program, "ar")
    swedish = language_service.in_language(program, None)
    assert (english.language, arabic.language, swedish.language) == ("en", "ar", "sv")
    assert len({english.program.welcome_text, arabic.program.welcome_text, program.welcome_text}) == 3
    assert swedish.program is program


def test_another_version_of_the_program_is_translated_anew(tobak):
    program = tobak["program"]
    language_service.in_language(program, "en")
    edited = replace(program, title="Tobakshjälpen, ny version")  # same id, same translations, another text
    shown = language_service.in_language(edited, "en")
    assert shown == translate(edited, "en")
    assert shown.program.title == "Tobakshjälpen, ny version" and "title" in shown.stale


def test_a_pinned_version_without_the_language_follows_the_installed_translations(tobak):
    program = tobak["program"]
    pinned = replace(program, translations=frozen_map())  # a snapshot of a version without its translations
    english = translate(program, "en").program.welcome_text
    assert english != program.welcome_text
    assert language_service.in_language(pinned, "en").program.welcome_text == english
    tobak["program"] = replace(program, translations=frozen_map({"ar": program.translations["ar"]}))  # reloaded
    assert language_service.in_language(pinned, "en").program.welcome_text == program.welcome_text  # Swedish now


def test_the_cache_keeps_a_bounded_number_of_translations(tobak, monkeypatch):
    monkeypatch.setattr(language_service, "MAX_TRANSLATED", 2)
    program = tobak["program"]
    for title in ("a", "b", "c"):
        language_service.in_language(replace(program, title=title), "en")
    assert len(language_service._TRANSLATED) == 2
