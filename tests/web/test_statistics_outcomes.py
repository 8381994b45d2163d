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
