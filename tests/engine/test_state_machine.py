"""Random sequences of clinician and patient actions keep the moment's invariants."""
from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine.moment import flags as fl
from engine.moment import lifecycle as lc
from engine.moment.batteries import start_battery
from engine.errors import AnswerError, TransitionError
from engine.moment.state import MODULE_STATES, MOMENT_STATUSES, PATIENT_STATUSES, STEP_PROGRESS, Actor
from moment_builders import CLINICIAN, OTHER_CLINICIAN, PATIENT, build_program, sthlm

PROGRAM = build_program()
MODULE_IDS = [m.id for m in PROGRAM.modules]
STEPS = [(m.id, s.id) for m in PROGRAM.modules for s in m.steps]
START = sthlm(2026, 3, 20, 9)
SUBSCRIPTIONS = [
    fl.PatientInactivity(days=3),
    fl.FormSaved(),
    fl.FormReview(days=1),
    fl.BatteryStarted(),
    fl.BatteryFormSaved(),
    fl.ModuleReminder(module="steg-1", days_before=1),
    fl.ModuleReminder(module="steg-2", days_before=3),
    fl.DateReminder(date=sthlm(2026, 3, 29).date(), note="Ring"),
    fl.MomentEndingSoon(days=65),
    fl.ClinicianChanged(),
    fl.NewMessage(),
]
ANSWERS = {
    "vanor": st.fixed_dictionaries({"cigs": st.one_of(st.none(), st.integers(-5, 120))}),
    "skal": st.fixed_dictionaries({"viktigt": st.integers(-1, 11)}),
    "ftnd": st.fixed_dictionaries({"first": st.sampled_from(["within5", "after60", "never"])}),
    "uppfoljning": st.fixed_dictionaries({"rokfri": st.booleans()}),
    "tre-fragor": st.just({}),
}
forms_with_answers = st.sampled_from(sorted(ANSWERS)).flatmap(
    lambda f: st.tuples(st.just(f), ANSWERS[f]))
modules = st.sampled_from([*MODULE_IDS, "okand"])
clinicians = st.sampled_from([CLINICIAN, OTHER_CLINICIAN])


class MomentMachine(RuleBasedStateMachine):
    """One moment driven by random actions, with flags evaluated whenever time passes."""

    def __init__(self):
        super().__init__()
        t = lc.start(PROGRAM, now=START, clinician=CLINICIAN)
        self.state, self.events, self.now = t.state, list(t.events), START

    def attempt(self, action):
        try:
            t = action()
        except (TransitionError, AnswerError):
            return  # rejected: nothing changes
        self.state = t.state
        self.events.extend(t.events)

    @rule(hours=st.integers(1, 96))
    def time_passes(self, hours):
        self.now += timedelta(hours=hours)
        due = fl.due_flags(PROGRAM, self.state, self.events, SUBSCRIPTIONS, self.now)
        self.events.extend(fl.flag_event(f) for f in due)

    @rule(module=modules, action=st.sampled_from(["activate", "complete", "upcoming"]),
          days=st.one_of(st.none(), st.integers(0, 20)))
    def change_module(self, module, action, days):
        if action == "activate":
            self.attempt(lambda: lc.activate_module(PROGRAM, self.state, module, now=self.now,
                                                    actor=CLINICIAN, days=days))
        elif action == "complete":
            self.attempt(lambda: lc.complete_module(PROGRAM, self.state, module, now=self.now, actor=CLINICIAN))
        else:
            self.attempt(lambda: lc.set_upcoming(PROGRAM, self.state, module, now=self.now, actor=CLINICIAN))

    @rule(module=modules, days_left=st.integers(-2, 30))
    def set_days_left(self, module, days_left):
        self.attempt(lambda: lc.set_days_left(PROGRAM, self.state, module, days_left, now=self.now,
                                              actor=CLINICIAN))

    @rule(module=modules, status=st.sampled_from([*PATIENT_STATUSES, "visible"]))
    def set_status(self, module, status):
        self.attempt(lambda: lc.set_status(PROGRAM, self.state, module, status, now=self.now, actor=CLINICIAN))

    @rule(where=st.sampled_from(STEPS))
    def patient_reads(self, where):
        self.attempt(lambda: lc.view_step(PROGRAM, self.state, *where, now=self.now, actor=PATIENT))

    @rule(form_answers=forms_with_answers, submit=st.booleans())
    def patient_answers(self, form_answers, submit):
        form, answers = form_answers
        action = lc.submit_form if submit else lc.save_form
        self.attempt(lambda: action(PROGRAM, self.state, form, answers, now=self.now, actor=PATIENT))

    @rule(form=st.sampled_from(sorted(ANSWERS)))
    def clinician_opens(self, form):
        self.attempt(lambda: lc.open_form(PROGRAM, self.state, form, now=self.now, actor=CLINICIAN))

    @rule(sender=st.sampled_from([PATIENT, CLINICIAN]), new=st.booleans(), notify=st.booleans())
    def message(self, sender, new, notify):
        self.attempt(lambda: lc.send_message(PROGRAM, self.state, now=self.now, actor=sender,
                                             conversation=None if new else "k1", notify=notify))

    @rule(reason=st.sampled_from(["genomford", "avbruten", "okand"]))
    def end(self, reason):
        self.attempt(lambda: lc.end(PROGRAM, self.state, reason, now=self.now, actor=CLINICIAN))

    @rule(days=st.integers(-3, 60))
    def maintain(self, days):
        until = (self.now + timedelta(days=days)).date()
        self.attempt(lambda: lc.maintain(PROGRAM, self.state, until, now=self.now, actor=CLINICIAN))

    @rule(new=clinicians)
    def change_clinician(self, new):
        self.attempt(lambda: lc.change_clinician(PROGRAM, self.state, now=self.now, actor=CLINICIAN, new=new))

    @rule()
    def battery(self):
        self.attempt(lambda: start_battery(PROGRAM, self.state, "uppfoljning-3m", now=self.now,
                                           actor=CLINICIAN))

    @invariant()
    def one_state_per_module(self):
        assert list(self.state.modules) == MODULE_IDS
        for module_id, ms in self.state.modules.items():
            assert ms.id == module_id
            assert ms.state in MODULE_STATES and ms.status in PATIENT_STATUSES
            assert (ms.activated_at is not None) == (ms.state != "upcoming")
        assert self.state.status in MOMENT_STATUSES
        assert set(self.state.steps.values()) <= set(STEP_PROGRESS)

    @invariant()
    def completed_never_exceeds_total(self):
        done, total = lc.modules_completed(self.state)
        assert 0 <= done <= total == len(PROGRAM.modules)

    @invariant()
    def every_event_has_a_time_and_an_actor(self):
        for e in self.events:
            assert e.at.utcoffset() is not None and START <= e.at <= self.now
            assert isinstance(e.actor, Actor) and e.actor.kind in ("clinician", "patient", "system")
            assert e.type and e.text
            json.dumps(dict(e.data))  # the web stores event data as JSON

    @invariant()
    def no_flag_fires_twice_for_one_cause(self):
        causes = [e.data["cause"] for e in self.events if e.type == "flag_raised"]
        assert len(causes) == len(set(causes))

    @invariant()
    def days_left_are_never_negative_and_hidden_modules_are_invisible(self):
        for module_id, ms in self.state.modules.items():
            left = lc.days_left(PROGRAM, self.state, module_id, self.now)
            assert left is None or left >= 0
            if ms.status == "hidden":
                assert not lc.patient_can_see(self.state, module_id, self.now)
            if lc.moment_status(self.state, self.now) != "active":
                assert not lc.patient_can_write(self.state, module_id, self.now)


MomentMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_action_sequences_keep_the_invariants = MomentMachine.TestCase
