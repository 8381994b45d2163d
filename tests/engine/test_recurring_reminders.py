"""Reminders that recur (`every: day` at a time while a module is current) and reminders counted from
a module's activation (`days_after_activation`): timing, keys, loading errors and quiet hours in simulate."""
from __future__ import annotations

from datetime import time

from engine.authoring.simulate import simulate_file, to_data
from engine.loader import check_text
from engine.model import Reminder
from engine.moment import lifecycle as lc
from engine.moment import reminders as nt
from moment_builders import CLINICIAN, MINI_CONTENT, build_program, mini_yaml, sthlm
from test_simulate import EXAMPLES

REMINDERS = (
    Reminder("varje-morgon", "Fyll i dagboken", module="steg-2", every="day", at=time(7, 30)),
    Reminder("tre-dagar", "Tre dagar med steg 2", module="steg-2", days_after_activation=3),
    Reminder("tre-dagar-nio", "Tre dagar, klockan nio", module="steg-2", days_after_activation=3, at=time(9, 0)),
)


def moment():
    program = build_program(reminders=REMINDERS)
    state = lc.start(program, now=sthlm(2026, 3, 2, 10), clinician=CLINICIAN).state
    return program, state


def due(program, state, now):
    return [(d.reminder.id, d.at) for d in nt.due_reminders(program, state, now)]


def test_a_daily_reminder_waits_for_its_module_and_then_is_due_every_morning():
    program, state = moment()
    assert due(program, state, sthlm(2026, 3, 3, 8)) == []  # steg-2 is not open yet
    state = lc.activate_module(program, state, "steg-2", now=sthlm(2026, 3, 4, 12), actor=CLINICIAN).state
    assert due(program, state, sthlm(2026, 3, 5, 7, 29)) == []  # opened after yesterday's 07:30
    assert due(program, state, sthlm(2026, 3, 5, 7, 30)) == [("varje-morgon", sthlm(2026, 3, 5, 7, 30))]
    # only the newest occurrence: the next day at 07:29 it is still the 5th's, at 07:30 the 6th's
    assert due(program, state, sthlm(2026, 3, 6, 7, 29)) == [("varje-morgon", sthlm(2026, 3, 5, 7, 30))]
    assert due(program, state, sthlm(2026, 3, 6, 7, 30)) == [("varje-morgon", sthlm(2026, 3, 6, 7, 30))]
    keys = {d.key for d in nt.due_reminders(program, state, sthlm(2026, 3, 5, 12))}
    assert keys != {d.key for d in nt.due_reminders(program, state, sthlm(2026, 3, 6, 12))}


def test_a_daily_reminder_stops_when_its_module_is_completed():
    program, state = moment()
    state = lc.activate_module(program, state, "steg-2", now=sthlm(2026, 3, 4, 6), actor=CLINICIAN).state
    assert due(program, state, sthlm(2026, 3, 4, 8)) == [("varje-morgon", sthlm(2026, 3, 4, 7, 30))]
    state = lc.complete_module(program, state, "steg-2", now=sthlm(2026, 3, 4, 9), actor=CLINICIAN).state
    assert due(program, state, sthlm(2026, 3, 5, 8)) == []


def test_a_reminder_after_activation_counts_from_when_the_module_opened():
    program, state = moment()
    state = lc.activate_module(program, state, "steg-2", now=sthlm(2026, 3, 4, 14, 15), actor=CLINICIAN).state
    assert ("tre-dagar", sthlm(2026, 3, 7, 14, 15)) not in due(program, state, sthlm(2026, 3, 7, 14, 14))
    found = due(program, state, sthlm(2026, 3, 7, 14, 15))
    assert ("tre-dagar", sthlm(2026, 3, 7, 14, 15)) in found
    assert ("tre-dagar-nio", sthlm(2026, 3, 7, 9)) in found


REMINDER_YAML = mini_yaml("f") + """  - id: f
    title: F
    questions:
      - {id: a, type: number, text: A}
reminders:
  - {id: r, title: R, module: start, every: day, at: "07:30"}
"""


def load(source):
    return [p.format() for p in check_text(source, "p.yaml", content_dir=MINI_CONTENT)[1]]


def test_recurring_reminder_mistakes_are_located():
    assert load(REMINDER_YAML) == []
    assert load(REMINDER_YAML.replace(', at: "07:30"', "")) == [
        "p.yaml:19:45: error: reminder 'r': every needs at, the time of day (e.g. at: \"07:30\")"]
    assert load(REMINDER_YAML.replace("module: start, ", "")) == [
        "p.yaml:19:30: error: reminder 'r': every needs a module"]
    assert load(REMINDER_YAML.replace('"07:30"', '"7.30"')) == [
        "p.yaml:19:54: error: at: expected a time of day written HH:MM (quoted: \"07:30\"), received the text '7.30'"]
    assert load(REMINDER_YAML.replace("every: day, at", "days_after_start: 2, at")) == [
        "p.yaml:19:63: error: reminder 'r': at is the time of day of every or days_after_activation; "
        "the other timings have their own time"]


def test_the_somnskolan_diary_reminder_recurs_each_morning_and_its_sms_waits_for_the_quiet_hours():
    data = to_data(simulate_file(EXAMPLES / "somnskolan-dagbok-en-vecka.yaml"))
    morning = [r for r in data["reminders"] if r["id"] == "dagbok-varje-morgon"]
    # the moment starts Monday 2 March 09:00 with the diary module current: 3–9 March at 07:30
    assert [r["at"] for r in morning] == [f"2026-03-0{d}T07:30:00+01:00" for d in range(3, 10)]
    assert {r["sms_at"][11:16] for r in morning} == {"08:00"}  # quiet hours 21:00–08:00
