"""`migrations:` in a program: how moments on older versions move to this one.

Each entry maps old ids to ids in *this* version (or to `drop`). The loader checks what it can know
from this version alone: every target exists here, `from` names an older version (not this one) and is
listed once. Whether every removal of the older version is mapped is checked against the older
version itself (`stegvis diff`, `stegvis validate --against`).
"""
from __future__ import annotations

from typing import Any, Iterator

from ..errors import Problem
from ..model import DROP, MIGRATION_KINDS, Migration, frozen_map
from .checks import did_you_mean, items, text
from .yamlpos import Path, YamlDocument, location_for

#: the noun used in messages for each table
NOUNS = {"modules": "module", "steps": "step", "forms": "form", "questions": "question", "options": "option",
         "batteries": "battery", "end_reasons": "end reason"}


def known_ids(data: Any) -> dict[str, set[str]]:
    """Every id a migration may point at in this version, per table ("module/step" for steps …)."""
    known: dict[str, set[str]] = {kind: set() for kind in MIGRATION_KINDS}
    for _, module in items(data, "modules", ()):
        module_id = text(module, "id")
        if module_id is None:
            continue
        known["modules"].add(module_id)
        known["steps"].update(f"{module_id}/{s}" for _, step in items(module, "steps", ())
                              if (s := text(step, "id")) is not None)
    for _, form in items(data, "forms", ()):
        form_id = text(form, "id")
        if form_id is None:
            continue
        known["forms"].add(form_id)
        for _, question in items(form, "questions", ()):
            question_id = text(question, "id")
            if question_id is None:
                continue
            known["questions"].add(f"{form_id}/{question_id}")
            known["options"].update(f"{form_id}/{question_id}/{o}" for _, option in items(question, "options", ())
                                    if (o := text(option, "id")) is not None)
    for key, kind in (("batteries", "batteries"), ("end_reasons", "end_reasons")):
        known[kind].update(i for _, entry in items(data, key, ()) if (i := text(entry, "id")) is not None)
    return known


def _tables(migration: dict[str, Any], path: Path) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    for kind in MIGRATION_KINDS:
        table = migration.get(kind)
        if isinstance(table, dict):
            yield kind, path + (kind,), table


def check_migrations(doc: YamlDocument) -> list[tuple[Path, Problem]]:
    """Located problems of the `migrations:` list (total on any data: wrong shapes are skipped)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    found: list[tuple[Path, Problem]] = []

    def error(path: Path, message: str) -> None:
        found.append((path, Problem(location_for(doc.values, path), message)))

    version = text(data, "version")
    known = known_ids(data)
    first: dict[str, int | str] = {}
    for path, migration in items(data, "migrations", ()):
        source = text(migration, "from")
        if source is not None:
            if source == version:
                error(path + ("from",), f"migration from {source}: this is the program's own version; "
                                        "a migration moves moments from an older version")
            elif source in first:
                line = location_for(doc.values, ("migrations", first[source], "from"))
                where = f" (first on line {line.line})" if line else ""
                error(path + ("from",), f"duplicate migration from {source}{where}")
            else:
                first[source] = path[-1]
        label = f"migration from {source}" if source is not None else "migration"
        for kind, table_path, table in _tables(migration, path):
            for old, new in table.items():
                if not isinstance(new, str) or new == DROP or new in known[kind]:
                    continue
                error(table_path + (old,), f"{label}: {NOUNS[kind]} '{new}' does not exist in this version"
                                           f"{' (' + version + ')' if version else ''}"
                                           f"{did_you_mean(new, sorted(known[kind]))}")
    return found


def build_migrations(data: dict[str, Any], doc: YamlDocument) -> tuple[Migration, ...]:
    """The model's migrations from schema-valid data."""
    return tuple(
        Migration(from_version=raw["from"],
                  **{kind: frozen_map(raw.get(kind, {})) for kind in MIGRATION_KINDS},
                  location=location_for(doc.values, path))
        for path, raw in items(data, "migrations", ()))
