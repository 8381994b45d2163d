"""Moving a running moment to a newer version of its program (`plan_upgrade`).

Pure: the web layer loads both versions and the moment's state, calls `plan_upgrade(old, new, state)`,
and either stores the plan (new state, renamed ids in its own tables, the timeline event) in one
transaction, or shows the refusal's Swedish reasons. A move is refused when any change between the
versions breaks answers or removes an id that NEW's migration from OLD's version does not map.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Mapping

from ..model import Program, frozen_map
from ..moment.state import MODULE_STATES, STEP_PROGRESS, Actor, StepProgress, Event, ModuleState, MomentState
from .changes import Change, IdMap, ProgramDiff
from .diff import diff_programs

EVENT_TYPE = "program_upgraded"


@dataclass(frozen=True)
class UpgradePlan:
    """How one moment moves from `from_version` to `to_version`.

    Each mapping goes from an id the moment used to its id in the new version, None when dropped;
    the web layer renames the same ids in its own tables (drafts, submissions, flags) and keeps
    submitted answers with the question texts of the version they were given under.
    """

    from_version: str
    to_version: str
    #: the moment's state on the new version
    state: MomentState
    modules: Mapping[str, str | None]
    #: step progress keys "module/step"
    steps: Mapping[str, str | None]
    #: every form id of the old version (submitted or not: drafts follow the same map)
    forms: Mapping[str, str | None]
    batteries: Mapping[str, str | None]
    #: modules of the new version the moment did not have; they start upcoming and hidden
    added_modules: tuple[str, ...]
    diff: ProgramDiff

    @property
    def text(self) -> str:
        return f"Programmet uppdaterades från {self.from_version} till {self.to_version}"

    def event(self, at: datetime, actor: Actor) -> Event:
        """The timeline event of the move ("Programmet uppdaterades från 1.0.0 till 1.1.0 av …")."""
        dropped = sorted(k for table in (self.modules, self.steps, self.forms, self.batteries)
                         for k, v in table.items() if v is None)
        renamed = {k: v for table in (self.modules, self.steps, self.forms, self.batteries)
                   for k, v in table.items() if v is not None and v != k}
        return Event(EVENT_TYPE, at, actor,
                     data=frozen_map({"from": self.from_version, "to": self.to_version, "digest": self.diff.new_digest,
                                      "renamed": renamed, "dropped": dropped}),
                     text=f"{self.text} av {actor.name}")


@dataclass(frozen=True)
class UpgradeRefusal:
    """Why a moment cannot move: Swedish reasons, one per blocking change."""

    from_version: str
    to_version: str
    reasons: tuple[str, ...]
    changes: tuple[Change, ...] = ()

    @property
    def text(self) -> str:
        return f"Momentet kan inte flyttas till version {self.to_version}: " + "; ".join(self.reasons) + "."


def plan_upgrade(old: Program, new: Program, state: MomentState) -> UpgradePlan | UpgradeRefusal:
    """Plan moving `state` (a moment on `old`) to `new`, or refuse with the reasons."""
    def refuse(*reasons: str, changes: tuple[Change, ...] = ()) -> UpgradeRefusal:
        return UpgradeRefusal(old.version, new.version, tuple(dict.fromkeys(reasons)), changes)

    if (state.program_id, state.program_version) != (old.id, old.version):
        return refuse(f"Momentet följer {state.program_id} version {state.program_version}, "
                      f"inte {old.id} version {old.version}")
    if old.version == new.version:
        return refuse(f"Momentet har redan version {new.version}")
    diff = diff_programs(old, new)
    if not diff.ok:
        return refuse(*(c.reason for c in diff.blocking), changes=diff.blocking)
    ids = IdMap(old, new, new.migration_from(old.version))
    modules = {m: _target(ids, "modules", m) for m in dict.fromkeys([*state.modules, *(m.id for m in old.modules)])}
    steps = {key: _step_target(ids, key) for key in
             dict.fromkeys([*state.steps, *(f"{m.id}/{s.id}" for m in old.modules for s in m.steps)])}
    forms = {f: _target(ids, "forms", f) for f in dict.fromkeys([*old.forms, *state.submitted_forms])}
    batteries = {b: _target(ids, "batteries", b) for b in dict.fromkeys([*(b.id for b in old.batteries),
                                                                          *state.batteries])}
    module_states = _module_states(state, modules)
    added = tuple(m.id for m in new.modules if m.id not in module_states)
    for module in new.modules:
        if module.id in added:
            module_states[module.id] = ModuleState(module.id, "upcoming", "hidden", module.default_days)
    progress: dict[str, StepProgress] = {}
    for key, value in state.steps.items():
        target = steps[key]
        if target is not None:
            progress[target] = max(progress.get(target, value), value, key=STEP_PROGRESS.index)
    end_reason = _target(ids, "end_reasons", state.end_reason) if state.end_reason else None
    new_state = replace(
        state, program_version=new.version,
        modules=frozen_map({m.id: module_states[m.id] for m in new.modules}),
        steps=frozen_map(progress),
        submitted_forms=frozenset(t for f in state.submitted_forms if (t := forms[f]) is not None),
        batteries=frozenset(t for b in state.batteries if (t := batteries[b]) is not None),
        end_reason=end_reason)
    return UpgradePlan(old.version, new.version, new_state, frozen_map(modules), frozen_map(steps),
                       frozen_map(forms), frozen_map(batteries), added, diff)


def _target(ids: IdMap, kind: str, key: str) -> str | None:
    status, target = ids.resolve(kind, key)
    return target if status in ("same", "mapped") else None


def _step_target(ids: IdMap, key: str) -> str | None:
    """Where a step progress key "module/step" goes: an explicit step entry, else the step's id in its
    module's new id; gone with a dropped module."""
    module_id, _, step_id = key.partition("/")
    module_status, module_target = ids.module(module_id)
    default = f"{module_target}/{step_id}" if module_target else None
    if module_status == "dropped" and key not in ids.table("steps"):
        return None
    status, target = ids.resolve("steps", key, default)
    return target if status in ("same", "mapped") else None


def _module_states(state: MomentState, modules: Mapping[str, str | None]) -> dict[str, ModuleState]:
    """The moment's module states under their new ids; two merged modules keep the more advanced state."""
    result: dict[str, ModuleState] = {}
    for module_id, module_state in state.modules.items():
        target = modules.get(module_id)
        if target is None:
            continue
        moved = replace(module_state, id=target)
        kept = result.get(target)
        if kept is None or MODULE_STATES.index(moved.state) > MODULE_STATES.index(kept.state):
            result[target] = moved
    return result
