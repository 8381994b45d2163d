"""Statistik: overview, funnel, outcomes (ITT vs respondents), Fagerström, suppression, page, CSV and CLI.

Expected values are computed by hand from the data set in data_support.py.
"""
import csv
import io
import json
from datetime import date

import pytest

import data_support
from web.services.clinician import stat_filters, stat_tables
from web.services.clinician import statistics as stats

TODAY = date(2026, 3, 2)


@pytest.fixture
def data(db, make_unit, make_staff):
    return data_support.build(db, make_unit, make_staff)


def _filters(data, **kw):
    a = data["units"][0]
    values = dict(month_from="2025-01", month_to="2026-03", region_id=a.region_id, unit_id=a.id)
    values.update(kw)
    return stats.Filters(**values)


def test_outcomes_count_respondents_and_intention_to_treat(data):
    rows = stats.outcomes(_filters(data), "unit", TODAY)
    three, six, twelve = rows
    # 10 due (started 2025-06, ≥ 3 months ago), 8 answered; 6 abstinent 7 days, 5 of them since the stop day.
    # Published as ranges of 5; a rate divides the ranges' middles: answered 5–9 (7) of due 10–14 (12) is
    # 58.3 %, abstinent 5–9 (7) of answered 5–9 (7) is 100.0 %
    assert three == {"months": 3, "due": "10–14", "answered": "5–9", "response_rate": 58.3,
                     "point": "5–9", "point_respondents": 100.0, "point_itt": 58.3,
                     "continuous": "5–9", "continuous_respondents": 100.0, "continuous_itt": 58.3}
    # 6 months: due for all ten (2025-06 ≤ 2025-09) but nobody answered: everything from < 5 is suppressed
    assert six["due"] == "10–14" and six["answered"] == "< 5" and six["response_rate"] == "< 5"
    assert six["point_itt"] == "< 5"
    # 12 months: not yet due (2025-06 > 2025-03) and not answered
    assert twelve["due"] == "< 5"


def test_overview_per_month_in_ranges_of_five(data):
    result = stats.overview(_filters(data))
    unit = {r["month"]: r for r in result["tables"]["unit"]["rows"]}
    region = {r["month"]: r for r in result["tables"]["region"]["rows"]}
    national = {r["month"]: r for r in result["tables"]["all"]["rows"]}
    assert unit["2025-06"]["started"] == "10–14" and unit["2025-06"]["ongoing"] == "10–14"
    assert unit["2025-12"] == {"month": "2025-12", "started": "< 5", "ongoing": "5–9", "ended": "5–9",
                               "maintained": "< 5"}
    # unit B's three moments are under 5 in the region too
    assert region["2026-01"]["started"] == "< 5"
    # the region's 10 and the nation's 12 starts in 2025-06 are both 10–14: their difference says only 0–4
    assert region["2025-06"]["started"] == "10–14" and national["2025-06"]["started"] == "10–14"
    assert result["tables"]["unit"]["reasons"] == {"genomford": "5–9"}
    assert result["tables"]["unit"]["totals"] == {"started": "10–14", "ended": "5–9", "maintained": "< 5"}


def test_funnel_reached_completed_active_and_median_days(data):
    rows = {r["module"]: r for r in stats.funnel(_filters(data), "unit")}
    assert rows["steg-1"] == {"module": "steg-1", "title": rows["steg-1"]["title"], "reached": "10–14",
                              "completed": "5–9", "active": "5–9", "median_days": 9.0, "default_days": 7}
    assert rows["steg-2"]["reached"] == "< 5" and rows["steg-2"]["median_days"] == "< 5"


def test_fagerstrom_at_start_by_band(data):
    rows = stats.fagerstrom(_filters(data), "unit")
    # six moments scored 1, four scored 6
    assert [r["count"] for r in rows] == ["5–9", "< 5", "< 5", "< 5", "< 5"]
    assert rows[0]["band"] == "Mycket lågt beroende (0–2)"


def test_program_and_clinician_filters(data):
    other = data["clinicians"][1]
    assert stats.overview(_filters(data, program_id="finns-inte"))["tables"]["unit"]["totals"]["started"] == "< 5"
    only_other = stats.overview(_filters(data, clinician_id=other.id))
    assert only_other["tables"]["unit"]["totals"]["started"] == "< 5"


def test_the_page_filters_by_lan_and_program_and_offers_csv(client, login, data):
    login(data["clinicians"][0])
    a, _, c = data["units"]
    page = client.get(f"/statistik?period=2025&lan={a.region_id}&program=tobakshjalpen")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Översikt per månad: Region Jönköpings län, Utbildningsenhet" in text and "<svg" in text
    assert "58.3" in text and "10–14" in text
    # a range's bar: solid up to 10, light up to 14 (of the chart's top, 14: 300 px wide)
    chart = text.split('id="oversikt-unit-diagram-titel"')[1].split("</svg>")[0]
    assert '<rect x="170" y="126" width="214.3" height="18" fill="#1f5f8b">' in chart  # 2025-06, the 6th row
    assert '<rect x="384.3" y="126" width="85.7" height="18" fill="#a9c7dc">' in chart
    # Örebro: unit A is not in that Län, so only the region and all regions are shown
    text = client.get(f"/statistik?period=2025&lan={c.region_id}").get_data(as_text=True)
    assert "Översikt per månad: Region Örebro län" in text and "Utbildningsenhet" not in text.split("Statistik</h1>")[1]
    response = client.get(f"/statistik?period=2025&lan={a.region_id}&format=csv")
    assert response.mimetype == "text/csv" and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert ["3 månader", "10–14", "5–9", "58.3", "5–9", "100.0", "58.3", "5–9", "100.0", "58.3"] in rows
    assert "19700101" not in response.data.decode("utf-8-sig")


def test_statistik_is_for_clinicians_and_admins_not_invanaradmin(client, login, make_staff):
    login(make_staff("inv", roles="invanaradmin"))
    assert client.get("/statistik").status_code == 403


def test_cli_prints_suppressed_text_json_and_csv(app, data):
    from click.testing import CliRunner

    from commands.data.records import stats_command

    a = data["units"][0]
    runner = CliRunner()
    args = ["--period", "2025", "--lan", str(a.region_id), "--unit", str(a.id)]
    result = runner.invoke(stats_command, [*args, "--format", "json"], obj=app)
    assert result.exit_code == 0, result.output
    tables = {t["key"]: t for t in json.loads(result.output)["tables"]}
    assert tables["utfall"]["rows"][0] == ["3 månader", "10–14", "5–9", 58.3, "5–9", 100.0, 58.3, "5–9", 100.0, 58.3]
    text = runner.invoke(stats_command, [*args, "--format", "text"], obj=app).output
    assert "Utfall vid uppföljning" in text and "< 5" in text
    out = runner.invoke(stats_command, [*args, "--format", "csv"], obj=app).output
    assert out.startswith("\ufeff") and "3 månader;10–14;5–9;58.3" in out


def test_report_tables_name_the_scopes(data):
    filters = _filters(data)
    tables = stat_tables.tables(stats.report(filters, TODAY), stat_filters.scope_names(filters))
    assert [t.key for t in tables][:3] == ["oversikt-unit", "oversikt-region", "oversikt-all"]


def test_periods_are_calendar_years_quarters_and_months_never_ranges(client, login, data):
    assert stat_filters.period_months("2025", TODAY) == ("2025-01", "2025-12")
    assert stat_filters.period_months("2025-K2", TODAY) == ("2025-04", "2025-06")
    assert stat_filters.period_months("2025-06", TODAY) == ("2025-06", "2025-06")
    # this year and quarter end with this month; a period not yet begun, or anything else, is no period
    assert stat_filters.period_months("2026", TODAY) == ("2026-01", "2026-03")
    assert stat_filters.period_months("2026-K1", TODAY) == ("2026-01", "2026-03")
    for wrong in ("2026-04", "2026-K2", "2025-13", "2025-K5", "2025-01--2025-05", "2025-1", ""):
        assert stat_filters.period_months(wrong, TODAY) is None, wrong
    offered = dict(stat_filters.period_choices(TODAY))
    assert offered["År"][:2] == [("2026", "2026"), ("2025", "2025")]
    assert offered["Kvartal"][:2] == [("2026-K1", "2026 kvartal 1"), ("2025-K4", "2025 kvartal 4")]
    assert offered["Månad"][0] == ("2026-03", "mars 2026") and len(offered["Månad"]) == 3 + 4 * 12
    # a range of the user's choosing is not honoured: from/till are ignored and the year is shown
    login(data["clinicians"][0])
    text = client.get("/statistik?fran=2025-06&till=2025-07").get_data(as_text=True)
    assert '<option value="2026" selected>2026</option>' in text and "<th scope=\"row\">2025-06</th>" not in text


def test_cli_refuses_a_period_that_is_not_a_calendar_period(app, data):
    from click.testing import CliRunner

    from commands.data.records import stats_command

    result = CliRunner().invoke(stats_command, ["--period", "2025-01..2025-05"], obj=app)
    assert result.exit_code == 2 and "is not a calendar year, quarter or month" in result.output
