"""`stegvis outline` for clinical review: texts, validation rules, alerts, batteries, reminders and suggestions,
in text and JSON (the expected lines are written from the YAML by hand)."""
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from cli import main
from engine.authoring.outline_review import REMINDER_NOTICE_SV, form_review_lines

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]
TOBAK = str(ROOT / "programs" / "tobakshjalpen.yaml")
SOMN = str(DATA / "somn.yaml")


def _outline(path: str, *args: str):
    result = CliRunner().invoke(main, ["outline", path, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if args else result.output.splitlines()


@pytest.fixture(scope="module")
def tobak_lines():
    return _outline(TOBAK)


@pytest.fixture(scope="module")
def tobak_json():
    return _outline(TOBAK, "--format", "json")


def test_an_alert_shows_its_rule_urgency_and_the_patients_feedback(tobak_lines):
    at = tobak_lines.index(
        "  Larm: Mycket nedstämd eller ledsen (3 eller 4 av 4) (när nedstamdhet >= 3; inte brådskande)")
    assert tobak_lines[at + 1].startswith("    Invånaren ser: **Du har svarat att du är mycket nedstämd eller ledsen.**")
    assert tobak_lines[at + 1].endswith("Om det är akut, ring 112.")


def test_validation_rules_show_with_the_message_the_patient_gets():
    assert '       Kontroll: timmar >= 2 – annars: "Kontrollera antalet timmar."' in _outline(SOMN)


def test_form_intro_band_feedback_and_the_feedback_after_submission_show(tobak_lines):
    assert "  Inledning: Tänk efter vad som är viktigast för just dig. Det finns inga rätta eller felaktiga svar." \
        in tobak_lines
    assert "    Återkoppling vid Svåra besvär: Du har svåra besvär just nu. Det är jobbigt, men för de flesta blir " \
           "besvären mildare efter några veckor. Prata med din behandlare om vad som kan hjälpa dig, till exempel " \
           "läkemedel." in tobak_lines
    assert "  Återkoppling efter inskickat: Tack! Spara dina skäl. Läs dem igen när suget kommer." in tobak_lines


def test_batteries_show_how_they_start(tobak_lines):
    at = tobak_lines.index("  Uppföljning efter 3 månader [uppfoljning-3-manader]: Uppföljning efter 3 månader "
                           "[uppfoljning-3m], modul Steg 5 Återkoppling och uppföljning – 3 månader")
    assert tobak_lines[at + 1] == ('    Startar av sig själv 90 dagar efter datumet i "Vilken dag är din stoppdag?" '
                                   "(1.4 Min stoppdag [stoppdag], det första svaret) (efter momentets start så länge "
                                   "datumet saknas).")
    somn = _outline(SOMN)
    assert somn[somn.index("Mätbatterier (1)") + 2] == "    Startas av behandlaren."


def test_reminders_show_their_timing_and_that_the_patient_gets_a_neutral_notice(tobak_lines):
    assert "Påminnelser (4)" in tobak_lines
    assert "  Steg 1 är öppet i två dagar till [steg-1-snart-slut]: kl. 09:00 2 dagar före sista dagen i modulen " \
           "Steg 1 Uppvärmning och förberedelser – lägg en bra grund" in tobak_lines
    assert "  Glöm inte sömnformuläret [fyll-i]: 2 dagar efter momentets start, samma klockslag, när modulen " \
           "Kom igång är synlig" in _outline(SOMN)
    assert f"  Invånaren får {REMINDER_NOTICE_SV}." in tobak_lines


def test_the_outline_quotes_the_reminder_notice_the_patient_really_gets():
    from web.notify.templates import TEMPLATES

    assert f'"{TEMPLATES["reminder"].text}"' in REMINDER_NOTICE_SV


def test_module_suggestions_and_the_welcome_text_show(tobak_lines):
    assert '  Graviditet och tobak föreslås när graviditet == "gravid" i 1.2 Sammanställ dina tobaksvanor ' \
           "[tobaksvanor]: invånaren har svarat att hon är gravid" in tobak_lines
    welcome = tobak_lines[tobak_lines.index("Välkomsttext") + 1]
    assert welcome.startswith("  Hej och välkommen! Jag kommer att vara ditt stöd")


def test_json_has_alerts_validations_texts_batteries_and_reminders(tobak_json):
    forms = {f["id"]: f for f in tobak_json["forms"]}
    alerts = {a["id"]: a for a in forms["abstinens"]["alerts"]}
    assert {k: alerts["nedstamdhet"][k] for k in ("id", "when", "title", "urgent", "holds")} == {
        "id": "nedstamdhet", "when": "nedstamdhet >= 3", "title": "Mycket nedstämd eller ledsen (3 eller 4 av 4)",
        "urgent": False, "holds": None}
    assert alerts["sjalvmordstankar"]["urgent"] is True
    held = {a["id"]: a["holds"] for a in forms["tobaksvanor"]["alerts"]}["psykiatriska-lakemedel"]
    assert held["forms"] == ["stoppdag"] and held["text"].startswith("Min stoppdag väntar tills din behandlare")
    assert forms["skal"]["intro"].startswith("Tänk efter vad som är viktigast för just dig.")
    assert forms["ftnd"]["scoring"]["bands"][0]["label"] == "Mycket lågt beroende"
    assert tobak_json["batteries"][0] == {
        "id": "uppfoljning-3-manader", "title": "Uppföljning efter 3 månader", "forms": ["uppfoljning-3m"],
        "module": "steg-5", "starts": {"by": "itself", "anchor": {"form": "stoppdag", "question": "stoppdag",
                                                                  "pick": "first"},
                                       "days_after_anchor": 90}}
    assert tobak_json["reminders"][3] == {"id": "steg-1-snart-slut", "title": "Steg 1 är öppet i två dagar till",
                                          "module": "steg-1", "timing": {"days_before_deadline": 2},
                                          "patient_receives": "neutral_notice"}
    somn = _outline(SOMN, "--format", "json")
    assert somn["forms"][1]["validations"] == [
        {"question": "timmar", "rule": "timmar >= 2", "message": "Kontrollera antalet timmar."}]
    assert somn["batteries"][0]["starts"] == {"by": "clinician"}
    assert somn["reminders"][0]["timing"] == {"days_after_start": 2}


def test_an_urgent_alert_with_holds_names_what_is_held_and_the_text_shown_meanwhile():
    """Alerts gain `urgent` and `holds` in another part of the format; the outline reads them when present."""
    from engine.loader import load_program

    program = load_program(TOBAK)
    holds = SimpleNamespace(text="Din behandlare hör av sig.", forms=("stoppdag",), steps=("steg-1/motivation",),
                            modules=("steg-2",))
    alert = SimpleNamespace(id="fara", when="fara == true", title="Tankar på att skada sig", feedback="Ring 112.",
                            urgent=True, holds=holds)
    form = SimpleNamespace(scoring=None, feedback=None, alerts=(alert,))
    assert form_review_lines(program, form) == [
        "  Larm: Tankar på att skada sig (när fara == true; BRÅDSKANDE, skickas direkt till ansvarig behandlare)",
        "    Invånaren ser: Ring 112.",
        "    Spärrar tills flaggan är hanterad: formulär 1.4 Min stoppdag [stoppdag], avsnitt 1.1 Så här ökar du "
        "motivationen, modul Steg 2 Uppstart och stoppfasen – var nyfiken och aktiv",
        "    Invånaren ser under spärren: Din behandlare hör av sig.",
    ]


def test_the_schema_says_a_reminder_sends_the_neutral_notice_not_its_title():
    from web.notify.templates import TEMPLATES

    schema = json.loads((ROOT / "engine" / "program.schema.json").read_text(encoding="utf-8"))
    title = schema["$defs"]["reminder"]["properties"]["title"]["description"]
    notice = TEMPLATES["reminder"]
    assert f"{notice.subject}: {notice.text}" in title and "never receives it" in title


def test_json_lists_computed_values_with_rounding_unit_bands_and_who_fills_the_form_in():
    from engine.authoring.outline import outline_data
    from engine.loader import load_program

    somnskolan = Path(__file__).resolve().parents[2] / "programs" / "somnskolan.yaml"
    forms = {f["id"]: f for f in outline_data(load_program(somnskolan))["forms"]}
    computed = {c["id"]: c for c in forms["somndagbok"]["computed"]}
    assert computed["effektivitet"]["expr"] == "somntid / tid_i_sang * 100"
    assert computed["effektivitet"]["unit"] == "%" and computed["effektivitet"]["trend"] is True
    assert [b["label"] for b in computed["effektivitet"]["bands"]] == ["Under 85 %", "85 % eller mer"]
    assert forms["somndagbok"]["entries"] is True and forms["somndagbok"]["filled_by"] == "patient"
    assert forms["somnfonster"]["filled_by"] == "clinician"
