"""The vocabulary of `stegvis diff`: one `Change` per difference, a `ProgramDiff` of them, and `IdMap`,
which follows an older version's ids into a newer one through the newer version's `migrations:`.

Severities, mildest first:
- `safe`: running moments can move as they are (texts, additions, reordering);
- `mapped`: an id was renamed or removed and the migration says where it went (or `drop`);
- `needs_mapping`: an id was renamed or removed and no migration says what to do with it;
- `breaking`: answers already given would mean something else (question type, scoring, bands,
  a required question added to a form moments may already have submitted).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import DROP, MIGRATION_KINDS, Migration, Program

SEVERITIES = ("safe", "mapped", "needs_mapping", "breaking")
#: how a severity reads in text output
SEVERITY_LABELS = {"safe": "safe", "mapped": "mapped", "needs_mapping": "needs mapping", "breaking": "breaking"}


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a program."""

    #: what changed, e.g. "module.removed", "step.text", "question.type", "form.scoring"
    kind: str
    #: the id path: "steg-3", "steg-3/vikt" (module/step), "ftnd", "ftnd/first" (form/question),
    #: "ftnd/first/within5" (form/question/option); "" for the program itself
    path: str
    #: one English line for review, e.g. "module steg-3 step vikt removed"
    message: str
    severity: str
    #: for needs_mapping and breaking: why a running moment cannot move (Swedish, shown to clinicians)
    reason: str = ""
    #: for mapped changes: the id in the new version, or "drop"
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "kind": self.kind, "path": self.path, "message": self.message,
                "target": self.target, "reason": self.reason or None}


@dataclass(frozen=True)
class ProgramDiff:
    """Every change from `old` to `new`, in program order, with the identities of both versions."""

    program_id: str
    old_version: str
    new_version: str
    old_digest: str
    new_digest: str
    changes: tuple[Change, ...]
    #: the `from` of the migration in NEW that was applied (None when NEW has none for OLD's version)
    migration: str | None = None
    #: migration entries naming ids that OLD does not have (probably a typo), as "kind: key"
    unused_mappings: tuple[str, ...] = ()

    @property
    def content_changed(self) -> bool:
        return self.old_digest != self.new_digest

    @property
    def version_unchanged(self) -> bool:
        """The content changed but the version did not: the author should raise it."""
        return self.content_changed and self.old_version == self.new_version

    def of(self, severity: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.severity == severity)

    @property
    def counts(self) -> dict[str, int]:
        return {s: len(self.of(s)) for s in SEVERITIES}

    @property
    def ok(self) -> bool:
        """Whether running moments can move: every change is safe or mapped."""
        return not any(c.severity in ("needs_mapping", "breaking") for c in self.changes)

    @property
    def blocking(self) -> tuple[Change, ...]:
        """The breaking and unmapped changes, most serious first."""
        return self.of("breaking") + self.of("needs_mapping")


class IdMap:
    """Where an id of the old version is in the new one: ("same" | "mapped", new id),
    ("dropped", None) or ("missing", None)."""

    def __init__(self, old: Program, new: Program, migration: Migration | None):
        self.migration = migration
        self.old_ids = program_ids(old)
        self.new_ids = program_ids(new)

    def table(self, kind: str) -> dict[str, str]:
        return dict(self.migration.table(kind)) if self.migration else {}

    def resolve(self, kind: str, old_key: str, default: str | None = None) -> tuple[str, str | None]:
        """Follow `old_key` (of table `kind`); `default` is where it lands when no entry names it."""
        table = self.table(kind)
        if old_key in table:
            target = table[old_key]
            return ("dropped", None) if target == DROP else ("mapped", target)
        key = old_key if default is None else default
        if key in self.new_ids[kind]:
            return "same", key
        return "missing", None

    def module(self, module_id: str) -> tuple[str, str | None]:
        return self.resolve("modules", module_id)

    def form(self, form_id: str) -> tuple[str, str | None]:
        return self.resolve("forms", form_id)

    def unused(self) -> tuple[str, ...]:
        """Entries of the migration whose key the old version does not have."""
        return tuple(f"{kind}: {key}" for kind in MIGRATION_KINDS for key in self.table(kind)
                     if key not in self.old_ids[kind])


def program_ids(program: Program) -> dict[str, set[str]]:
    """Every id of a program per migration table, as the tables key them."""
    ids: dict[str, set[str]] = {kind: set() for kind in MIGRATION_KINDS}
    for module in program.modules:
        ids["modules"].add(module.id)
        ids["steps"].update(f"{module.id}/{s.id}" for s in module.steps)
    for form in program.forms.values():
        ids["forms"].add(form.id)
        for q in form.questions:
            ids["questions"].add(f"{form.id}/{q.id}")
            ids["options"].update(f"{form.id}/{q.id}/{o.id}" for o in q.options)
    ids["batteries"].update(b.id for b in program.batteries)
    ids["end_reasons"].update(r.id for r in program.end_reasons)
    return ids


@dataclass
class Collector:
    """Accumulates changes while the comparison walks both programs."""

    new_version: str
    changes: list[Change] = field(default_factory=list)

    def safe(self, kind: str, path: str, message: str) -> None:
        self.changes.append(Change(kind, path, message, "safe"))

    def breaking(self, kind: str, path: str, message: str, reason: str) -> None:
        self.changes.append(Change(kind, path, message, "breaking", reason))

    def removed(self, kind: str, path: str, message: str, what_sv: str) -> None:
        """An id that is gone and not mapped."""
        reason = f"{what_sv} finns inte i version {self.new_version} och saknar mappning"
        self.changes.append(Change(kind, path, message, "needs_mapping", reason))

    def mapped(self, kind: str, path: str, message: str, target: str | None) -> None:
        self.changes.append(Change(kind, path, message, "mapped", target=target or DROP))

    def follow(self, status: str, target: str | None, noun: str, path: str, label: str, what_sv: str) -> bool:
        """Record what happened to an old id; True when there is a new counterpart to compare with."""
        if status == "mapped":
            self.mapped(f"{noun}.renamed", path, f"{label} mapped to {target}", target)
        elif status == "dropped":
            self.mapped(f"{noun}.dropped", path, f"{label} dropped", None)
        elif status == "missing":
            self.removed(f"{noun}.removed", path, f"{label} removed", what_sv)
        return status in ("same", "mapped")
