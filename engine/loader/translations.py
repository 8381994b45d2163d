"""Reading and checking a program's translations: content/<program>/<lang>/.

Per declared language (`translations: {en: {complete: [inledning, steg-1]}}` in the YAML):
- `program.po`, a gettext catalogue of the YAML texts: msgctxt = the text's id path (engine.translate),
  msgid = the Swedish source, msgstr = the translation. Fuzzy and empty entries count as missing.
- one Markdown file per translated step at the Swedish file's path (`<lang>/steg-1/motivation.md`),
  starting with front matter that records the sha256 of the Swedish Markdown it was translated from:

      ---
      source-sha256: 5f2c…
      ---

  A page without it (a stub written by `stegvis translations update`, still in Swedish) counts as
  missing, as a fuzzy catalogue entry does: the patient sees the Swedish page until it is stamped.

`check_translations` reports, per language, missing texts of the modules declared complete (plus the
program's title and welcome text) and stale ones (source changed since translation) as warnings, which
`--strict` makes fatal. Texts outside the declared modules may be missing: they fall back to Swedish.
A form's texts (its questions, alert feedback and hold texts: what keeps a patient safe) missing or
stale in a module declared complete are errors: the language is not offered there until they exist.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path as FsPath
from typing import Any, Mapping

from babel.messages.pofile import PoFileError, read_po

from ..errors import Location, Problem
from ..model import Program, Translation, TranslationEntry, frozen_map
from ..translate import (SourceText, fingerprint, is_markdown_key, is_safety_key, required_keys, source_texts,
                         step_key)

#: the catalogue of a language's YAML texts, inside content/<program>/<lang>/
CATALOGUE = "program.po"
_FRONT_MATTER = re.compile(r"\A---\n(?P<head>.*?)\n---\n?", re.DOTALL)
_HEAD_LINE = re.compile(r"(?P<key>[A-Za-z0-9_-]+)\s*:\s*(?P<value>.*?)\s*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def declared_languages(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Language → module ids declared complete, from schema-valid YAML data."""
    declared = data.get("translations") or {}
    return {lang: tuple((spec or {}).get("complete") or ()) for lang, spec in declared.items()}


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(front matter fields, Markdown body) of a translated step file; no front matter gives ({}, text)."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if match is None:
        return {}, text
    fields = {}
    for line in match.group("head").splitlines():
        found = _HEAD_LINE.fullmatch(line)
        if found:
            fields[found.group("key")] = found.group("value")
    return fields, text.replace("\r\n", "\n")[match.end():]


def stub_text(source_markdown: str, language: str, relative: str) -> str:
    """A page to translate: the Swedish Markdown under a note, without front matter (so it is not shown yet)."""
    note = (f"<!-- Översätt sidan till {language} och kör sedan "
            f"`stegvis translations stamp PROGRAM --lang {language} {relative}`. -->\n\n")
    return note + source_markdown


def with_front_matter(source_markdown: str, body: str) -> str:
    """A translated step file: front matter recording the source's sha256, then the translated body."""
    return f"---\nsource-sha256: {fingerprint(step_key('m', 's', 'text'), source_markdown)}\n---\n{body}"


def read_translations(program: Program, declared: Mapping[str, tuple[str, ...]],
                      yaml_locations: Mapping[str, Location | None]) -> tuple[dict[str, Translation], list[Problem]]:
    """Each declared language's catalogue and step files from the program's content folder."""
    problems: list[Problem] = []
    found: dict[str, Translation] = {}
    for lang, complete in declared.items():
        where = yaml_locations.get(lang)
        if lang == program.language:
            problems.append(Problem(where, f"translations: '{lang}' is the program's own language"))
            continue
        for module_id in complete:
            if program.module(module_id) is None:
                problems.append(Problem(where, f"translations.{lang}.complete: unknown module '{module_id}'"))
        folder = os.path.join(program.content_dir, lang) if program.content_dir else ""
        if not folder or not os.path.isdir(folder):
            problems.append(Problem(where, f"translations: folder {folder or lang + '/'} not found", "warning"))
            found[lang] = Translation(lang, complete, location=where)
            continue
        entries: dict[str, TranslationEntry] = {}
        entries.update(_catalogue(os.path.join(folder, CATALOGUE), problems))
        entries.update(_step_files(program, folder, problems))
        found[lang] = Translation(lang, complete, frozen_map(entries), where)
    return found, problems


def _catalogue(path: str, problems: list[Problem]) -> dict[str, TranslationEntry]:
    try:
        raw = FsPath(path).read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        problems.append(Problem(Location(path, 1, 1), f"cannot read the catalogue: {exc.strerror or exc}", "warning"))
        return {}
    try:
        catalog = read_po(io.BytesIO(raw), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        problems.append(Problem(Location(path, 1, 1), f"not a readable PO catalogue: {exc}", "warning"))
        return {}
    entries = {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not isinstance(message.string, str):
            continue  # the header, or a plural entry (the program has none)
        location = Location(path, message.lineno or 1, 1)
        if not message.context:
            problems.append(Problem(location, f"entry without msgctxt (the text's id path): {message.id[:40]!r}",
                                    "warning"))
            continue
        # a fuzzy entry is a guess awaiting review: it is not shown, so it counts as missing
        text = "" if message.fuzzy else message.string
        entries[message.context] = TranslationEntry(text, message.id, location)
    return entries


def _step_files(program: Program, folder: str, problems: list[Problem]) -> dict[str, TranslationEntry]:
    entries = {}
    for module in program.modules:
        for step in module.steps:
            if not step.content:
                continue
            path = os.path.join(folder, step.content)
            try:
                text = FsPath(path).read_text(encoding="utf-8")
            except FileNotFoundError:
                continue
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem(Location(path, 1, 1), f"cannot read the translated page: {exc}", "warning"))
                continue
            fields, body = split_front_matter(text)
            source = fields.get("source-sha256", "")
            if not _SHA256.fullmatch(source):
                # like a fuzzy entry: a page never stamped (a stub of `translations update`) is not shown yet
                problems.append(Problem(Location(path, 1, 1), "front matter 'source-sha256: <hex>' missing: the page "
                                        "is not shown until you translate it and run `stegvis translations stamp`",
                                        "warning"))
                body = ""
            entries[step_key(module.id, step.id, "text")] = TranslationEntry(body, source, Location(path, 1, 1))
    return entries


def check_translations(program: Program) -> list[Problem]:
    """Per language: missing texts of the modules declared complete, stale texts, and unknown ids (warnings)."""
    problems: list[Problem] = []
    sources = {s.key: s for s in source_texts(program)}
    for lang, translation in program.translations.items():
        required = required_keys(program, translation)
        for key in sorted(required, key=list(sources).index):
            entry = translation.entries.get(key)
            if entry is None or not entry.text:
                where = translation.location
                if entry is not None:
                    where = entry.location
                elif is_markdown_key(key):
                    where = Location(os.path.join(program.content_dir, lang, _content_of(program, key)), 1, 1)
                if is_safety_key(key):
                    problems.append(Problem(where, f"{lang}: missing translation of {key}, shown in a module "
                                            f"declared complete ({_modules_of(sources[key], translation)}); "
                                            "translate it or remove the module from "
                                            f"translations.{lang}.complete", "error"))
                else:
                    problems.append(Problem(where, f"{lang}: missing translation of {key}", "warning"))
        for key, entry in translation.entries.items():
            source = sources.get(key)
            if source is None:
                problems.append(Problem(entry.location, f"{lang}: translation of an unknown text {key}", "warning"))
            elif entry.text and entry.source != fingerprint(key, source.text):
                changed = "the Swedish page" if is_markdown_key(key) else "the Swedish text"
                severity = "error" if key in required and is_safety_key(key) else "warning"
                problems.append(Problem(entry.location, f"{lang}: stale translation of {key}: {changed} has changed "
                                        "since it was translated", severity))
    return problems


def _modules_of(source: SourceText, translation: Translation) -> str:
    return ", ".join(m for m in source.modules if m in translation.complete) or "the program's home page"


def _content_of(program: Program, key: str) -> str:
    _, module_id, _, step_id, _ = key.split("/")
    step = program.step(module_id, step_id)
    return step.content or "" if step else ""
