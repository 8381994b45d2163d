"""`stegvis simulate`: the example scenarios, the output shape, and located errors."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cli import main
from engine.errors import ProgramError
from engine import forms
from engine.authoring.simulate import simulate_file, to_data
from engine.moment import lifecycle as lc
from engine.moment.reminders import due_reminders

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROGRAM = ROOT / "programs" / "tobakshjalpen.yaml"


def simulate(*args):
    return CliRunner().invoke(main, ["simulate", *map(str, args)])


def write(tmp_path, text, name="scenario.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def scenario(actions="", subscriptions="", until="2026-05-01", program=PROGRAM):
    return (f"program: {program}\nstart: 2026-03-02T09:00\nuntil: {until}\n"
            + (f"subscriptions:\n{subscriptions}" if subscriptions else "")
            + (f"actions:\n{actions}" if actions else ""))


# --- the two examples ---------------------------------------------------------------------------


def test_a_patient_who_never_logs_in_gives_one_inactivity_flag_seven_days_after_start():
    result = simulate(EXAMPLES / "inaktiv-invanare.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["flags"] == [{
        "at": "2026-03-09T09:00:00+01:00",
        "type": "patient_inactivity",
        "text": "Invånaren har inte varit aktiv sedan momentet startade 2026-03-02 09:00 (7 dagar).",
        "urgent": False,
    }]
    assert data["moment"] == {"state": "active", "days_in_moment": 30, "modules_completed": 0,
                              "modules_total": 14}


def test_the_first_month_example_follows_the_manual():
    data = to_data(simulate_file(EXAMPLES / "forsta-manaden.yaml"))
    by_text = {e["text"]: e for e in data["events"]}
    # day 8: Steg 1 completed and Steg 2 activated, with Swedish timeline texts
    completed = by_text["Modul Steg 1 Uppvärmning och förberedelser – lägg en bra grund sattes till avklarad"]
    assert completed == {"at": "2026-03-10T09:00:00+01:00", "type": "module_completed", "actor": "clinician",
                         "module": "steg-1",
                         "text": "Modul Steg 1 Uppvärmning och förberedelser – lägg en bra grund sattes till avklarad"}
    assert by_text["Modul Steg 2 Uppstart och stoppfasen – var nyfiken och aktiv startades"]["at"] == \
        "2026-03-10T09:05:00+01:00"
    assert [(f["type"], f["at"]) for f in data["flags"]] == [
        ("form_saved", "2026-03-02T19:50:00+01:00"),
        ("new_message", "2026-03-03T18:00:00+01:00"),
        ("patient_inactivity", "2026-03-19T20:00:00+01:00"),
        ("module_reminder", "2026-03-22T00:00:00+01:00"),
        ("activity_missed", "2026-04-01T00:00:00+02:00"),
    ]
    rejected = [e for e in data["events"] if e["type"] == "action_rejected"]
    assert [(e["at"], e["module"]) for e in rejected] == [
        ("2026-03-06T20:00:00+01:00", "steg-2"),
        ("2026-04-10T20:05:00+02:00", None),
    ]
    assert rejected[1]["text"] == ("Avvisad åtgärd submit_form: Momentet vidmakthålls: invånaren kan läsa "
                                   "men inte skicka in formulär.")
    assert ("2026-04-10T20:00:00+02:00", "step_viewed") in [(e["at"], e["type"]) for e in data["events"]]
    modules = {m["id"]: m for m in data["modules"]}
    assert modules["steg-1"] == {"id": "steg-1", "state": "completed", "status": "read_only", "days_left": 7}
    assert modules["steg-2"]["state"] == "current"
    assert data["moment"] == {"state": "ended", "days_in_moment": 35, "modules_completed": 1,
                              "modules_total": 14}


def test_steg_2_has_fourteen_days_left_on_the_day_it_is_activated(tmp_path):
    path = write(tmp_path, scenario(
        "  - {at: 2026-03-10T09:00, do: complete_module, module: steg-1}\n"
        "  - {at: 2026-03-10T09:05, do: activate_module, module: steg-2}\n", until="2026-03-10"))
    data = to_data(simulate_file(path))
    steg2 = next(m for m in data["modules"] if m["id"] == "steg-2")
    assert steg2 == {"id": "steg-2", "state": "current", "status": "read_write", "days_left": 14}
    assert data["moment"]["days_in_moment"] == 8
    assert data["moment"]["modules_completed"] == 1


def test_text_output_shows_timeline_flags_and_summary():
    result = simulate(EXAMPLES / "inaktiv-invanare.yaml")
    assert result.exit_code == 0, result.output
    assert "  2026-03-09 09:00  FLAGGA            Invånare inaktivitet: Invånaren har inte varit aktiv" in result.output
    assert result.output.rstrip().endswith(
        "Moment aktivt 2026-04-01: Dagar i momentet: 30 (rek. 365 dagar), Moduler avklarade: 0 av 14, "
        "Senast aktiv: Aldrig, Flaggor: 1")


# --- program path, errors ------------------------------------------------------------------------


def test_the_program_path_may_be_relative_to_the_current_directory(tmp_path, monkeypatch):
    path = write(tmp_path, scenario(program="programs/tobakshjalpen.yaml", until="2026-03-03"))
    monkeypatch.chdir(ROOT)
    assert simulate_file(path).state.program_id == "tobakshjalpen"


def test_a_missing_program_is_reported_at_its_line(tmp_path):
    path = write(tmp_path, scenario(program="nowhere.yaml"))
    result = simulate(path)
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}:1:10: error: program: cannot find nowhere.yaml")


def test_a_rejected_action_exits_1_with_its_location(tmp_path):
    path = write(tmp_path, scenario(
        "  - {at: 2026-03-03T10:00, do: view_step, module: steg-1, step: motivation}\n"
        "  - {at: 2026-03-04T10:00, do: complete_module, module: steg-2}\n"))
    result = simulate(path)
    assert result.exit_code == 1
    assert result.output == (f"{path}:6:5: error: complete_module was rejected: Modul Steg 2 Uppstart och "
                             "stoppfasen – var nyfiken och aktiv är kommande; bara aktuella moduler kan sättas "
                             "till avklarad.\n")


def test_after_end_a_patient_action_is_rejected_and_recorded_when_expected(tmp_path):
    path = write(tmp_path, scenario(
        "  - {at: 2026-03-20T10:00, do: end, reason: avbruten}\n"
        "  - {at: 2026-03-21T10:00, do: view_step, module: steg-1, step: motivation, expect_error: true}\n"))
    data = to_data(simulate_file(path))
    assert data["events"][-1] == {
        "at": "2026-03-21T10:00:00+01:00", "type": "action_rejected", "actor": "patient", "module": "steg-1",
        "text": "Avvisad åtgärd view_step: Momentet är avslutat: invånaren har inte längre tillgång till programmet."}
    assert data["moment"]["state"] == "ended"


def test_an_expected_rejection_that_succeeds_is_an_error(tmp_path):
    path = write(tmp_path, scenario(
        "  - {at: 2026-03-03T10:00, do: view_step, module: steg-1, step: motivation, expect_error: true}\n"))
    with pytest.raises(ProgramError) as error:
        simulate_file(path)
    assert [p.format() for p in error.value.problems] == [
        f"{path}:5:5: error: view_step was expected to be rejected (expect_error: true) but it succeeded"]


def test_invalid_answers_are_a_rejection_with_the_swedish_messages(tmp_path):
    path = write(tmp_path, scenario(
        "  - {at: 2026-03-03T10:00, do: submit_form, form: skal, answers: {viktigt: 4}}\n"))
    result = simulate(path)
    assert result.exit_code == 1
    assert "submit_form was rejected: ogiltiga svar: skal: Frågan måste besvaras." in result.output


def test_schema_problems_are_all_reported_with_positions(tmp_path):
    path = write(tmp_path, scenario(
        "  - {at: 2026-03-03T10:00, do: view_stp, module: steg-1}\n"
        "  - {at: 2026-03-03T10:00, do: view_step, modul: steg-1, step: motivation}\n"
        "  - {at: 2026-03-03T10:00, do: complete_module, module: steg-1, days: 3}\n",
        subscriptions="  - {flag: module_reminder, module: steg-2}\n"))
    result = simulate(path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{path}:5:5: error: missing required key 'days_before' (needed by flag: module_reminder)"
    assert lines[1].startswith(f"{path}:7:32: error: do: expected one of view_step, ")
    assert lines[1].endswith("received the text 'view_stp'; did you mean 'view_step'?")
    assert lines[2:] == [
        f"{path}:8:5: error: missing required key 'module' (needed by do: view_step)",
        f"{path}:8:43: error: unknown key 'modul' in action; did you mean 'module'?",
        f"{path}:9:65: error: 'days' is not used by do: complete_module "
        "(it takes: at, actor, do, expect_error, module)",
    ]


def test_checks_beyond_the_schema(tmp_path):
    path = write(tmp_path, scenario(
        "  - {at: 2026-03-01T10:00, do: end, reason: genomford}\n"
        "  - {at: 2026-03-04T10:00, do: submit_form, form: skal, answers: {viktig: 3}}\n"
        "  - {at: 2026-03-03T10:00, do: register_activity, plan: nope}\n"
        "  - {at: 2026-05-02T00:00, do: end, reason: genomford}\n"))
    with pytest.raises(ProgramError) as error:
        simulate_file(path)
    assert [p.format() for p in error.value.problems] == [
        f"{path}:5:10: error: at: 2026-03-01T10:00 is before the start of the moment",
        f"{path}:6:75: error: answers: form skal has no question 'viktig'; did you mean 'viktigt'?",
        f"{path}:7:10: error: at: 2026-03-03T10:00 is earlier than the action before it; keep actions in time order",
        f"{path}:7:57: error: plan: no activity plan 'nope' was added before this action",
        f"{path}:8:10: error: at: 2026-05-02T00:00 is after until (2026-05-01)",
    ]


def test_an_unquoted_time_that_yaml_reads_as_a_number_says_quote_it(tmp_path):
    path = write(tmp_path, scenario(
        "  - at: 2026-03-10T09:10\n"
        "    do: add_activity_plan\n"
        "    plan: {id: p, name: P, elements: [{kind: registration}], start: 2026-03-23,\n"
        "           times: [{time: 10:30, weekdays: [mon]}]}\n"))
    result = simulate(path)
    assert result.exit_code == 1
    assert result.output == (f"{path}:8:27: error: time: expected text, received the number 630 "
                             "(YAML reads 10:30 as a base-60 number); quote it: \"10:30\"\n")


def test_an_invalid_activity_plan_is_reported_at_the_plan(tmp_path):
    path = write(tmp_path, scenario(
        "  - at: 2026-03-10T09:10\n"
        "    do: add_activity_plan\n"
        "    plan: {id: p, name: P, elements: [{kind: registration}], start: 2026-03-23, until: 2026-03-01,\n"
        "           times: [{time: \"10:00\", weekdays: [mon]}]}\n"))
    with pytest.raises(ProgramError) as error:
        simulate_file(path)
    assert [p.format() for p in error.value.problems] == [
        f"{path}:7:11: error: Slutdatum 2026-03-01 ligger före startdatum 2026-03-23."]


def test_the_scenario_schema_describes_every_field():
    schema = json.loads((ROOT / "engine" / "scenario.schema.json").read_text(encoding="utf-8"))
    missing = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    missing.append(f"{path}.{key}")
            for key, sub in node.items():
                if key != "allOf":  # per-verb rules restate fields already described above
                    walk(sub, f"{path}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}[{i}]")

    walk(schema, "$")
    assert missing == []


# --- alerts and follow-ups from the stop day (issue 15) -------------------------------------------


def test_an_answer_that_needs_attention_flags_the_clinician_without_any_subscription():
    sim = simulate_file(EXAMPLES / "svar-kraver-uppmarksamhet.yaml")
    assert sim.scenario.subscriptions == ()
    data = to_data(sim)
    assert data["flags"] == [{
        "at": "2026-03-12T20:15:00+01:00",
        "type": "answer_alert",
        "text": "Mycket nedstämd eller ledsen (3 eller 4 av 4): svar i formuläret Hur mår du? Abstinensbesvär "
                "2026-03-12 20:15.",
        "urgent": False,
    }]
    submitted = [e for e in sim.events if e.type == "form_submitted"]
    assert [e.data.get("alerts") for e in submitted] == [["nedstamdhet"], None]
    assert submitted[0].data["score"]["band"] == "Inga eller lätta besvär"  # total 4


def test_the_patient_reads_the_alert_feedback_before_the_mild_band_feedback():
    program = simulate_file(EXAMPLES / "svar-kraver-uppmarksamhet.yaml").scenario.program
    form = program.form("abstinens")
    answers = {"sug": 0, "irritation": 0, "angslan": 0, "rastloshet": 0, "koncentration": 0, "somn": 0,
               "aptit": 0, "nedstamdhet": 4}
    texts = forms.submission_feedback(form, answers)
    assert len(texts) == 2
    assert "ring 112" in texts[0] and "1177" in texts[0]
    assert texts[1] == "Du har inga eller lätta besvär just nu. Fortsätt med det som fungerar."


def test_follow_ups_start_themselves_90_180_and_365_days_after_the_stop_day():
    sim = simulate_file(EXAMPLES / "uppfoljning-fran-stoppdag.yaml")
    data = to_data(sim)
    # stop day Monday 16 March 2026: + 90 = 14 June, + 180 = 12 September, + 365 = 16 March 2027
    assert [(f["type"], f["at"]) for f in data["flags"]] == [
        ("battery_started", "2026-06-14T09:00:00+02:00"),
        ("battery_form_saved", "2026-06-15T19:00:00+02:00"),
        ("battery_started", "2026-09-12T09:00:00+02:00"),
        ("moment_ending_soon", "2027-03-09T09:00:00+01:00"),
        ("battery_started", "2027-03-16T09:00:00+01:00"),
    ]
    assert data["flags"][3]["text"] == ("Momentets sista uppföljning är om 7 dagar, 2027-03-16 "
                                        "(rekommenderad längd 365 dagar, 2027-03-02).")
    started = [e for e in data["events"] if e["type"] == "battery_started"]
    assert {e["actor"] for e in started} == {"system"}
    assert [e["at"] for e in data["events"] if e["type"] == "action_rejected"] == ["2026-03-05T19:55:00+01:00"]
    assert sim.state.anchor_dates == {"stoppdag/stoppdag@first": date(2026, 3, 16)}  # the first stop day anchors
    # 365 days to 2 March 2027, then 30 more to 1 April
    assert data["moment"] == {"state": "active", "days_in_moment": 395, "modules_completed": 0,
                              "modules_total": 14}


def test_the_three_month_reminder_is_due_from_the_stop_day_once_steg_5_is_open():
    sim = simulate_file(EXAMPLES / "uppfoljning-fran-stoppdag.yaml")
    program, state = sim.scenario.program, sim.state
    nine, ten = (datetime(2026, 6, 14, h, tzinfo=ZoneInfo("Europe/Stockholm")) for h in (9, 10))
    assert due_reminders(program, state, nine) == []  # Steg 5 is still hidden
    opened = lc.activate_module(program, state, "steg-5", now=ten, actor=state.clinician).state
    due = due_reminders(program, opened, ten)
    assert [(d.reminder.id, d.at.isoformat()) for d in due] == [
        ("uppfoljning-3-manader", "2026-06-14T10:00:00+02:00")]


def test_an_unquoted_time_answer_in_a_scenario_is_the_time_written_not_yaml_1_1_minutes(tmp_path):
    # YAML 1.1 reads 23:30 as the sexagesimal number 1410 (and 7:05 as 425); the answer is the time written
    somn = ROOT / "tests" / "data" / "somn.yaml"
    path = write(tmp_path, scenario(program=somn, until="2026-03-03", actions=(
        "  - {at: 2026-03-02T10:00, do: save_form, form: somnvanor, answers: {laggdags: 7:05}}\n"
        "  - {at: 2026-03-02T10:05, do: submit_form, form: somnvanor,\n"
        "     answers: {laggdags: 23:30, timmar: 7, sovmedel: false}}\n")))
    sim = simulate_file(path)
    submitted = next(e for e in sim.events if e.type == "form_submitted")
    saved = next(e for e in sim.events if e.type == "form_saved")
    assert submitted.data["answers"]["laggdags"] == "23:30"
    assert saved.data["answers"]["laggdags"] == "07:05"


def test_a_week_of_the_somnskolan_diary_shows_each_nights_efficiency_and_the_seven_night_mean():
    data = to_data(simulate_file(EXAMPLES / "somnskolan-dagbok-en-vecka.yaml"))
    nights = [e["computed"] for e in data["events"] if e["type"] == "form_submitted" and "computed" in e]
    # by hand, in the example's comments: sleep time / time in bed, rounded half up
    assert [n["effektivitet"]["shown"] for n in nights] == ["86 %", "72 %", "82 %", "69 %", "90 %", "80 %", "92 %"]
    assert [n["tid_i_sang"]["value"] for n in nights] == [420, 480, 390, 480, 450, 510, 420]
    assert nights[-1]["effektivitet_7"]["shown"] == "82 %"  # 571 / 7 = 81.6
    assert nights[-1]["effektivitet_7"]["band"] == "Under 85 % – fönstret kan bli 15 minuter kortare"
    assert [n["effektivitet"]["band"] for n in nights[4:]] == ["85 % eller mer", "Under 85 %", "85 % eller mer"]
    assert nights[0]["tid_i_sang"]["band"] is None  # no bands
    text = simulate(EXAMPLES / "somnskolan-dagbok-en-vecka.yaml").output
    assert "Poäng: 17 (Måttlig sömnlöshet)" in text
    assert "Tid i sängen: 390 min, Sömntid: 320 min, Sömneffektivitet: 82 %" in text


def test_the_somnskolan_isi_follow_up_starts_itself_63_days_after_the_start():
    sim = simulate_file(EXAMPLES / "somnskolan-uppfoljning.yaml")
    started = [e for e in sim.events if e.type == "battery_started"]
    assert [(e.at, e.actor.kind) for e in started] == [(datetime(2026, 5, 4, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm")),
                                                       "system")]
    assert [f.type for f in sim.flags] == ["battery_started"]
    scores = [e.data["score"] for e in sim.events if e.type == "form_submitted"]
    assert [(s["total"], s["band"]) for s in scores] == [(19, "Måttlig sömnlöshet"), (8, "Lätt sömnlöshet")]
