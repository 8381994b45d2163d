"""Statistik's follow-up outcomes by the Russell Standard on a hand-built world (docs/statistics.md).

Every count is visible (MIN_CELL patched to 1) and worked out by hand below. Today is 2026-03-02 and the
response window 30 days, so a follow-up counts in the ITT denominator when it fell due by 2026-01-31:
the 3-month one (90 days after the quit date) for a quit date by 2025-11-02, the 6-month one (180 days)
by 2025-08-04, the 12-month one (365 days) by 2025-01-31. The quit date is the first stop day answered
(form 1.4); a moment without one is timed from its start day. One unit, every moment started in the
period 2024-12 … 2025-12:

| moment | started | stop days (answered → day) | follow-ups answered | 3 m | 6 m | 12 m |
|---|---|---|---|---|---|---|
| q1 | 2025-09-20 | 09-25 → 10-01 | 3 m none since | continuous | – | – |
| q2 | 2025-10-05 | 10-06 → 10-10 | none | non-respondent | – | – |
| q3 | 2025-12-10 | 12-12 → 12-20 | 3 m none since, early (2026-02-25) | not yet due | – | – |
| q4 | 2025-10-28 | 10-30 → 11-03 | 3 m none since (2026-02-10) | due 2026-02-01, in the window | – | – |
| q5 | 2025-10-29 | 10-30 → 11-02 | 3 m smoking, > 5 times | due 2026-01-31: counts, smoker | – | – |
| q6 | 2025-09-20 | 09-28 → 10-01, then (relapse) 11-10 → 11-20 | 3 m none since (2026-01-05) | due from 10-01; 7 days, not continuous | – | – |
| q7 | 2025-09-01 | 09-05 → 09-15 | 3 m > 5 times since, none lately | 7 days, not continuous | – | – |
| q8 | 2025-09-01 | 09-10 → 09-15, moved 09-12 → 09-20 | 3 m ≤ 5 times since (the grace period), none lately | continuous | – | – |
| q9 | 2025-10-01 | none | 3 m never set a stop day, none lately | 7 days, not continuous | – | – |
| q10 | 2025-11-05 | none | none | due 2026-02-03: not yet | – | – |
| r1 | 2025-02-20 | 02-25 → 03-01 | 3 m smoking (> 5 times), 6 m none since | smoker | relapsed at 3 m: 7 days only | – |
| r2 | 2025-02-20 | 02-25 → 03-05 | 3 m and 6 m none since | continuous | continuous | – |
| r3 | 2025-02-20 | 02-25 → 03-10 | 3 m ≤ 5 times, some lately; 6 m ≤ 5 times, none lately | smoker | continuous | – |
| r4 | 2025-02-20 | 02-25 → 03-12 | 3 m none since | continuous | non-respondent | – |
| r5 | 2024-12-10 | 12-12 → 12-15 | 3 m and 12 m none since | continuous | non-respondent | continuous |

(q3 and q4 answered before their follow-up counts: neither their answer nor they count yet. r1 … r4 fall
due for 12 months on 2026-03-01 … 03-12: not yet.)
"""
import json
import re
from datetime import date

import pytest

from data_support import ABSTINENT, NO_STOP_DAY, SMOKING, add_answer, add_moment, at, pnr
from web.services.clinician import statistics as stats
from web.services.core import stat_outcomes

TODAY = date(2026, 3, 2)
#: at most five uses since the stop day (e.g. only in its first two weeks), none in the last 7 days
FEW_SINCE = {"tobak_7_dagar": False, "stoppdag_satt": "ja", "anvant_sedan_stopp": True, "mer_an_fem_ganger": False,
             "produkter_nu": ["ingen"]}
#: more than five uses since the stop day, none in the last 7 days
MANY_SINCE = {**FEW_SINCE, "mer_an_fem_ganger": True}
#: at most five uses since the stop day, but one in the last 7 days
LAPSED_LATELY = {**FEW_SINCE, "tobak_7_dagar": True, "hur_ofta_nu": "enstaka", "produkter_nu": ["snus"]}


@pytest.fixture
def world(db, make_unit, make_staff, monkeypatch):
    monkeypatch.setattr(stats, "MIN_CELL", 1)
    unit = make_unit()
    clinician = make_staff("behandlare", unit=unit)
    serial = iter(range(1000))

    def moment(started, stop_days=(), follow_ups=()):
        e = add_moment(db, unit, clinician, pnr("19700101", next(serial)), started)
        for submitted, day in stop_days:
            add_answer(db, e, "stoppdag", {"stoppdag": day, "tilltro": 7}, submitted)
        for form_id, answers, submitted in follow_ups:
            add_answer(db, e, form_id, answers, submitted, module_id="steg-5", step_id="uppfoljning")
        return e

    moment(at(2025, 9, 20), [(at(2025, 9, 25), "2025-10-01")], [("uppfoljning-3m", ABSTINENT, at(2026, 1, 2))])
    moment(at(2025, 10, 5), [(at(2025, 10, 6), "2025-10-10")])
    moment(at(2025, 12, 10), [(at(2025, 12, 12), "2025-12-20")], [("uppfoljning-3m", ABSTINENT, at(2026, 2, 25))])
    moment(at(2025, 10, 28), [(at(2025, 10, 30), "2025-11-03")], [("uppfoljning-3m", ABSTINENT, at(2026, 2, 10))])
    moment(at(2025, 10, 29), [(at(2025, 10, 30), "2025-11-02")], [("uppfoljning-3m", SMOKING, at(2026, 2, 5))])
    moment(at(2025, 9, 20), [(at(2025, 9, 28), "2025-10-01"), (at(2025, 11, 10), "2025-11-20")],
           [("uppfoljning-3m", ABSTINENT, at(2026, 1, 5))])
    moment(at(2025, 9, 1), [(at(2025, 9, 5), "2025-09-15")], [("uppfoljning-3m", MANY_SINCE, at(2025, 12, 20))])
    moment(at(2025, 9, 1), [(at(2025, 9, 10), "2025-09-15"), (at(2025, 9, 12), "2025-09-20")],
           [("uppfoljning-3m", FEW_SINCE, at(2025, 12, 20))])
    moment(at(2025, 10, 1), follow_ups=[("uppfoljning-3m", NO_STOP_DAY, at(2026, 1, 10))])
    moment(at(2025, 11, 5))
    spring = [(at(2025, 2, 25), day) for day in ("2025-03-01", "2025-03-05", "2025-03-10", "2025-03-12")]
    moment(at(2025, 2, 20), spring[:1], [("uppfoljning-3m", SMOKING, at(2025, 6, 1)),
                                         ("uppfoljning-6m", ABSTINENT, at(2025, 9, 1))])
    moment(at(2025, 2, 20), spring[1:2], [("uppfoljning-3m", ABSTINENT, at(2025, 6, 5)),
                                          ("uppfoljning-6m", ABSTINENT, at(2025, 9, 5))])
    moment(at(2025, 2, 20), spring[2:3], [("uppfoljning-3m", LAPSED_LATELY, at(2025, 6, 10)),
                                          ("uppfoljning-6m", FEW_SINCE, at(2025, 9, 10))])
    moment(at(2025, 2, 20), spring[3:], [("uppfoljning-3m", ABSTINENT, at(2025, 6, 12))])
    moment(at(2024, 12, 10), [(at(2024, 12, 12), "2024-12-15")],
           [("uppfoljning-3m", ABSTINENT, at(2025, 3, 20)), ("uppfoljning-12m", ABSTINENT, at(2025, 12, 20))])
    db.session.commit()
    return unit


def _filters(unit, **kw):
    return stats.Filters(**{"month_from": "2024-12", "month_to": "2025-12", "region_id": unit.region_id,
                            "unit_id": unit.id, **kw})


def _figures(row):
    return row["due"], row["answered"], row["point"], row["continuous"]


def test_follow_ups_count_from_the_first_stop_day_after_the_response_window(world):
    three, six, twelve = stats.outcomes(_filters(world), "unit", TODAY)
    # due: q1 q2 q5 q6 q7 q8 q9 r1–r5 (12; not q3 q4 q10); answered all but q2 (11); 7 days abstinent q1 q6 q7
    # q8 q9 r2 r4 r5 (8); continuous q1 q8 r2 r4 r5 (5): not q6 (new stop day before answering), q7 (> 5
    # times), q9 (no stop day, so not asked since when)
    assert _figures(three) == (12, 11, 8, 5)
    assert (three["response_rate"], three["point_respondents"], three["point_itt"]) == (91.7, 72.7, 66.7)
    assert (three["continuous_respondents"], three["continuous_itt"]) == (45.5, 41.7)
    # due: r1–r5; answered r1 r2 r3; 7 days r1 r2 r3; continuous r2 r3 (r1 relapsed at 3 months); r4, r5 smokers
    assert _figures(six) == (5, 3, 3, 2)
    assert (six["point_itt"], six["continuous_itt"]) == (60.0, 40.0)
    # due: only r5, continuously abstinent
    assert _figures(twelve) == (1, 1, 1, 1)


def test_the_denominator_grows_only_as_follow_ups_fall_due(world):
    def three_months(today):
        return _figures(stats.outcomes(_filters(world), "unit", today)[0])

    # 2026-03-01: q5's follow-up (due 2026-01-31) is still inside the window: out, with its answer
    assert three_months(date(2026, 3, 1)) == (11, 10, 8, 5)
    # 2026-03-03: q4's (due 2026-02-01) counts, with its answer (continuous)
    assert three_months(date(2026, 3, 3)) == (13, 12, 9, 6)
    # 2026-03-05: q10's (its start 2025-11-05 + 90 days = 2026-02-03), unanswered
    assert three_months(date(2026, 3, 5)) == (14, 12, 9, 6)
    # 2026-03-31: r1's 12-month follow-up (due 2026-03-01) counts: a non-respondent
    assert _figures(stats.outcomes(_filters(world), "unit", date(2026, 3, 31))[2]) == (2, 1, 1, 1)
    # six months back: r5's 6-month follow-up (due 2025-06-13) counts, r1's (due 2025-08-28) from 2025-09-27
    assert _figures(stats.outcomes(_filters(world), "unit", date(2025, 9, 26))[1]) == (1, "< 5", "< 5", "< 5")
    assert _figures(stats.outcomes(_filters(world), "unit", date(2025, 9, 27))[1]) == (2, 1, 1, "< 5")


def test_the_follow_up_days_and_the_quit_date_come_from_the_program(app):
    assert stat_outcomes.follow_up_days() == {3: {"tobakshjalpen": 90}, 6: {"tobakshjalpen": 180},
                                              12: {"tobakshjalpen": 365}}
    assert stat_outcomes.quit_anchor() == ("stoppdag", "stoppdag")


#: answer patterns of a follow-up form, and whether each is abstinent 7 days / at most five times since
PATTERNS = [(ABSTINENT, True, True), (FEW_SINCE, True, True), (MANY_SINCE, True, False),
            (LAPSED_LATELY, False, True), (SMOKING, False, False), (NO_STOP_DAY, True, False)]
DAYS = {3: 90, 6: 180, 12: 365}
FOLLOW_UPS_FORMS = {3: "uppfoljning-3m", 6: "uppfoljning-6m", 12: "uppfoljning-12m"}
TODAYS = (date(2025, 6, 1), date(2026, 3, 2), date(2026, 7, 1), date(2027, 3, 1))


@pytest.fixture
def random_world(db, make_unit, make_staff, monkeypatch):
    """40 ended moments (2024-06 … 2025-12) with random stop days and follow-up answers; returns
    the unit and, per moment, its anchor day (first stop day, else the start day) as the test sees it."""
    import random
    from datetime import timedelta

    monkeypatch.setattr(stats, "MIN_CELL", 1)
    rng = random.Random(23)
    unit = make_unit()
    clinician = make_staff("behandlare", unit=unit)
    anchors = []
    for i in range(40):
        started = at(2024, 6, 1) + timedelta(days=rng.randrange(0, 578))
        e = add_moment(db, unit, clinician, pnr("19700101", i), started, ended=started + timedelta(days=60),
                       reason="genomford")
        anchor = started.date()
        if rng.random() < 0.7:
            submitted = started + timedelta(days=rng.randrange(0, 20))
            anchor = submitted.date() + timedelta(days=rng.randrange(0, 15))
            add_answer(db, e, "stoppdag", {"stoppdag": anchor.isoformat()}, submitted)
            if rng.random() < 0.3:  # a new stop day, before or after the first one has come
                again = submitted + timedelta(days=rng.randrange(1, 60))
                add_answer(db, e, "stoppdag", {"stoppdag": (again.date() + timedelta(days=3)).isoformat()}, again)
        anchors.append(anchor)
        for months, form_id in FOLLOW_UPS_FORMS.items():
            answered = at(anchor.year, anchor.month, anchor.day) + timedelta(days=DAYS[months] + rng.randrange(-5, 40))
            if rng.random() < 0.7 and answered.date() < date(2026, 3, 2):
                add_answer(db, e, form_id, rng.choice(PATTERNS)[0], answered, module_id="steg-5")
    db.session.commit()
    return unit, anchors


def _numbers(row):
    return tuple(0 if v == "< 5" else v for v in _figures(row))


def test_invariants_hold_and_no_moment_counts_before_it_is_due(random_world):
    unit, anchors = random_world
    filters = stats.Filters(month_from="2024-06", month_to="2025-12", region_id=unit.region_id, unit_id=unit.id)
    for today in TODAYS:
        for row in stats.outcomes(filters, "unit", today):
            n_due, n_answered, n_point, n_continuous = _numbers(row)
            # the test's own count: anchor + N-month days at least 30 days before today
            expected_due = sum(1 for a in anchors if (today - a).days - DAYS[row["months"]] >= 30)
            assert n_due == expected_due, (today, row["months"])
            assert n_continuous <= n_point <= n_answered <= n_due, (today, row)
    # the world is not trivial: by 2027 every figure has moments behind it, and fewer are continuous than
    # abstinent 7 days, fewer abstinent than answered, fewer answered than due
    for row in stats.outcomes(filters, "unit", TODAYS[-1]):
        n_due, n_answered, n_point, n_continuous = _numbers(row)
        assert 0 < n_continuous < n_point < n_answered < n_due, row


def test_purging_the_moments_changes_no_follow_up_figure_then_or_later(random_world, db):
    from datetime import UTC, datetime

    from web.models import Enrollment
    from web.services.operations import gallring

    unit, _ = random_world
    filters = stats.Filters(month_from="2024-06", month_to="2025-12", region_id=unit.region_id, unit_id=unit.id)
    # the purge day and later (a purged follow-up that already counted keeps no day: it counts from then on)
    later = TODAYS[1:]
    before = {today: stats.outcomes(filters, "unit", today) for today in later}
    # some 12-month follow-ups fall due after the purge: kept as their day
    assert _numbers(before[date(2027, 3, 1)][2])[0] > _numbers(before[date(2026, 3, 2)][2])[0]
    moments = db.session.execute(db.select(Enrollment.id, Enrollment.patient_id)).all()
    for moment_id, patient_id in moments:
        gallring.purge(gallring.plan(patient_id, [moment_id]), rule="test", now=datetime(2026, 3, 2, 12, tzinfo=UTC),
                       user_id=None, user_name="test", unit_id=None)
    assert db.session.execute(db.select(db.func.count()).select_from(Enrollment)).scalar_one() == 0
    assert {today: stats.outcomes(filters, "unit", today) for today in later} == before


def _page_tables(html: str) -> dict[str, list[list[str]]]:
    """Table key → body rows (cell texts) of the Statistik page."""
    from html import unescape

    out = {}
    for key, section in re.findall(r'<section class="card" aria-labelledby="([^"]+)">(.*?)</section>', html, re.S):
        body = section.split("<tbody>", 1)[1]
        rows = [[unescape(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
                for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
        out[key] = [] if rows == [["Inga uppgifter för urvalet."]] else rows
    return out


def test_stegvis_stats_and_the_statistik_page_agree_on_the_world(app, client, login, world, db):
    from click.testing import CliRunner

    from commands.data.records import stats_command
    from web.models import User

    login(db.session.execute(db.select(User).where(User.username == "behandlare")).scalar_one())
    html = client.get(f"/statistik?period=2025&lan={world.region_id}&enhet={world.id}")
    assert html.status_code == 200
    page = _page_tables(html.get_data(as_text=True))
    result = CliRunner().invoke(stats_command, ["--period", "2025", "--lan", str(world.region_id),
                                                "--unit", str(world.id), "--format", "json"], obj=app)
    assert result.exit_code == 0, result.output
    cli = {t["key"]: [[str(v) for v in row] for row in t["rows"]] for t in json.loads(result.output)["tables"]}
    # the calendar year 2025 leaves out r5 (started 2024-12): due 11, answered 10, 7 days 7, continuous 4
    assert cli["utfall"][0] == ["3 månader", "11", "10", "90.9", "7", "70.0", "63.6", "4", "40.0", "36.4"]
    assert page.keys() == cli.keys() and page == cli
