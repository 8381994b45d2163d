"""Computed values (`computed:`), half-open bands (`from:`/`below:`) and forms with entries (`entries:`
with mean_last() and the like): loading with located errors, evaluation, display and golden tests."""
from __future__ import annotations

from datetime import date, time

import pytest

from engine import forms
from engine.expr import Entry
from engine.loader import check_text, load_text
from moment_builders import MINI_CONTENT, mini_yaml

DIARY = mini_yaml("natt") + """  - id: natt
    title: Sömndagbok
    entries: true
    questions:
      - {id: lagg, type: time, text: Gick och la dig, required: true}
      - {id: insomning, type: number, text: Minuter att somna, min: 0, max: 600, required: true}
      - {id: vaken, type: number, text: Minuter vaken i natt, min: 0, max: 600, required: true}
      - {id: upp, type: time, text: Steg upp, required: true}
    computed:
      - {id: i_sang, expr: "minutes_between(lagg, upp)", label: Tid i sängen, unit: min}
      - {id: somn, expr: "i_sang - insomning - vaken", label: Sömntid, unit: min}
      - id: effektivitet
        expr: somn / i_sang * 100
        label: Sömneffektivitet
        round: 0
        unit: "%"
        bands:
          - {below: 85, label: Under målet}
          - {from: 85, label: Bra}
      - {id: medel_7, expr: "mean_last(effektivitet, 7)", label: Medel senaste 7 nätterna, round: 1, unit: "%"}
    alerts:
      - {id: kort, when: somn < 240, title: Mindre än fyra timmars sömn}
    tests:
      - name: en natt över midnatt
        answers: {lagg: "23:30", insomning: 30, vaken: 30, upp: "06:30"}
        computed: {i_sang: 420, somn: 360, effektivitet: 86, medel_7: 86}
        alerts: []
"""


def load(source: str):
    return check_text(source, "p.yaml", content_dir=MINI_CONTENT)


def diary():
    return load_text(DIARY, "p.yaml", content_dir=MINI_CONTENT).form("natt")


def test_computed_values_follow_each_other_and_wrap_past_midnight():
    form = diary()
    values = {"lagg": time(23, 30), "insomning": 30, "vaken": 30, "upp": time(6, 30)}
    assert forms.computed_values(form, values) == {"i_sang": 420, "somn": 360, "effektivitet": 86,
                                                   "medel_7": 86}


def test_rounding_is_half_up_and_the_rounded_value_is_what_later_values_and_bands_see():
    form = diary()
    # 405/480 = 84.375 → 84 (under 85); 408/480 = 85.0 → 85 (Bra)
    low = forms.computed_values(form, {"lagg": time(23, 0), "insomning": 75, "vaken": 0, "upp": time(7, 0)})
    assert low["effektivitet"] == 84
    assert forms.computed_band(form.computed_value("effektivitet"), low["effektivitet"]).label == "Under målet"
    high = forms.computed_values(form, {"lagg": time(23, 0), "insomning": 72, "vaken": 0, "upp": time(7, 0)})
    assert high["effektivitet"] == 85
    assert forms.computed_band(form.computed_value("effektivitet"), high["effektivitet"]).label == "Bra"
    # 84.5 rounds up, not to the even 84
    half = forms.computed_values(form, {"lagg": time(22, 0), "insomning": 0, "vaken": 62, "upp": time(2, 0)})
    assert half["somn"] == 178 and half["effektivitet"] == 74
    assert forms.rounded(form.computed_value("effektivitet"), 84.5) == 85


def test_an_unanswered_question_leaves_the_values_that_need_it_empty_and_shown_as_a_dash():
    form = diary()
    values = forms.computed_values(form, {"lagg": time(23, 0), "insomning": 10})
    assert values["i_sang"] is None and values["effektivitet"] is None and values["medel_7"] is None
    assert forms.show_value(form.computed_value("effektivitet"), None) == "–"


def test_values_are_shown_rounded_with_their_unit_and_a_decimal_comma():
    form = diary()
    assert forms.show_value(form.computed_value("effektivitet"), 85.71428) == "86 %"
    assert forms.show_value(form.computed_value("medel_7"), 84.791666667) == "84,8 %"
    assert forms.show_value(form.computed_value("i_sang"), 420) == "420 min"


def test_mean_last_takes_the_last_n_entries_including_this_one():
    form = diary()
    history = [Entry(date(2026, 3, d), {"effektivitet": e}) for d, e in
               [(1, 50), (2, 70), (3, 80), (4, 90), (5, 80), (6, 70), (7, 90), (8, 60)]]
    values = {"lagg": time(23, 30), "insomning": 30, "vaken": 30, "upp": time(6, 30)}  # 86 tonight
    got = forms.computed_values(form, values, today=date(2026, 3, 9), history=history)
    assert got["medel_7"] == round((90 + 80 + 70 + 90 + 60 + 86 + 80) / 7, 1)


def test_mean_days_counts_the_entries_of_the_last_n_days_only():
    from engine.expr import evaluate
    history = [Entry(date(2026, 3, 1), {"x": 10}), Entry(date(2026, 3, 5), {"x": 20}),
               Entry(date(2026, 3, 6), {"x": None})]
    assert evaluate("mean_days(x, 3)", {"x": 40}, today=date(2026, 3, 7), history=history) == 30
    assert evaluate("mean_days(x, 7)", {"x": 40}, today=date(2026, 3, 7), history=history) == 70 / 3
    assert evaluate("mean_days(x, 7)", {"x": 40}, history=history) is None  # no date: unknown
    assert evaluate("min_last(x, 3)", {"x": 40}, history=history) == 20
    assert evaluate("max_last(x, 9)", {"x": 5}, history=history) == 20


def test_an_alert_sees_the_computed_values():
    form = diary()
    short = {"lagg": time(1, 0), "insomning": 60, "vaken": 0, "upp": time(5, 30)}  # 270 - 60 = 210 minutes of sleep
    assert [a.id for a in forms.alerts_for(form, short)] == ["kort"]


def test_the_diary_loads_and_its_golden_test_passes():
    program, problems = load(DIARY)
    assert problems == [] and program is not None
    assert program.form("natt").entries is True


def test_golden_tests_see_earlier_entries():
    source = DIARY.replace("""        computed: {i_sang: 420, somn: 360, effektivitet: 86, medel_7: 86}""",
                           """        earlier:
          - {lagg: "23:00", insomning: 60, vaken: 0, upp: "07:00"}
        computed: {medel_7: 85.5}""")
    program, problems = load(source)
    assert [p.format() for p in problems] == [
        "p.yaml:37:9: error: golden test 'en natt över midnatt': expected computed 'medel_7' 85.5, got 87"]


@pytest.mark.parametrize("change, expected", [
    (("effektivitet: 86,", "effektivitet: 85,"),
     "p.yaml:37:9: error: golden test 'en natt över midnatt': expected computed 'effektivitet' 85, got 86"),
    (('expr: "i_sang - insomning - vaken"', 'expr: "i_sang - insomnig - vaken"'),
     "p.yaml:24:36: error: expr: unknown question or computed value 'insomnig'; did you mean 'insomning'?"),
    (('expr: "minutes_between(lagg, upp)"', 'expr: "minutes_between(lagg, insomning)"'),
     "p.yaml:23:51: error: expr: minutes_between() needs times of day, got 'insomning' (a number)"),
    (("{id: somn, expr:", "{id: upp, expr:"),
     "p.yaml:24:14: error: computed value 'upp': the form already has a question with this id"),
    (("- {from: 85, label: Bra}", "- {from: 86, label: Bra}"),
     "p.yaml:31:11: error: computed value 'effektivitet': bands leave a gap between 'Under målet' "
     "(below 85) and 'Bra' (86 or more)"),
    (("- {below: 85, label: Under målet}", "- {max: 85, label: Under målet}"),
     "p.yaml:31:13: error: band 'Under målet': missing 'min'; write from: or below: for a band open at one end"),
    (("- {below: 85, label: Under målet}", "- {min: 0, max: 85, label: Under målet}"),
     "p.yaml:31:11: error: computed value 'effektivitet': bands 'Under målet' (0–85) and 'Bra' (85 or more) overlap"),
    (("- {below: 85, label: Under målet}", "- {min: 0, from: 0, below: 85, label: Under målet}"),
     "p.yaml:31:13: error: band 'Under målet': give min or from, not both"),
    (("    entries: true\n", ""),
     "p.yaml:32:30: error: expr: mean_last() needs a form with entries: true (a form filled again and again)"),
    (('"mean_last(effektivitet, 7)"', '"mean_last(effektivitet, 0)"'),
     "p.yaml:33:54: error: expr: mean_last() takes the number of entries as a whole number of at least 1, "
     "e.g. mean_last(x, 7)"),
    (('{id: i_sang, expr: "minutes_between(lagg, upp)", label: Tid i sängen, unit: min}',
      '{id: i_sang, expr: "minutes_between(lagg, upp)", label: Tid i sängen, unit: min}\n'
      '      - {id: uppe, expr: "upp", label: Steg upp, round: 0}'),
     "p.yaml:24:57: error: computed value 'uppe': round needs a number, but the value is a time"),
])
def test_computed_mistakes_are_located(change, expected):
    assert change[0] in DIARY
    program, problems = load(DIARY.replace(*change))
    assert program is None
    assert expected in [p.format() for p in problems]


# ---------------------------------------------------------------- half-open bands on scores

SCORED = mini_yaml("skala") + """  - id: skala
    title: Skala
    questions:
      - {id: a, type: scale, text: A, min: 0, max: 4, required: true}
      - {id: b, type: scale, text: B, min: 0, max: 4, required: true}
    scoring:
      method: mean
      bands:
        - {min: 0, below: 2.5, label: Låg}
        - {from: 2.5, label: Hög}
"""


def test_half_open_bands_on_a_mean_score_meet_without_a_gap():
    program, problems = load(SCORED)
    assert problems == []
    form = program.form("skala")
    assert forms.score(form, {"a": 2, "b": 2}).band.label == "Låg"    # 2.0
    assert forms.score(form, {"a": 2, "b": 3}).band.label == "Hög"    # 2.5 belongs to 'from'
    assert forms.score(form, {"a": 4, "b": 4}).band.label == "Hög"


def test_closed_bands_on_a_mean_score_still_follow_the_old_rule_and_half_open_ones_are_checked():
    program, problems = load(SCORED.replace("- {min: 0, below: 2.5, label: Låg}", "- {min: 0, below: 2, label: Låg}"))
    assert [p.format() for p in problems] == [
        "p.yaml:22:9: error: bands leave a gap between 'Låg' (0 to below 2) and 'Hög' (2.5 or more)"]
    program, problems = load(SCORED.replace("- {min: 0, below: 2.5, label: Låg}", "- {min: 1, below: 2.5, label: Låg}"))
    assert [p.format() for p in problems] == [
        "p.yaml:22:9: error: bands start at 1 but the lowest possible score is 0"]


def test_over_whole_number_scores_max_7_and_from_8_are_contiguous():
    source = SCORED.replace("method: mean", "method: sum").replace(
        "- {min: 0, below: 2.5, label: Låg}", "- {min: 0, max: 7, label: Låg}").replace(
        "- {from: 2.5, label: Hög}", "- {from: 8, label: Hög}")
    program, problems = load(source)
    assert problems == []
    form = program.form("skala")
    assert forms.score(form, {"a": 4, "b": 3}).band.label == "Låg"
    assert forms.score(form, {"a": 4, "b": 4}).band.label == "Hög"


# ---------------------------------------------------------------- entries in a moment (simulate)

def test_a_diary_is_submitted_every_night_and_each_entry_records_its_values_and_the_running_mean(tmp_path):
    import shutil

    from engine.authoring.simulate import simulate_file, to_data, to_text
    (tmp_path / "content").mkdir()
    shutil.copytree(MINI_CONTENT, tmp_path / "content" / "mini")
    (tmp_path / "p.yaml").write_text(DIARY, encoding="utf-8")
    nights = [("23:30", 30, 30, "06:30"), ("23:00", 60, 0, "07:00"), ("00:30", 15, 45, "07:30")]
    actions = "".join(
        f"  - {{at: 2026-03-0{3 + n}T07:45, do: submit_form, form: natt,\n"
        f"     answers: {{lagg: {lagg}, insomning: {ins}, vaken: {vak}, upp: {upp}}}}}\n"
        for n, (lagg, ins, vak, upp) in enumerate(nights))
    (tmp_path / "s.yaml").write_text(f"program: p.yaml\nstart: 2026-03-02T09:00\nuntil: 2026-03-06\n"
                                     "actions:\n  - {at: 2026-03-02T09:05, do: activate_module, module: start}\n"
                                     f"{actions}", encoding="utf-8")
    sim = simulate_file(tmp_path / "s.yaml")
    submitted = [e for e in to_data(sim)["events"] if e["type"] == "form_submitted"]
    # 360/420 = 85.7 → 86; 420/480 = 87.5 → 88; 360/420 → 86 (00:30 → 07:30 is 420)
    assert [e["computed"]["effektivitet"]["shown"] for e in submitted] == ["86 %", "88 %", "86 %"]
    assert [e["computed"]["medel_7"]["value"] for e in submitted] == [86, 87, 86.7]
    text = to_text(sim)
    assert "Tid i sängen: 420 min, Sömntid: 360 min, Sömneffektivitet: 86 %, Medel senaste 7 nätterna: 86,7 %" in text


def test_a_score_with_round_is_rounded_half_up_before_it_is_banded():
    source = SCORED.replace("      method: mean\n", "      method: mean\n      round: 0\n").replace(
        "      - {id: b, type: scale, text: B, min: 0, max: 4, required: true}\n",
        "      - {id: b, type: scale, text: B, min: 0, max: 4, required: true}\n"
        "      - {id: c, type: scale, text: C, min: 0, max: 4, required: true}\n")
    program, problems = load(source)
    assert problems == []
    form = program.form("skala")
    assert forms.score(form, {"a": 2, "b": 2, "c": 3}).total == 2      # 2.33 → 2, 'Låg'
    assert forms.score(form, {"a": 2, "b": 2, "c": 3}).band.label == "Låg"
    assert forms.score(form, {"a": 2, "b": 3, "c": 3}).total == 3      # 2.67 → 3, 'Hög'
    one = load(SCORED.replace("      method: mean\n", "      method: mean\n      round: 1\n"))[0].form("skala")
    assert forms.score(one, {"a": 0, "b": 1}).total == 0.5
    assert forms.score(load(SCORED.replace("      method: mean\n", "      method: mean\n      round: 0\n"))[0]
                       .form("skala"), {"a": 0, "b": 1}).total == 1   # half up, not Python's round to even


def test_the_reviewers_outline_lists_entries_computed_values_and_their_half_open_bands():
    from engine.authoring.outline import outline_text
    text = outline_text(load_text(DIARY, "p.yaml", content_dir=MINI_CONTENT))
    assert "  Fylls i gång på gång (en post varje gång, med tabell över posterna)" in text
    assert "  Beräknat värde: Sömneffektivitet (%) = somn / i_sang * 100\n" \
           "    under 85: Under målet\n    85 eller mer: Bra\n" in text
