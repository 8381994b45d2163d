"""Issue 13.5: "1 dag" but "2 dagar" in every text the engine writes."""
from __future__ import annotations

from engine.model import frozen_map
from engine.moment import flags as fl
from engine.moment.state import Event
from engine.moment.subscriptions import parse_subscription
from engine.text import plural
from moment_builders import PATIENT, sthlm

START = sthlm(2026, 3, 2, 9)


def test_plural_uses_the_singular_only_for_exactly_one():
    assert [plural(n, "dag", "dagar") for n in (0, 1, 2, 14)] == ["0 dagar", "1 dag", "2 dagar", "14 dagar"]
    assert plural(1, "gång", "gånger") == "1 gång" and plural(3, "flagga", "flaggor") == "3 flaggor"


def test_a_one_day_inactivity_flag_says_1_dag(program, started):
    state, events = started
    rule = parse_subscription(program, {"flag": "patient_inactivity", "days": 1}, since=START)
    (flag,) = fl.due_flags(program, state, events, [rule], sthlm(2026, 3, 3, 12))
    assert flag.text == "Invånaren har inte varit aktiv sedan momentet startade 2026-03-02 09:00 (1 dag)."


def test_a_module_reminder_one_day_before_says_1_dag_kvar(program, started):
    state, events = started
    rule = parse_subscription(program, {"flag": "module_reminder", "module": "steg-1", "days_before": 1},
                              since=START)
    (flag,) = fl.due_flags(program, state, events, [rule], sthlm(2026, 3, 8, 12))
    assert flag.text == "Modul Steg 1 Uppvärmning har 1 dag kvar (dagar kvar tar slut 2026-03-09)."


def test_the_activity_saved_flag_text_has_no_nested_parentheses(program, started):
    state, events = started
    registered = Event(type="activity_registered", at=sthlm(2026, 3, 3, 9), actor=PATIENT,
                       data=frozen_map({"plan": "p1", "occurrence": "2026-03-03T08:30:00+01:00"}),
                       text="Aktivitet Rökfri dag registrerades (tillfälle 2026-03-03 08:30)")
    rule = parse_subscription(program, {"flag": "activity_saved"}, since=START)
    (flag,) = fl.due_flags(program, state, [*events, registered], [rule], sthlm(2026, 3, 3, 10))
    assert fl.flag_event(flag).text == ("Aktivitet sparat: Aktivitet Rökfri dag registrerades "
                                        "(tillfälle 2026-03-03 08:30).")
