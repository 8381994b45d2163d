"""The patient's language: their choice in Inställningar, and programs shown in it.

A moment runs on a pinned program version; its translations come from the installed program
(content/<program>/<lang>/) and apply wherever their Swedish source is unchanged, so a fixed
translation reaches running moments without a new program version. Answers are always stored with the
Swedish question texts (services.patient.answers snapshots the Swedish form).
"""
from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from engine.model import Program
from engine.translate import Translated, translate

from ...extensions import db
from ...i18n import LANGUAGES
from ...models import Patient
from ...content.programs import get_program
from ..errors import ServiceError


def set_language(patient: Patient, language: str) -> None:
    """Inställningar: the language of the patient's pages and program texts."""
    if language not in LANGUAGES:
        raise ServiceError("Välj ett av språken i listan.", {"language": "Välj ett av språken i listan."})
    patient.language = language
    db.session.commit()


#: (id of the program version, id of the translations applied, language) → (that program, those translations,
#: the Translated): a program version and its translations never change once loaded (frozen), and translating
#: walks every text of the program, on every patient page. The entry holds the objects its key names, so an id
#: in a key can never be another object's while the entry lives; a reloaded program or translation is another
#: object, hence another key.
_TRANSLATED: dict[tuple[int, int, str], tuple[Program, Any, Translated]] = {}
#: a few program versions × languages; the oldest entry goes first
MAX_TRANSLATED = 64
_lock = threading.Lock()


def in_language(program: Program, language: str | None) -> Translated:
    """The program in `language` (the program's own language when None or the same), worked out once per
    program version, translations and language."""
    language = language or program.language
    translations = program.translations
    if language != program.language and language not in translations:
        installed = get_program(program.id)
        if installed is not None and language in installed.translations:
            translations = installed.translations
    key = (id(program), id(translations), language)
    found = _TRANSLATED.get(key)
    if found is not None and found[0] is program and found[1] is translations:
        return found[2]
    source = program if translations is program.translations else replace(program, translations=translations)
    translated = translate(source, language)
    with _lock:
        while len(_TRANSLATED) >= MAX_TRANSLATED:
            del _TRANSLATED[next(iter(_TRANSLATED))]
        _TRANSLATED[key] = (program, translations, translated)
    return translated
