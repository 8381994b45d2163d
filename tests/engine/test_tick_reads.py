"""What of a moment's state the tick's decisions read: never the step progress; the battery pass not the modules.

The tick builds its states without the step progress (web.services.core.moment_batch.load), and those of the
self-starting batteries' pass without the modules either: reading them was a tenth of a first tick. Here every
decision the tick's passes ask the engine (web.services.operations.tick_batch) gets states whose step progress
(and, for the battery pass, modules) fail the test when touched, and must answer as from the whole state: from
the end state of every example scenario of both programs, at several times after it, with every flag rule type.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest

from engine.authoring.simulate import Simulation, simulate_file
from engine.localtime import local_date
from engine.moment import flags as fl
from engine.moment.batteries import due_batteries, next_battery_at, start_battery
from engine.moment.flag_times import NOW_INDEPENDENT, next_due_at
from engine.moment.reminders import due_activities, due_reminders, next_anchored_reminder_at
from engine.moment.state import SYSTEM, MomentState

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))
#: how long after a scenario's end the decisions are asked (batteries and reminders fall due over months)
LATER = (timedelta(0), timedelta(days=1), timedelta(days=30), timedelta(days=120), timedelta(days=400))


class Untouchable(Mapping[str, Any]):
    """A mapping that fails the test when anything of it is read."""

    def __init__(self, what: str):
        self.what = what

    def __getitem__(self, key: str) -> Any:
        raise AssertionError(f"a tick decision read the {self.what} ({key!r})")

    def __iter__(self) -> Iterator[str]:
        raise AssertionError(f"a tick decision read the {self.what}")

    def __len__(self) -> int:
        raise AssertionError(f"a tick decision read the {self.what}")


def every_rule(sim: Simulation) -> tuple[fl.FlagRule, ...]:
    """The scenario's subscriptions and one rule of every type (a module reminder for each module)."""
    program, start = sim.scenario.program, sim.scenario.start
    return (*sim.scenario.subscriptions, fl.FormSaved(), fl.FormReview(), fl.FormReview(days=3),
            fl.BatteryFormSaved(), fl.BatteryStarted(), fl.ActivitySaved(),
            *(fl.ModuleReminder(module=m.id, days_before=2) for m in program.modules),
            fl.DateReminder(date=local_date(start) + timedelta(days=10), note="Ring"), fl.PatientInactivity(days=7),
            fl.MomentEndingSoon(days=5), fl.ClinicianChanged(), fl.NewMessage())


def flag_pass(sim: Simulation, state: MomentState, now) -> tuple:
    """As the flag pass: due_flags with every rule and the plans, and when inactivity is next due."""
    program, events, rules = sim.scenario.program, sim.events, every_rule(sim)
    plans = tuple(sim.scenario.plans.values())
    due = fl.due_flags(program, state, events, rules, now, plans=plans)
    return due, next_due_at(program, state, events, [r for r in rules if r.type in NOW_INDEPENDENT], now,
                            types=NOW_INDEPENDENT, raised=[f.cause for f in due])


def battery_pass(sim: Simulation, state: MomentState, now) -> tuple:
    """As the battery pass: each due battery started at its time, the event-driven flags that start raises,
    and when the next one is due."""
    program, events = sim.scenario.program, list(sim.events)
    event_driven = [r for r in every_rule(sim) if not r.time_driven]
    found = []
    for item in due_batteries(program, state, now):
        at = max(item.at, state.started_at)
        transition = start_battery(program, state, item.battery.id, now=at, actor=SYSTEM)
        state, events = transition.state, sorted([*events, *transition.events], key=lambda e: e.at)
        raised = fl.due_flags(program, state, events, event_driven, at)
        events = sorted([*events, *map(fl.flag_event, raised)], key=lambda e: e.at)
        found.append((item, transition.events, raised))
    return found, next_battery_at(program, state), state.batteries


def reminder_pass(sim: Simulation, state: MomentState, now) -> tuple:
    """As the reminder pass: the due reminders, when the next anchored one is due, and the due activities."""
    program = sim.scenario.program
    due = due_reminders(program, state, now)
    return (due, next_anchored_reminder_at(program, state, now, sent={d.reminder.id for d in due}),
            due_activities(state, tuple(sim.scenario.plans.values()), sim.events, now))


@pytest.fixture(scope="module")
def simulations() -> list[Simulation]:
    return [simulate_file(path) for path in EXAMPLES]


@pytest.mark.parametrize("decide, hidden", [
    (flag_pass, ("steps",)),
    (reminder_pass, ("steps",)),
    (battery_pass, ("steps", "modules")),
], ids=["flags", "reminders", "batteries"])
def test_the_tick_decides_the_same_without_what_it_does_not_read(simulations, decide, hidden):
    answered = []
    for sim in simulations:
        for later in LATER:
            now = sim.scenario.end + later
            whole = decide(sim, sim.state, now)
            without = replace(sim.state, **{name: Untouchable(name) for name in hidden})
            assert decide(sim, without, now) == whole, (sim.scenario.path, later)
            answered.append(whole)
    # not vacuous: the decisions raised flags, started batteries and found reminders or activities due
    assert any(a[0] for a in answered)


def test_the_examples_cover_both_programs_and_the_decisions_have_something_to_decide(simulations):
    assert {sim.scenario.program.id for sim in simulations} >= {"tobakshjalpen", "somnskolan"}
    nows = [(sim, sim.scenario.end + later) for sim in simulations for later in LATER]
    assert any(battery_pass(sim, sim.state, now)[0] for sim, now in nows)
    assert any(reminder_pass(sim, sim.state, now)[0] for sim, now in nows)
    assert any(flag_pass(sim, sim.state, now)[0] for sim, now in nows)
    # and the states hide something: step progress and modules the patient and the clinician made
    assert all(sim.state.steps for sim in simulations if any(e.type == "step_viewed" for e in sim.events))
    assert any(sim.state.steps for sim in simulations) and all(sim.state.modules for sim in simulations)
