"""`stegvis validate --against REV`: check a program against an earlier version of itself.

Warnings (errors with --strict), located in the program file:
- the content changed (digest) but the version did not: raise the version;
- an id of the earlier version is removed or renamed and no migration from that version maps it;
- a migration entry names an id the earlier version does not have (probably a typo).
"""
from __future__ import annotations

from ..errors import Location, Problem
from ..loader.yamlpos import YamlDocument, location_for, parse_yaml
from ..model import MIGRATION_KINDS, Program
from .diff import diff_programs


def baseline_problems(program: Program, source: str, baseline: Program, baseline_name: str) -> list[Problem]:
    """Warnings about `program` (loaded from `source`) compared with `baseline` (called `baseline_name`)."""
    doc = parse_yaml(source, program.source_path)
    version_at = location_for(doc.values, ("version",))
    if program.digest == baseline.digest:
        return []
    if program.version == baseline.version:
        return [Problem(version_at, f"content changed since {baseline_name} but version is still "
                                    f"{program.version}; raise the version", "warning")]
    diff = diff_programs(baseline, program)
    index = next((i for i, m in enumerate(program.migrations) if m.from_version == baseline.version), None)
    where = version_at if index is None else location_for(doc.values, ("migrations", index, "from"))
    found = []
    unmapped = [ch for ch in diff.changes if ch.severity == "needs_mapping"]
    for change in unmapped:
        hint = (f"map it in the migration from {baseline.version}" if index is not None
                else f"add a migration with from: \"{baseline.version}\"")
        found.append(Problem(where, f"{change.message} since {baseline.version} ({baseline_name}) and not "
                                    f"mapped; {hint} (a new id or drop)", "warning"))
    if index is not None:
        for kind in MIGRATION_KINDS:
            for key in program.migrations[index].table(kind):
                if f"{kind}: {key}" in diff.unused_mappings:
                    found.append(Problem(_key_location(doc, index, kind, key) or where,
                                         f"migration from {baseline.version}: {kind} '{key}' is not in "
                                         f"{baseline.version} ({baseline_name})", "warning"))
    return found


def _key_location(doc: YamlDocument, index: int, kind: str, key: str) -> Location | None:
    return doc.keys.get(("migrations", index, kind, key))
