"""`stegvis simulate`: run a scripted moment through the engine, with time passing day by day.

The clinician starts the moment at the scenario's `start`; each action is applied at its time;
the subscribed flag rules (and the missed-activity flag of activity plans) are evaluated at every
midnight, just before every action and at the end of the `until` day; batteries with auto_start
start themselves (system actor) at their due time, checked at the same points. The patient's
submissions use the action's Stockholm date as today(). A rejected action stops the
run with a located ProgramError unless it says `expect_error: true`, in which case it is recorded
as an `action_rejected` event and the run goes on (an expected rejection that succeeds is an error).

An urgent alert's flag is reported with the neutral e-mail and SMS the responsible clinician gets at
once. What an alert holds stays held until the clinician handles its flag (`handle_flag`) or
releases the hold by hand (`release_hold`); the patient's actions on held items are rejected.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from .. import forms
from ..moment import lifecycle as lc
from ..moment import schedule
from ..moment.batteries import due_batteries, start_battery
from ..moment.clinician_forms import fill_for_patient
from ..moment.entries import entries_of, latest_values
from ..moment.reminders import DEFAULT_QUIET_HOURS, DueReminder, due_reminders, next_allowed
from ..errors import AnswerError, Problem, ProgramError, TransitionError
from ..expr import Entry
from ..moment.flags import LABELS, Flag, due_flags, flag_event
from ..moment.holds import ActiveHold, Holding, flag_handled_event, held_text, holding, release_hold
from ..moment.mandatory_flags import alert_of_cause
from ..localtime import at_local, fmt, iso, local_date
from ..model import Program, frozen_map
from ..text import plural
from .scenario import PATIENT, Action, Scenario, load_scenario
from ..moment.state import SYSTEM, Event, MomentState, Transition

__all__ = ["Simulation", "simulate_file", "run", "to_data", "to_text"]

_MOMENT_LABELS = {"active": "aktivt", "maintenance": "vidmakthålls", "ended": "avslutat"}


@dataclass(frozen=True)
class Simulation:
    """The outcome of a scenario: final state, every event (flags included), rejected actions, flags."""

    scenario: Scenario
    state: MomentState
    events: tuple[Event, ...]
    rejected: tuple[Event, ...]
    flags: tuple[Flag, ...]
    #: what alerts still hold at the end of `until`
    holding: Holding = Holding()
    #: the authored reminders that fell due, each once (the web sends them; an SMS waits out quiet hours)
    reminders: tuple[DueReminder, ...] = ()


def simulate_file(path: str | os.PathLike[str]) -> Simulation:
    """Load a scenario file and run it; ProgramError for any problem or unexpected rejection."""
    return run(load_scenario(path))


def run(scenario: Scenario) -> Simulation:
    """Run a loaded scenario day by day up to the end of its `until` day."""
    return _Run(scenario).go()


class _Run:
    def __init__(self, scenario: Scenario):
        self.sc = scenario
        self.program = scenario.program
        t = lc.start(self.program, now=scenario.start, clinician=scenario.clinician,
                     care_unit=scenario.care_unit)
        self.state = t.state
        self.events: list[Event] = list(t.events)
        self.rejected: list[Event] = []
        self.flags: list[Flag] = []
        self.reminders: dict[str, DueReminder] = {}
        self.plans: dict[str, schedule.ActivityPlan] = {}
        #: causes of flags the clinician handled, and of holds released by hand
        self.handled: set[str] = set()
        self.released: set[str] = set()
        self.next_midnight = at_local(scenario.start.date() + timedelta(days=1))

    def go(self) -> Simulation:
        for action in self.sc.actions:
            self.pass_time(action.at)
            self.apply(action)
        self.pass_time(self.sc.end)
        return Simulation(self.sc, self.state, tuple(self.events), tuple(self.rejected), tuple(self.flags),
                          self.held(), tuple(self.reminders.values()))

    def pass_time(self, until: datetime) -> None:
        """Evaluate flags at every midnight up to `until`, then at `until` itself."""
        while self.next_midnight <= until:
            self.evaluate(self.next_midnight)
            self.next_midnight = at_local(self.next_midnight.date() + timedelta(days=1))
        self.evaluate(until)

    def evaluate(self, now: datetime) -> None:
        for battery in due_batteries(self.program, self.state, now):
            started = start_battery(self.program, self.state, battery.battery.id, now=battery.at, actor=SYSTEM)
            self.state = started.state
            self.events.extend(started.events)
        for reminder in due_reminders(self.program, self.state, now):
            self.reminders.setdefault(reminder.key, reminder)
        due = due_flags(self.program, self.state, self.events, self.sc.subscriptions, now,
                        plans=tuple(self.plans.values()))
        self.flags.extend(due)
        self.events.extend(flag_event(f) for f in due)

    def apply(self, action: Action) -> None:
        actor = PATIENT if action.actor == "patient" else self.state.clinician
        try:
            transition = _VERBS[action.verb](self, action, actor)
        except (TransitionError, AnswerError) as exc:
            message = _message(exc)
            if not action.expect_error:
                raise ProgramError([Problem(action.location, f"{action.verb} was rejected: {message}")]) from None
            args = action.args
            self.rejected.append(Event(
                type="action_rejected", at=action.at, actor=actor, module=args.get("module"),
                step=args.get("step"), form=args.get("form"),
                data=frozen_map({"verb": action.verb, "error": message}),
                text=f"Avvisad åtgärd {action.verb}: {message}"))
            return
        if action.expect_error:
            raise ProgramError([Problem(action.location, f"{action.verb} was expected to be rejected "
                                                         "(expect_error: true) but it succeeded")])
        self.state = transition.state
        self.events.extend(transition.events)
        if action.verb == "add_activity_plan":
            plan = action.args["plan"]
            self.plans[plan.id] = plan

    def held(self) -> Holding:
        """What the open alert flags hold now (handled flags and released holds hold nothing)."""
        return holding(self.program, [f.cause for f in self.flags if f.cause not in self.handled | self.released])

    def open_alert(self, a: Action) -> Flag:
        """The newest open flag of the action's form and alert (TransitionError if none is open)."""
        for flag in reversed(self.flags):
            named = alert_of_cause(self.program, flag.cause)
            if (named is not None and named[0] == a.args["form"] and named[1].id == a.args["alert"]
                    and flag.cause not in self.handled):
                return flag
        raise TransitionError(f"Ingen öppen flagga för larmet {a.args['alert']!r} i formulär {a.args['form']!r}.")

    def handle_flag(self, a: Action, who: Any) -> Transition:
        flag = self.open_alert(a)
        self.handled.add(flag.cause)
        return Transition(self.state, (flag_handled_event(LABELS[flag.type], flag.type, flag.cause, now=a.at,
                                                          actor=who),))

    def release_hold(self, a: Action, who: Any) -> Transition:
        flag = self.open_alert(a)
        hold = next((h for h in self.held().holds if h.cause == flag.cause), None)
        if hold is None:
            raise TransitionError(f"Larmet {a.args['alert']!r} spärrar inget just nu.")
        transition = release_hold(self.program, self.state, hold, now=a.at, actor=who)
        self.released.add(flag.cause)
        return transition

    def plan(self, plan_id: str) -> schedule.ActivityPlan:
        if plan_id not in self.plans:  # its add_activity_plan action was rejected
            raise TransitionError(f"Aktivitetsplan {plan_id} finns inte i momentet.")
        return self.plans[plan_id]


def _message(exc: Exception) -> str:
    if isinstance(exc, AnswerError):
        return "ogiltiga svar: " + "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
    return str(exc)


def _answers(run: _Run, a: Action) -> dict[str, Any]:
    form = run.program.form(a.args["form"])
    answers = a.args.get("answers") or {}
    return forms.from_json(form, answers) if form else dict(answers)


def _history(run: _Run, a: Action) -> list[Entry]:
    """The earlier entries of a form with entries (none for other forms)."""
    form = run.program.form(a.args["form"])
    return entries_of(form, run.events) if form is not None and form.entries else []


def _form_action(fn: Callable[..., Transition]) -> Callable[[_Run, Action, Any], Transition]:
    return lambda r, a, who: fn(r.program, r.state, a.args["form"], _answers(r, a), now=a.at, actor=who,
                                module_id=a.args.get("module"), held=r.held())


def _module_action(fn: Callable[..., Transition]) -> Callable[[_Run, Action, Any], Transition]:
    return lambda r, a, who: fn(r.program, r.state, a.args["module"], now=a.at, actor=who)


_VERBS: dict[str, Callable[[_Run, Action, Any], Transition]] = {
    "view_step": lambda r, a, who: lc.view_step(r.program, r.state, a.args["module"], a.args["step"],
                                                now=a.at, actor=who, held=r.held()),
    "save_form": _form_action(lc.save_form),
    "submit_form": lambda r, a, who: lc.submit_form(r.program, r.state, a.args["form"], _answers(r, a), now=a.at,
                                                    actor=who, module_id=a.args.get("module"),
                                                    today=local_date(a.at), held=r.held(), history=_history(r, a),
                                                    others=latest_values(r.program, r.events)),
    "fill_for_patient": lambda r, a, who: fill_for_patient(r.program, r.state, a.args["form"], _answers(r, a),
                                                           now=a.at, actor=who, today=local_date(a.at),
                                                           others=latest_values(r.program, r.events)),
    "open_form": lambda r, a, who: lc.open_form(r.program, r.state, a.args["form"], now=a.at, actor=who),
    "send_message": lambda r, a, who: lc.send_message(r.program, r.state, now=a.at, actor=who,
                                                      conversation=a.args.get("conversation"),
                                                      notify=a.args.get("notify", False)),
    "activate_module": lambda r, a, who: lc.activate_module(r.program, r.state, a.args["module"], now=a.at,
                                                            actor=who, days=a.args.get("days", lc.DEFAULT_DAYS)),
    "complete_module": _module_action(lc.complete_module),
    "set_upcoming": _module_action(lc.set_upcoming),
    "set_days_left": lambda r, a, who: lc.set_days_left(r.program, r.state, a.args["module"], a.args["days"],
                                                        now=a.at, actor=who),
    "set_status": lambda r, a, who: lc.set_status(r.program, r.state, a.args["module"], a.args["status"],
                                                  now=a.at, actor=who),
    "end": lambda r, a, who: lc.end(r.program, r.state, a.args["reason"], now=a.at, actor=who),
    "maintain": lambda r, a, who: lc.maintain(r.program, r.state, a.args["until"], now=a.at, actor=who),
    "change_clinician": lambda r, a, who: lc.change_clinician(r.program, r.state, now=a.at, actor=who,
                                                              new=a.args["clinician"]),
    "hand_over": lambda r, a, who: lc.hand_over(r.program, r.state, a.args["unit"], now=a.at, actor=who),
    "link": lambda r, a, who: lc.link(r.program, r.state, a.args["moment"], now=a.at, actor=who),
    "start_battery": lambda r, a, who: start_battery(r.program, r.state, a.args["battery"], now=a.at, actor=who),
    "add_activity_plan": lambda r, a, who: schedule.add_activity_plan(r.program, r.state, a.args["plan"],
                                                                      now=a.at, actor=who),
    "register_activity": lambda r, a, who: schedule.register_activity(
        r.program, r.state, r.plan(a.args["plan"]), r.events, now=a.at, actor=who,
        occurrence=a.args.get("occurrence"), values=a.args.get("values"), comment=a.args.get("comment")),
    "skip_activity": lambda r, a, who: schedule.skip_activity(
        r.program, r.state, r.plan(a.args["plan"]), r.events, now=a.at, actor=who,
        occurrence=a.args.get("occurrence")),
    "handle_flag": lambda r, a, who: r.handle_flag(a, who),
    "release_hold": lambda r, a, who: r.release_hold(a, who),
}


# --- output ----------------------------------------------------------------------------------------


def _hold_data(program: Program, hold: ActiveHold) -> dict[str, Any]:
    return {"form": hold.form, "alert": hold.alert.id, "held": list(hold.holds.names), "text": hold.holds.text,
            "what": held_text(program, hold.holds.names)}


def _timeline(sim: Simulation) -> list[Event]:
    """Every event except flag_raised (flags are listed separately), rejected actions included."""
    kept = [e for e in sim.events if e.type != "flag_raised"]
    return sorted([*kept, *sim.rejected], key=lambda e: e.at)


def _computed(sim: Simulation, event: Event) -> list[tuple[str, str, Any, str | None]]:
    """(id, "Label: shown value", value, band label) of the computed values a submission recorded."""
    form = sim.scenario.program.form(event.form or "") if event.type == "form_submitted" else None
    recorded = event.data.get("computed") or {}
    if form is None:
        return []
    found = []
    for c in form.computed:
        value = recorded.get(c.id)
        band = forms.computed_band(c, value)
        found.append((c.id, f"{c.label}: {forms.show_value(c, value)}", value, band.label if band else None))
    return found


def _reminder_text(due: DueReminder) -> str:
    """The reminder's title, and when an SMS is sent if it falls in the quiet hours."""
    sms = next_allowed(due.at, DEFAULT_QUIET_HOURS)
    later = f" (SMS {fmt(sms)} efter tysta timmar {DEFAULT_QUIET_HOURS})" if sms != due.at else ""
    return due.reminder.title + later


def _score(score: Any) -> str:
    """"Poäng: 17 (Måttlig sömnlöshet)" from a submission's recorded score."""
    total = score.get("total")
    shown = "–" if total is None else forms.format_number(int(total) if float(total).is_integer() else total)
    return f"Poäng: {shown}" + (f" ({score['band']})" if score.get("band") else "")


def to_data(sim: Simulation) -> dict[str, Any]:
    """The JSON output: events (submissions with their computed values), flags, modules and the moment
    as of the end of `until`."""
    end, state, program = sim.scenario.end, sim.state, sim.scenario.program
    done, total = lc.modules_completed(state)

    def event(e: Event) -> dict[str, Any]:
        data: dict[str, Any] = {"at": iso(e.at), "type": e.type, "actor": e.actor.kind, "module": e.module,
                                "text": e.text}
        computed = _computed(sim, e)
        if computed:
            data["computed"] = {value_id: {"value": value, "shown": shown.split(": ", 1)[1], "band": band}
                                for value_id, shown, value, band in computed}
        return data

    return {
        "events": [event(e) for e in _timeline(sim)],
        "flags": [{"at": iso(f.at), "type": f.type, "text": f.text, "urgent": f.urgent} for f in sim.flags],
        "holds": [_hold_data(program, h) for h in sim.holding.holds],
        "reminders": [{"at": iso(r.at), "id": r.reminder.id, "title": r.reminder.title,
                       "sms_at": iso(next_allowed(r.at, DEFAULT_QUIET_HOURS))} for r in sim.reminders],
        "modules": [{"id": ms.id, "state": ms.state, "status": ms.status,
                     "days_left": lc.days_left(program, state, ms.id, end)} for ms in state.modules.values()],
        "moment": {"state": lc.moment_status(state, end), "days_in_moment": lc.days_in_moment(state, end),
                   "modules_completed": done, "modules_total": total},
    }


def to_text(sim: Simulation) -> str:
    """A readable report: timeline with flags and rejections, module table, moment summary."""
    sc, state, program = sim.scenario, sim.state, sim.scenario.program
    lines = [f"{program.title} {program.version} — {fmt(sc.start)} till {sc.until} ({sc.path})", "", "Tidslinje"]
    entries = [(e.at, e.actor.name, e.text) for e in _timeline(sim) if e.type != "action_rejected"]
    entries += [(e.at, "AVVISAD", e.text) for e in sim.rejected]
    entries += [(f.at, "FLAGGA", f"{'Brådskande! ' if f.urgent else ''}{LABELS[f.type]}: {f.text}")
                for f in sim.flags]
    entries += [(f.at, "AVISERING", "Brådskande: e-post och SMS till ansvarig behandlare direkt (neutral text)")
                for f in sim.flags if f.urgent]
    entries += [(f.at, "SPÄRR", f"Väntar på behandlaren: {held_text(program, h.holds.names)}")
                for f in sim.flags for h in holding(program, [f.cause]).holds]
    entries += [(r.at, "PÅMINNELSE", _reminder_text(r)) for r in sim.reminders]
    width = max((len(who) for _, who, _ in entries), default=0)
    submitted = [e for e in sim.events if e.type == "form_submitted"]
    computed = {(e.at, e.text): _computed(sim, e) for e in submitted}
    scores = {(e.at, e.text): [_score(e.data["score"])] for e in submitted if e.data.get("score")}
    for at, who, text in sorted(entries, key=lambda x: x[0]):
        lines.append(f"  {fmt(at)}  {who:<{width}}  {text}")
        shown = [*scores.get((at, text), []), *(shown for _, shown, _, _ in computed.get((at, text), []))]
        if shown:  # a submission's score and computed values, indented under it
            lines.append(f"  {'':<16}  {'':<{width}}    " + ", ".join(shown))
    lines += ["", "Moduler"]
    title_width = max(len(m.title) for m in program.modules)
    for m in program.modules:
        ms = state.modules[m.id]
        left = lc.days_left(program, state, m.id, sc.end)
        lines.append(f"  {m.title:<{title_width}}  {lc.STATE_LABELS[ms.state]:<9}  "
                     f"{lc.STATUS_LABELS[ms.status]:<9}  Dagar kvar: {'–' if left is None else left}")
    if sim.holding:
        lines += ["", "Spärrat tills behandlaren har sett svaren"]
        lines += [f"  {held_text(program, h.holds.names)} ({h.alert.title}): {h.holds.text}"
                  for h in sim.holding.holds]
    done, total = lc.modules_completed(state)
    last = state.last_active
    lines += ["", f"Moment {_MOMENT_LABELS[lc.moment_status(state, sc.end)]} {sc.until}: "
                  f"Dagar i momentet: {lc.days_in_moment(state, sc.end)} (rek. {plural(program.recommended_days, 'dag', 'dagar')}), "
                  f"Moduler avklarade: {done} av {total}, Senast aktiv: {fmt(last) if last else 'Aldrig'}, "
                  f"Flaggor: {len(sim.flags)}"]
    return "\n".join(lines) + "\n"
