"""Issue 23 in the engine: urgent alerts, holds until a clinician has looked, anchors with `pick: first`.

The program is tests/data/safety/sakerhet.yaml: "Frågor om din hälsa" alerts urgently on thoughts of
self-harm, and on psychiatric medication it holds the stop-day form and step; the one-month follow-up
starts 30 days after the first stop day.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from engine import forms
from engine.authoring.outline import outline_data, outline_text
from engine.authoring.simulate import simulate_file, to_data, to_text
from engine.errors import TransitionError
from engine.loader import check_text, load_program
from engine.model import Anchor
from engine.moment import lifecycle as lc
from engine.moment.anchors import anchor_dates_of
from engine.moment.batteries import due_batteries
from engine.moment.flags import due_flags
from engine.moment.holds import NO_HOLDS, holding, release_hold
from engine.moment.state import Actor
from moment_builders import sthlm

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tests" / "data" / "safety" / "sakerhet.yaml"
CONTENT = str(SOURCE.parent / "content" / "sakerhet")
EXAMPLES = ROOT / "examples"
PATIENT = Actor("patient", "p1", "Invånaren")
CLINICIAN = Actor("clinician", "c1", "Marita Andersson", "Vårdcentral Nord")
START = sthlm(2026, 3, 2, 9)


@pytest.fixture(scope="module")
def program():
    return load_program(SOURCE)


def _started(program):
    return lc.start(program, now=START, clinician=CLINICIAN).state


def _submit(program, state, form_id, answers, at, **kwargs):
    return lc.submit_form(program, state, form_id, answers, now=at, actor=PATIENT, **kwargs)


def _alert_flags(program, events, at):
    return [f for f in due_flags(program, _started(program), events, (), at) if f.type == "answer_alert"]


# ---------------------------------------------------------------- loading


def test_urgent_holds_and_pick_are_loaded(program):
    halsa = program.form("halsa")
    assert [(a.id, a.urgent) for a in halsa.alerts] == [("tankar", True), ("medicin", False)]
    holds = halsa.alert("medicin").holds
    assert (holds.forms, holds.steps, holds.modules) == (("stoppdag",), ("start/stoppdag",), ())
    assert holds.text.startswith("Din behandlare behöver titta på dina svar om läkemedel")
    assert halsa.alert("tankar").holds is None
    assert program.battery("en-manad").auto_start.anchor == Anchor("stoppdag", "stoppdag", "first")


def _load_changed(old: str, new: str):
    source = SOURCE.read_text(encoding="utf-8")
    assert old in source
    return check_text(source.replace(old, new, 1), "p.yaml", content_dir=CONTENT)


@pytest.mark.parametrize("old, new, expected", [
    ("          forms: [stoppdag]\n", "          forms: [stopdag]\n",
     "p.yaml:52:19: error: unknown form 'stopdag' in the holds of alert 'medicin'; did you mean 'stoppdag'?"),
    ("          steps: [start/stoppdag]\n", "          steps: [start/stopdag]\n",
     "p.yaml:53:19: error: module 'start' has no step 'stopdag' (the holds of alert 'medicin'); "
     "did you mean 'stoppdag'?"),
    ("          steps: [start/stoppdag]\n", "          steps: [strat/stoppdag]\n",
     "p.yaml:53:19: error: unknown module 'strat' in step 'strat/stoppdag' of the holds of alert 'medicin'; "
     "did you mean 'start'?"),
    ("          forms: [stoppdag]\n", "          modules: [fortsatt]\n",
     "p.yaml:52:21: error: unknown module 'fortsatt' in the holds of alert 'medicin'; did you mean 'fortsattning'?"),
    ("          text: Din behandlare behöver titta på dina svar om läkemedel innan du väljer stoppdag.\n", "",
     "p.yaml:52:11: error: missing required key 'text' in holds"),
    ("        urgent: true\n", "        urgent: ja\n",
     "p.yaml:43:17: error: urgent: expected true or false, received the text 'ja'"),
    ("pick: first}", "pick: last}",
     "p.yaml:81:58: error: pick: expected newest or first, received the text 'last'"),
    ("        holds: [stoppdag, start/stoppdag]\n", "        holds: [stoppdag]\n",
     "p.yaml:60:9: error: golden test 'läkemedel spärrar stoppdagen': expected holds [stoppdag], "
     "got [stoppdag, start/stoppdag]"),
    ("        holds: []\n", "        holds: [fortsattning]\n",
     "p.yaml:56:9: error: golden test 'tankar är brådskande': 'fortsattning' is held by no alert of this form "
     "(they hold: stoppdag, start/stoppdag)"),
])
def test_holds_urgent_and_pick_mistakes_are_located(old, new, expected):
    program, problems = _load_changed(old, new)
    assert program is None
    assert expected in [p.format() for p in problems], [p.format() for p in problems]


# ---------------------------------------------------------------- urgent


def test_an_urgent_alert_flags_urgently_and_its_feedback_comes_first(program):
    halsa = program.form("halsa")
    both = {"tankar": True, "medicin": True}
    feedback = forms.submission_feedback(halsa, both)
    assert feedback[0].startswith("**Du har svarat att du har haft tankar")
    assert feedback[1].startswith("Din behandlare behöver veta")
    assert forms.alert_feedback(halsa, ["medicin", "tankar"])[0] == feedback[0]
    at = sthlm(2026, 3, 3, 21, 45)
    submitted = _submit(program, _started(program), "halsa", both, at)
    flags = _alert_flags(program, submitted.events, at)
    assert sorted((f.cause.split(":")[2], f.urgent) for f in flags) == [("medicin", False), ("tankar", True)]


# ---------------------------------------------------------------- holds


def _held_state(program):
    at = sthlm(2026, 3, 2, 19)
    submitted = _submit(program, _started(program), "halsa", {"tankar": False, "medicin": True}, at)
    causes = [f.cause for f in _alert_flags(program, submitted.events, at)]
    return submitted.state, holding(program, causes)


def test_a_held_form_cannot_be_submitted_or_saved_and_a_held_step_not_opened(program):
    state, held = _held_state(program)
    assert held.form("stoppdag") is not None and held.step("start", "stoppdag") is not None
    assert held.step("start", "halsa") is None and held.form("halsa") is None
    at = sthlm(2026, 3, 2, 19, 5)
    with pytest.raises(TransitionError, match="Formuläret väntar på att behandlaren har sett dina svar"):
        _submit(program, state, "stoppdag", {"stoppdag": date(2026, 3, 9)}, at, held=held)
    with pytest.raises(TransitionError, match="Din behandlare behöver titta på dina svar om läkemedel"):
        lc.save_form(program, state, "stoppdag", {}, now=at, actor=PATIENT, held=held)
    with pytest.raises(TransitionError, match="Avsnittet väntar"):
        lc.view_step(program, state, "start", "stoppdag", now=at, actor=PATIENT, held=held)
    # meanwhile the patient can read other steps and write to the clinician
    lc.view_step(program, state, "start", "halsa", now=at, actor=PATIENT, held=held)
    lc.send_message(program, state, now=at, actor=PATIENT, conversation=None, notify=False)
    # without the hold (the flag handled) the stop day is accepted
    _submit(program, state, "stoppdag", {"stoppdag": date(2026, 3, 9)}, at, held=NO_HOLDS)


def test_a_held_module_holds_every_step_and_every_form_answered_in_it(program):
    source = SOURCE.read_text(encoding="utf-8").replace(
        "          forms: [stoppdag]\n          steps: [start/stoppdag]\n", "          modules: [start]\n").replace(
        "holds: [stoppdag, start/stoppdag]", "holds: [start]")
    changed, problems = check_text(source, "p.yaml", content_dir=CONTENT)
    assert changed is not None, [p.format() for p in problems]
    held = holding(changed, ["answer_alert:halsa:medicin:2026-03-02T19:00:00+01:00"])
    assert held.step("start", "halsa") is not None
    with pytest.raises(TransitionError):
        held.check_form("halsa", changed.module("start"))


def test_a_form_cannot_be_sent_through_a_held_step_even_when_the_form_itself_is_not_held(program):
    source = SOURCE.read_text(encoding="utf-8").replace(
        "          forms: [stoppdag]\n          steps: [start/stoppdag]\n", "          steps: [start/stoppdag]\n"
    ).replace("holds: [stoppdag, start/stoppdag]", "holds: [start/stoppdag]")
    changed, problems = check_text(source, "p.yaml", content_dir=CONTENT)
    assert changed is not None, [p.format() for p in problems]
    state = _submit(changed, _started(changed), "halsa", {"tankar": False, "medicin": True},
                    sthlm(2026, 3, 2, 19)).state
    held = holding(changed, ["answer_alert:halsa:medicin:2026-03-02T19:00:00+01:00"])
    assert held.form("stoppdag") is None
    with pytest.raises(TransitionError, match="Formuläret väntar"):
        _submit(changed, state, "stoppdag", {"stoppdag": date(2026, 3, 9)}, sthlm(2026, 3, 2, 20), held=held,
                module_id="start")


def test_only_open_alert_causes_with_holds_hold_something(program):
    assert not holding(program, ["answer_alert:halsa:tankar:2026-03-02T19:00:00+01:00",
                                 "new_message:2026-03-02T19:00:00+01:00", "answer_alert:okand:x:1"])


def test_releasing_a_hold_by_hand_is_a_clinician_event_that_names_what_was_held(program):
    state, held = _held_state(program)
    at = sthlm(2026, 3, 3, 10)
    released = release_hold(program, state, held.holds[0], now=at, actor=CLINICIAN)
    [event] = released.events
    assert (event.type, event.form, event.data["cause"]) == ("hold_released", "halsa", held.holds[0].cause)
    assert event.text == ("Spärren släpptes (Läkemedel mot psykisk ohälsa): formuläret Min stoppdag, "
                          "avsnitt 1.2 Min stoppdag")
    with pytest.raises(TransitionError):
        release_hold(program, state, held.holds[0], now=at, actor=PATIENT)


# ---------------------------------------------------------------- pick: first


def test_a_first_anchor_keeps_the_first_stop_day_and_a_newest_anchor_follows_the_change(program):
    state = _submit(program, _started(program), "stoppdag", {"stoppdag": date(2026, 3, 9)},
                    sthlm(2026, 3, 2, 19)).state
    state = _submit(program, state, "stoppdag", {"stoppdag": date(2026, 4, 1)}, sthlm(2026, 3, 25, 20)).state
    assert dict(state.anchor_dates) == {"stoppdag/stoppdag@first": date(2026, 3, 9)}
    [due] = due_batteries(program, state, sthlm(2026, 4, 8, 9))
    assert due.at == sthlm(2026, 4, 8, 9)  # 30 days after 9 March, not after 1 April
    stored = [("stoppdag", {"stoppdag": "2026-03-09"}), ("stoppdag", {"stoppdag": "2026-04-01"})]
    assert dict(anchor_dates_of(program, stored)) == {"stoppdag/stoppdag@first": date(2026, 3, 9)}


# ---------------------------------------------------------------- simulate and outline


def test_the_urgent_example_reports_the_immediate_notice_and_the_handled_flag():
    sim = simulate_file(EXAMPLES / "bradskande-larm.yaml")
    data = to_data(sim)
    assert [(f["type"], f["at"], f["urgent"]) for f in data["flags"]] == [
        ("answer_alert", "2026-03-03T21:45:00+01:00", True)]
    text = to_text(sim)
    assert ("2026-03-03 21:45  AVISERING         Brådskande: e-post och SMS till ansvarig behandlare direkt "
            "(neutral text)") in text
    assert "2026-03-04 08:05  Marita Andersson  Flaggan Svar kräver uppmärksamhet hanterades" in text
    assert data["holds"] == []


def test_the_hold_example_refuses_the_stop_day_until_the_flag_is_handled():
    data = to_data(simulate_file(EXAMPLES / "sparr-till-behandlaren-tittat.yaml"))
    rejected = [(e["at"], e["text"].split(" på ")[0]) for e in data["events"] if e["type"] == "action_rejected"]
    assert rejected == [("2026-03-02T19:05:00+01:00", "Avvisad åtgärd view_step: Avsnittet väntar"),
                        ("2026-03-02T19:06:00+01:00", "Avvisad åtgärd submit_form: Formuläret väntar")]
    submitted = [e["at"] for e in data["events"] if e["text"] == "Formulär Min stoppdag skickades in"]
    assert submitted == ["2026-03-03T18:05:00+01:00"]


def test_a_hold_released_by_hand_stays_released_and_is_shown_until_then(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"program: {SOURCE}\nstart: 2026-03-02T09:00\nuntil: 2026-03-03\nactions:\n"
        "  - {at: 2026-03-02T19:00, do: submit_form, form: halsa, answers: {tankar: false, medicin: true}}\n",
        encoding="utf-8")
    held = simulate_file(scenario)
    assert [h["held"] for h in to_data(held)["holds"]] == [["stoppdag", "start/stoppdag"]]
    assert ("Spärrat tills behandlaren har sett svaren\n  formuläret Min stoppdag, avsnitt 1.2 Min stoppdag "
            "(Läkemedel mot psykisk ohälsa): Din behandlare behöver titta") in to_text(held)
    with scenario.open("a", encoding="utf-8") as f:
        f.write("  - {at: 2026-03-03T08:00, do: release_hold, form: halsa, alert: medicin}\n"
                "  - {at: 2026-03-03T08:30, do: submit_form, form: stoppdag, answers: {stoppdag: 2026-03-09}}\n"
                "  - {at: 2026-03-03T08:40, do: release_hold, form: halsa, alert: medicin, expect_error: true}\n")
    released = to_data(simulate_file(scenario))
    assert released["holds"] == []
    assert [e["type"] for e in released["events"]][-3:] == ["hold_released", "form_submitted", "action_rejected"]


def test_the_first_stop_day_example_starts_the_follow_up_from_the_first_stop_day():
    result = CliRunner().invoke(main, ["simulate", str(EXAMPLES / "forsta-stoppdagen.yaml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    started = [e for e in json.loads(result.output)["events"] if e["type"] == "battery_started"]
    assert [e["at"] for e in started] == ["2026-04-08T09:00:00+02:00"]


def test_the_outline_shows_urgency_and_what_is_held(program):
    text = outline_text(program)
    assert ("  Larm: Tankar på att skada sig själv (när tankar == true; BRÅDSKANDE, skickas direkt till ansvarig "
            "behandlare)") in text
    assert "  Larm: Läkemedel mot psykisk ohälsa (när medicin == true; inte brådskande)" in text
    assert "    Spärrar tills flaggan är hanterad: formulär Min stoppdag [stoppdag], avsnitt 1.2 Min stoppdag" in text
    alerts = next(f for f in outline_data(program)["forms"] if f["id"] == "halsa")["alerts"]
    assert alerts[1]["holds"]["forms"] == ["stoppdag"] and alerts[0]["urgent"] is True

