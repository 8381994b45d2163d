"""Compare two versions of a program and classify every change (`stegvis diff OLD NEW`).

`diff_programs(old, new)` is pure: both programs are already loaded. Ids are followed from OLD into
NEW through NEW's migration from OLD's version (`migrations:` with `from: <OLD version>`), so a
renamed or removed id that the migration names is `mapped`; without it the id `needs_mapping`.
Severities and the Change/ProgramDiff types are in engine.authoring.changes.
"""
from __future__ import annotations

from typing import Any

from ..model import Module, Program, Step
from .changes import SEVERITIES, SEVERITY_LABELS, Change, Collector, IdMap, ProgramDiff
from .diff_forms import compare_form, question_targets

__all__ = ["SEVERITIES", "SEVERITY_LABELS", "Change", "ProgramDiff", "diff_data", "diff_lines", "diff_programs",
           "diff_text"]


def _q(text: str) -> str:
    return f"”{text}”"


def diff_programs(old: Program, new: Program) -> ProgramDiff:
    """Every change from `old` to `new`, classified (see engine.authoring.changes for the severities)."""
    migration = new.migration_from(old.version) if old.version != new.version else None
    ids = IdMap(old, new, migration)
    c = Collector(new.version)
    _program(c, old, new)
    _modules(c, ids, old, new)
    _forms(c, ids, old, new)
    _batteries(c, ids, old, new)
    _end_reasons(c, ids, old, new)
    _reminders(c, old, new)
    return ProgramDiff(program_id=new.id, old_version=old.version, new_version=new.version,
                       old_digest=old.digest, new_digest=new.digest, changes=tuple(c.changes),
                       migration=migration.from_version if migration else None, unused_mappings=ids.unused())


def _program(c: Collector, old: Program, new: Program) -> None:
    if old.id != new.id:
        c.breaking("program.id", "", f"program id changed from {old.id} to {new.id}",
                   f"Programmet har bytt id från {old.id} till {new.id}; det är ett annat program")
    texts = [name for name in ("title", "welcome_text") if getattr(old, name) != getattr(new, name)]
    if texts:
        c.safe("program.text", "", f"program text changed ({', '.join(texts)})")
    for name in ("language", "recommended_days"):
        if getattr(old, name) != getattr(new, name):
            c.safe("program.setting", "", f"program {name} changed from {getattr(old, name)} to {getattr(new, name)}")


def _modules(c: Collector, ids: IdMap, old: Program, new: Program) -> None:
    landed: list[str] = []
    step_targets: set[str] = set()
    for module in old.modules:
        status, target = ids.module(module.id)
        what = f"Modulen {_q(module.title)}"
        has_counterpart = c.follow(status, target if status == "mapped" else None, "module", module.id,
                                   f"module {module.id}", what)
        new_module = new.module(target) if has_counterpart and target else None
        if new_module is not None:
            landed.append(new_module.id)
            _module_fields(c, module, new_module)
        if status == "missing":
            continue  # the module's removal is the one change to map; its steps go with it
        for step in module.steps:
            default = f"{target}/{step.id}" if target else None
            if status == "dropped" and step.id not in ids.table("steps"):
                default = None  # a dropped module's steps are dropped with it unless mapped
            path = f"{module.id}/{step.id}"
            s_status, s_target = ids.resolve("steps", path, default)
            if status == "dropped" and s_status == "missing":
                continue
            label = f"module {module.id} step {step.id}"
            what = f"Avsnittet {step.number} {step.title} ({path})"
            if not c.follow(s_status, s_target if s_status == "mapped" else None, "step", path, label, what):
                continue
            assert s_target is not None
            step_targets.add(s_target)
            module_id, step_id = s_target.split("/", 1)
            new_step = new.step(module_id, step_id)
            if new_step is not None:
                _step_fields(c, ids, step, new_step, s_target, label)
    if landed != [m.id for m in new.modules if m.id in landed]:
        c.safe("module.order", "", "modules reordered")
    for module in new.modules:
        if module.id not in landed:
            c.safe("module.added", module.id, f"module {module.id} added")
        kept = [s.id for s in module.steps if f"{module.id}/{s.id}" in step_targets]
        old_module = next((m for m in old.modules if ids.module(m.id)[1] == module.id), None)
        if old_module is not None and kept != [s for s in _old_step_order(ids, old_module, module) if s in kept]:
            c.safe("step.order", module.id, f"steps of module {module.id} reordered")
        for step in module.steps:
            if module.id in landed and f"{module.id}/{step.id}" not in step_targets:
                c.safe("step.added", f"{module.id}/{step.id}", f"module {module.id} step {step.id} added")


def _old_step_order(ids: IdMap, old_module: Module, new_module: Module) -> list[str]:
    """The new step ids of `old_module`'s steps, in the old order."""
    order = []
    for step in old_module.steps:
        _, target = ids.resolve("steps", f"{old_module.id}/{step.id}", f"{new_module.id}/{step.id}")
        if target and target.startswith(new_module.id + "/"):
            order.append(target.split("/", 1)[1])
    return order


def _module_fields(c: Collector, old: Module, new: Module) -> None:
    label = f"module {old.id}"
    texts = [name for name in ("title", "description") if getattr(old, name) != getattr(new, name)]
    if texts:
        c.safe("module.text", new.id, f"{label} text changed ({', '.join(texts)})")
    settings = [f"{name} {getattr(old, name)} → {getattr(new, name)}"
                for name in ("kind", "default_days", "starts_with_moment") if getattr(old, name) != getattr(new, name)]
    if settings:
        c.safe("module.setting", new.id, f"{label} settings changed ({', '.join(settings)}); "
                                         "running moments keep their module states")


def _step_fields(c: Collector, ids: IdMap, old: Step, new: Step, path: str, label: str) -> None:
    texts = [name for name in ("number", "title", "content") if getattr(old, name) != getattr(new, name)]
    if old.text != new.text:
        texts.append("Markdown text")
    if texts:
        c.safe("step.text", path, f"{label} text changed ({', '.join(texts)})")
    def followed(form_ids: tuple[str, ...]) -> tuple[str, ...]:
        """The old step's form ids as they are called in the new version (dropped forms left out)."""
        return tuple(t for f in form_ids if (t := ids.form(f)[1] or (None if ids.form(f)[0] == "dropped" else f)))

    if followed(old.forms) != new.forms or followed(old.forms_to_finish) != new.forms_to_finish:
        c.safe("step.forms", path, f"{label} forms changed ({', '.join(old.forms) or 'none'} → "
                                   f"{', '.join(new.forms) or 'none'}); its progress is kept")
    if old.audio != new.audio:
        c.safe("step.setting", path, f"{label} audio changed")


def _forms(c: Collector, ids: IdMap, old: Program, new: Program) -> None:
    landed: set[str] = set()
    targets = question_targets(old, ids)
    for form in old.forms.values():
        status, target = ids.form(form.id)
        if not c.follow(status, target if status == "mapped" else None, "form", form.id, f"form {form.id}",
                        f"Formuläret {_q(form.title)}"):
            continue
        new_form = new.form(target) if target else None
        if new_form is not None:
            landed.add(new_form.id)
            compare_form(c, ids, form, new_form, new, targets)
    for form in new.forms.values():
        if form.id not in landed:
            c.safe("form.added", form.id, f"form {form.id} added")


def _batteries(c: Collector, ids: IdMap, old: Program, new: Program) -> None:
    landed = set()
    for battery in old.batteries:
        status, target = ids.resolve("batteries", battery.id)
        if not c.follow(status, target if status == "mapped" else None, "battery", battery.id,
                        f"battery {battery.id}", f"Mätbatteriet {_q(battery.title)}"):
            continue
        new_battery = new.battery(target) if target else None
        if new_battery is None:
            continue
        landed.add(new_battery.id)
        if battery.title != new_battery.title:
            c.safe("battery.text", new_battery.id, f"battery {battery.id} title changed")
        if (battery.forms, battery.module) != (new_battery.forms, new_battery.module):
            c.safe("battery.setting", new_battery.id, f"battery {battery.id} forms or module changed")
    for battery in new.batteries:
        if battery.id not in landed:
            c.safe("battery.added", battery.id, f"battery {battery.id} added")


def _end_reasons(c: Collector, ids: IdMap, old: Program, new: Program) -> None:
    landed = set()
    for reason in old.end_reasons:
        status, target = ids.resolve("end_reasons", reason.id)
        if not c.follow(status, target if status == "mapped" else None, "end_reason", reason.id,
                        f"end reason {reason.id}", f"Avslutsorsaken {_q(reason.title)}"):
            continue
        new_reason = new.end_reason(target) if target else None
        if new_reason is not None:
            landed.add(new_reason.id)
            if new_reason.title != reason.title:
                c.safe("end_reason.text", new_reason.id, f"end reason {reason.id} title changed")
    for reason in new.end_reasons:
        if reason.id not in landed:
            c.safe("end_reason.added", reason.id, f"end reason {reason.id} added")


def _reminders(c: Collector, old: Program, new: Program) -> None:
    before = {r.id: r for r in old.reminders}
    after = {r.id: r for r in new.reminders}
    for rid in sorted(before.keys() - after.keys()):
        c.safe("reminder.removed", rid, f"reminder {rid} removed")
    for rid in sorted(after.keys() - before.keys()):
        c.safe("reminder.added", rid, f"reminder {rid} added")
    for rid in sorted(before.keys() & after.keys()):
        if before[rid] != after[rid]:
            c.safe("reminder.changed", rid, f"reminder {rid} changed")



def diff_lines(diff: ProgramDiff) -> list[str]:
    """The changes as review lines, grouped by severity, worst first: 'needs mapping: module x removed'."""
    return [f"{SEVERITY_LABELS[s]}: {ch.message}" for s in reversed(SEVERITIES) for ch in diff.of(s)]


def diff_text(diff: ProgramDiff, old_name: str, new_name: str) -> str:
    """The text report for a pull-request review (ends with a newline)."""
    out = [f"{diff.program_id} {diff.old_version} ({old_name}) → {diff.new_version} ({new_name})"]
    if diff.migration:
        out.append(f"using the migration from {diff.migration} in {new_name}")
    out += diff_lines(diff) or ["no changes"]
    for entry in diff.unused_mappings:
        out.append(f"warning: the migration from {diff.migration} maps {entry}, which {diff.old_version} does not have")
    if diff.version_unchanged:
        out.append(f"warning: content changed but version is still {diff.new_version}; raise the version")
    counts = ", ".join(f"{n} {SEVERITY_LABELS[s]}" for s, n in reversed(diff.counts.items()))
    verdict = ("running moments can move" if diff.ok
               else "running moments cannot move until the breaking and unmapped changes are resolved")
    out.append(f"{counts}: {verdict}")
    return "\n".join(out) + "\n"


def diff_data(diff: ProgramDiff, old_name: str, new_name: str) -> dict[str, Any]:
    """The JSON report (`stegvis diff --format json`)."""
    return {
        "program": diff.program_id,
        "old": {"source": old_name, "version": diff.old_version, "digest": diff.old_digest},
        "new": {"source": new_name, "version": diff.new_version, "digest": diff.new_digest},
        "migration": diff.migration,
        "ok": diff.ok,
        "version_unchanged": diff.version_unchanged,
        "counts": diff.counts,
        "changes": [ch.to_dict() for ch in diff.changes],
        "unused_mappings": list(diff.unused_mappings),
    }
