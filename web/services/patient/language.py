"""The patient's language: their choice in Inställningar, and programs shown in it.

A moment runs on a pinned program version; its translations come from the installed program
(content/<program>/<lang>/) and apply wherever their Swedish source is unchanged, so a fixed
translation reaches running moments without a new program version. Answers are always stored with the
Swedish question texts (services.patient.answers snapshots the Swedish form).
"""
from __future__ import annotations

from dataclasses import replace

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


def in_language(program: Program, language: str | None) -> Translated:
    """The program in `language` (the program's own language when None or the same)."""
    language = language or program.language
    if language != program.language and language not in program.translations:
        installed = get_program(program.id)
        if installed is not None and language in installed.translations:
            program = replace(program, translations=installed.translations)
    return translate(program, language)
