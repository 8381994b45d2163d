"""plan_upgrade: a moment on tests/data/diff/v1.yaml (1.0.0) moved to later versions of it."""
from dataclasses import replace
from pathlib import Path

import pytest

from engine.authoring.upgrade import UpgradePlan, UpgradeRefusal, plan_upgrade
from engine.loader import load_program
from engine.model import frozen_map
from engine.moment import lifecycle as lc
from engine.moment.state import ModuleState

from moment_builders import CLINICIAN, sthlm

DIFF = Path(__file__).resolve().parents[1] / "data" / "diff"
NOW = sthlm(2026, 3, 2, 9)


@pytest.fixture(scope="module")
def v1():
    return load_program(DIFF / "v1.yaml")


@pytest.fixture(scope="module")
def mapped():
    return load_program(DIFF / "mapped.yaml")


def started(v1):
    return lc.start(v1, now=NOW, clinician=CLINICIAN).state


@pytest.mark.parametrize("state, status", [("upcoming", "hidden"), ("current", "read_write"),
                                           ("current", "read_only"), ("completed", "read_only")])
def test_a_renamed_module_keeps_its_state_in_every_module_state(v1, mapped, state, status):
    moment = started(v1)
    extra = ModuleState("extra", state, status, 7, NOW if state != "upcoming" else None,
                        NOW if state == "completed" else None)
    moment = replace(moment, modules=frozen_map({**moment.modules, "extra": extra}))
    plan = plan_upgrade(v1, mapped, moment)
    assert isinstance(plan, UpgradePlan)
    assert list(plan.state.modules) == ["start", "steg-2", "individuellt"]
    assert plan.state.modules["individuellt"] == replace(extra, id="individuellt")
    assert plan.state.modules["start"] == moment.modules["start"]
    assert plan.state.program_version == "1.1.0"


def test_progress_forms_batteries_and_end_reason_follow_the_migration(v1, mapped):
    moment = replace(started(v1),
                     steps=frozen_map({"start/intro": "done", "start/vanor": "done", "steg-2/vikt": "started",
                                       "extra/tips": "done"}),
                     submitted_forms=frozenset({"mar", "vanor"}), batteries=frozenset({"uppfoljning"}),
                     status="ended", end_reason="avbruten")
    plan = plan_upgrade(v1, mapped, moment)
    assert dict(plan.state.steps) == {"start/intro": "done", "start/vanor": "done",
                                      "steg-2/vikt-och-mat": "started", "individuellt/tips": "done"}
    assert plan.state.submitted_forms == {"mar", "levnadsvanor"}
    assert plan.state.batteries == {"uppfoljning-1"}
    assert plan.state.end_reason is None  # avbruten: drop
    assert dict(plan.forms) == {"mar": "mar", "vanor": "levnadsvanor"}
    assert plan.steps["extra/tips"] == "individuellt/tips"
    assert plan.added_modules == ()


def test_the_move_is_an_event_on_the_timeline(v1, mapped):
    plan = plan_upgrade(v1, mapped, started(v1))
    event = plan.event(NOW, CLINICIAN)
    assert event.type == "program_upgraded" and event.actor == CLINICIAN
    assert event.text == "Programmet uppdaterades från 1.0.0 till 1.1.0 av Sanna Eriksson"
    assert event.data["from"] == "1.0.0" and event.data["to"] == "1.1.0"
    assert event.data["renamed"]["extra"] == "individuellt"
    assert event.data["dropped"] == []


def test_safe_changes_move_and_new_modules_arrive_upcoming_and_hidden(v1):
    safe = load_program(DIFF / "safe.yaml")
    moment = replace(started(v1), steps=frozen_map({"start/intro": "done"}), submitted_forms=frozenset({"mar"}))
    plan = plan_upgrade(v1, safe, moment)
    assert plan.added_modules == ("steg-3",)
    assert plan.state.modules["steg-3"] == ModuleState("steg-3", "upcoming", "hidden", 14)
    assert list(plan.state.modules) == ["start", "extra", "steg-2", "steg-3"]  # the new version's order
    assert dict(plan.state.steps) == {"start/intro": "done"} and plan.state.submitted_forms == {"mar"}


def test_a_dropped_module_takes_its_steps_and_state_with_it(v1, mapped):
    migration = replace(mapped.migrations[0], modules={"extra": "drop"})
    dropped = replace(mapped, migrations=(migration,), modules=mapped.modules[:2])
    moment = replace(started(v1), steps=frozen_map({"extra/tips": "done", "start/intro": "started"}))
    plan = plan_upgrade(v1, dropped, moment)
    assert isinstance(plan, UpgradePlan)
    assert list(plan.state.modules) == ["start", "steg-2"]
    assert dict(plan.state.steps) == {"start/intro": "started"}
    assert plan.modules["extra"] is None and plan.steps["extra/tips"] is None
    assert "extra" in plan.event(NOW, CLINICIAN).data["dropped"]


def test_two_steps_mapped_onto_one_keep_the_furthest_progress(v1, mapped):
    migration = replace(mapped.migrations[0], steps={"steg-2/vikt": "steg-2/mat"})
    merged = replace(mapped, migrations=(migration,))
    moment = replace(started(v1), steps=frozen_map({"steg-2/vikt": "done", "steg-2/mat": "started"}))
    plan = plan_upgrade(v1, merged, moment)
    assert dict(plan.state.steps) == {"steg-2/mat": "done"}


def test_breaking_changes_are_refused_with_swedish_reasons(v1):
    refusal = plan_upgrade(v1, load_program(DIFF / "breaking.yaml"), started(v1))
    assert isinstance(refusal, UpgradeRefusal)
    assert refusal.reasons[0] == ("Formuläret ”Hur mår du?” har ändrad poängsättning "
                                  "(svarsalternativet ”Dåligt” ger 3 poäng i stället för 2)")
    assert refusal.reasons[-1] == ("Frågan ”Hur många mål mat äter du om dagen?” i formuläret ”Dina vanor” "
                                   "har ändrad frågetyp (number → short_text)")
    assert len(refusal.reasons) == 4
    assert refusal.text.startswith("Momentet kan inte flyttas till version 1.1.0: Formuläret ”Hur mår du?”")


def test_unmapped_removals_are_refused(v1):
    refusal = plan_upgrade(v1, load_program(DIFF / "renamed.yaml"), started(v1))
    assert isinstance(refusal, UpgradeRefusal)
    assert "Modulen ”Extra” finns inte i version 1.1.0 och saknar mappning" in refusal.reasons
    assert len(refusal.reasons) == 6


def test_a_moment_on_another_version_or_the_same_version_is_refused(v1, mapped):
    on_other = replace(started(v1), program_version="0.9")
    assert plan_upgrade(v1, mapped, on_other).reasons == (
        "Momentet följer vaner version 0.9, inte vaner version 1.0.0",)
    assert plan_upgrade(v1, v1, started(v1)).reasons == ("Momentet har redan version 1.0.0",)
