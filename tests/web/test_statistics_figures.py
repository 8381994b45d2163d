"""Statistik figures of a small hand-built world, every count visible (MIN_CELL patched to 1).

Pins what the set-based statements compute: month boundaries at the first and last instant of a month,
the three scopes in one statement, the clinician filter on the unit only, live and purged moments added
up, the modules that count in the funnel and its median, the first Fagerström score and the follow-ups.
Every expected number is worked out by hand from the world below (test_statistics.py keeps the
suppression rules at the real MIN_CELL).

Period 2025-10 … 2026-01, today 2026-03-02. Nobody answered a stop day, so the follow-ups are timed from
the start day, and one counts in the ITT denominator when it fell due by 2026-01-31 (30 days ago): the
3-month one (90 days) when started by 2025-11-02, the 6-month one (180) by 2025-08-04, the 12-month one
(365) by 2025-01-31 (test_statistics_outcomes.py pins the Russell Standard itself). Unit A (Region Jönköpings län, clinicians a1 and a2):

| moment | clinician | started | ended | in the cohort |
|---|---|---|---|---|
| m1 | a1 | 2025-10-01 00:00:00 | 2025-11-15 genomford, then vidmakthåll | yes |
| m2 | a1 | 2025-10-20 | 2025-11-20 avbruten | yes |
| m3 | a2 | 2025-12-05 | — | yes |
| m4 | a2 | 2026-01-31 23:59:59.999999 | — | yes |
| m5 | a1 | 2025-09-30 23:59:59.999999 | — | no (before) |
| m6 | a1 | 2026-02-01 00:00:00 | — | no (after) |
| m7 | a1 | 2025-08-10 | 2025-09-30 annan | no |
| m8 | a2 | 2025-09-01 | 2025-10-05 genomford | no |
| p1 (purged) | a1 | 2025-10 | 2025-11 genomford, vidmakthåll | yes |

Unit B (same region): b1 started 2025-11-03, active. Unit C (Region Örebro län): c1 started 2025-10-15.
"""
from datetime import UTC, date, datetime, timedelta

import pytest

from data_support import ABSTINENT, NO_STOP_DAY, SMOKING, add_answer, add_moment, at, pnr
from web.services.clinician import statistics as stats

TODAY = date(2026, 3, 2)
FIRST_INSTANT = datetime(2025, 10, 1, tzinfo=UTC)
LAST_INSTANT = datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
BEFORE = datetime(2025, 9, 30, 23, 59, 59, 999999, tzinfo=UTC)
AFTER = datetime(2026, 2, 1, tzinfo=UTC)
#: at most five times since the stop day, but smoked the last 7 days (answered before it was due)
FEW_TIMES = {"tobak_7_dagar": True, "stoppdag_satt": "ja", "anvant_sedan_stopp": True, "mer_an_fem_ganger": False}


@pytest.fixture
def world(db, make_unit, make_staff, monkeypatch):
    from web.models import EnrollmentModule, FormResponse, StatModule, StatRecord

    monkeypatch.setattr(stats, "MIN_CELL", 1)
    a, b = make_unit(), make_unit("Vårdcentralen Norr")
    c = make_unit("Vårdcentralen Ekhagen", "Region Örebro län")
    a1, a2 = make_staff("a1", unit=a), make_staff("a2", unit=a)
    cb, cc = make_staff("b1", unit=b), make_staff("c1", unit=c)
    serial = iter(range(1000))

    def moment(unit, clinician, started, ended=None, reason=None, maintained=False):
        return add_moment(db, unit, clinician, pnr("19700101", next(serial)), started, ended=ended, reason=reason,
                          maintained=maintained)

    m1 = moment(a, a1, FIRST_INSTANT, at(2025, 11, 15), "genomford", maintained=True)
    m2 = moment(a, a1, at(2025, 10, 20), at(2025, 11, 20), "avbruten")
    m3 = moment(a, a2, at(2025, 12, 5))
    m4 = moment(a, a2, LAST_INSTANT)
    m5 = moment(a, a1, BEFORE)
    moment(a, a1, AFTER)
    moment(a, a1, at(2025, 8, 10), at(2025, 9, 30), "annan")
    moment(a, a2, at(2025, 9, 1), at(2025, 10, 5), "genomford")
    moment(b, cb, at(2025, 11, 3))
    moment(c, cc, at(2025, 10, 15))

    def module(e, module_id, state, activated=None, days=None, completed=None):
        completed = completed or (activated + timedelta(days=days, hours=1) if days is not None else None)
        db.session.add(EnrollmentModule(enrollment_id=e.id, module_id=module_id, position=0, state=state,
                                        status="read_write", days=7, activated_at=activated, completed_at=completed))

    start = at(2025, 10, 1)
    module(m1, "steg-1", "completed", start, days=4)
    module(m1, "steg-2", "completed", start, days=6)
    module(m1, "steg-3", "current", start)  # m1 has ended: reached, not aktiv
    module(m2, "steg-1", "completed", start, days=10)
    module(m2, "steg-2", "upcoming", start)  # set back to kommande after it was reached
    module(m2, "steg-3", "upcoming")  # never reached: counts nowhere
    module(m3, "steg-1", "completed", start, days=3)
    module(m3, "steg-2", "current", start)
    module(m4, "steg-1", "current", start)
    module(m4, "steg-4", "completed", completed=at(2026, 2, 1))  # avklarad without an activation time
    module(m5, "steg-1", "completed", start, days=100)  # started before the period

    add_answer(db, m1, "ftnd", {}, at(2025, 10, 2), score=7)
    add_answer(db, m1, "ftnd", {}, at(2025, 10, 1, 12), score=2)  # submitted first, inserted last
    add_answer(db, m2, "ftnd-snus", {}, at(2025, 10, 21), score=5)
    add_answer(db, m3, "ftnd", {}, at(2025, 12, 5), score=None)
    add_answer(db, m3, "ftnd", {}, at(2025, 12, 6), score=9)
    add_answer(db, m4, "ftnd", {}, at(2026, 2, 2), score=3)  # the same time: the first inserted counts
    add_answer(db, m4, "ftnd", {}, at(2026, 2, 2), score=6)
    add_answer(db, m5, "ftnd", {}, at(2025, 10, 1), score=10)
    db.session.add(FormResponse(enrollment_id=m4.id, form_id="ftnd", status="draft", answers={}, questions={},
                                form_title="ftnd", score=0, created_at=at(2026, 2, 1), updated_at=at(2026, 2, 1)))
    add_answer(db, m1, "uppfoljning-3m", ABSTINENT, at(2026, 1, 5))
    add_answer(db, m1, "uppfoljning-3m", SMOKING, at(2026, 1, 6))  # abstinent only if every submission says so
    add_answer(db, m2, "uppfoljning-3m", NO_STOP_DAY, at(2026, 1, 20))
    add_answer(db, m2, "uppfoljning-6m", SMOKING, at(2026, 2, 20))
    add_answer(db, m4, "uppfoljning-3m", FEW_TIMES, at(2026, 2, 28))
    db.session.add(FormResponse(enrollment_id=m3.id, form_id="uppfoljning-3m", status="draft", answers=ABSTINENT,
                                questions={}, form_title="x", created_at=at(2026, 3, 1), updated_at=at(2026, 3, 1)))
    p1 = StatRecord(care_unit_id=a.id, region_id=a.region_id, program_id="tobakshjalpen", clinician_id=a1.id,
                    started_month="2025-10", ended_month="2025-11", status="ended", end_reason="genomford",
                    maintained=True, fagerstrom=1, fu3_answered=True, fu3_point=True, fu3_due_at_purge=True,
                    # the 6-month follow-up falls due on the last day that counts today, the 12-month one a day
                    # later (answered early: not counted)
                    fu6_due_on="2026-01-31", fu12_due_on="2026-02-01", fu12_answered=True)
    db.session.add(p1)
    db.session.flush()
    db.session.add_all([StatModule(stat_record_id=p1.id, module_id="steg-1", reached=True, completed=True, days=8),
                        StatModule(stat_record_id=p1.id, module_id="steg-2", reached=False, completed=False)])
    db.session.commit()
    return {"a": a, "a2": a2, "m1": m1, "m2": m2}


def _filters(world, **kw):
    a = world["a"]
    return stats.Filters(**{"month_from": "2025-10", "month_to": "2026-01", "region_id": a.region_id,
                            "unit_id": a.id, **kw})


def _column(result, scope, figure):
    return [row[figure] for row in result["tables"][scope]["rows"]]


def test_overview_per_scope_with_month_boundaries_and_purged_moments(world):
    result = stats.overview(_filters(world))
    assert result["months"] == ["2025-10", "2025-11", "2025-12", "2026-01"]
    # unit A: Oct m1 m2 p1 start; Dec m3; Jan m4 (its last instant); m5 and m6 start outside
    assert _column(result, "unit", "started") == [3, "< 5", 1, 1]
    # at each month's end: Oct m1 m2 p1 m5 (m8 ended in Oct); Nov m5; Dec m5 m3; Jan m5 m3 m4
    assert _column(result, "unit", "ongoing") == [4, 1, 2, 3]
    # Oct m8; Nov m1 m2 p1 (m7 ended in September, before the period)
    assert _column(result, "unit", "ended") == [1, 3, "< 5", "< 5"]
    assert _column(result, "unit", "maintained") == ["< 5", 2, "< 5", "< 5"]  # m1 and p1
    assert result["tables"]["unit"]["totals"] == {"started": 5, "ended": 4, "maintained": 2}
    assert result["tables"]["unit"]["reasons"] == {"avbruten": 1, "genomford": 3}
    # the region adds b1 (Nov); all regions add c1 (Oct)
    assert _column(result, "region", "started") == [3, 1, 1, 1]
    assert _column(result, "region", "ongoing") == [4, 2, 3, 4]
    assert _column(result, "all", "started") == [4, 1, 1, 1]
    assert _column(result, "all", "ongoing") == [5, 3, 4, 5]
    assert result["tables"]["all"]["totals"] == {"started": 7, "ended": 4, "maintained": 2}


def test_the_clinician_filter_applies_to_the_unit_only(world):
    result = stats.overview(_filters(world, clinician_id=world["a2"].id))
    # a2's moments: m3 (Dec), m4 (Jan), m8 (ended in Oct)
    assert _column(result, "unit", "started") == ["< 5", "< 5", 1, 1]
    assert result["tables"]["unit"]["totals"] == {"started": 2, "ended": 1, "maintained": "< 5"}
    assert result["tables"]["region"]["totals"]["started"] == 6
    # a2's cohort is m3 (due 2026-03-05, only a draft) and m4 (answered early, due 2026-05-01): neither counts
    three = stats.outcomes(_filters(world, clinician_id=world["a2"].id), "unit", TODAY)[0]
    assert (three["due"], three["answered"], three["point"], three["continuous"]) == ("< 5",) * 4
    assert [r["count"] for r in stats.fagerstrom(_filters(world, clinician_id=world["a2"].id), "unit")] == [
        "< 5", 1, "< 5", "< 5", 1]


def test_the_region_cohort_counts_the_other_unit_too(world):
    # unit A's m1 m2 p1 and b1 from the other unit, whose follow-up fell due 2026-02-01, inside the response
    # window: not yet in the denominator; c1 is in another region
    three = stats.outcomes(_filters(world, unit_id=None), "region", TODAY)[0]
    assert (three["due"], three["answered"], three["point"], three["continuous"]) == (3, 3, 2, "< 5")


def test_funnel_counts_reached_completed_active_and_the_median(world):
    rows = {r["module"]: r for r in stats.funnel(_filters(world), "unit")}
    figures = {m: (r["reached"], r["completed"], r["active"], r["median_days"]) for m, r in rows.items()
               if m in ("steg-1", "steg-2", "steg-3", "steg-4")}
    assert figures == {
        # m1 m2 m3 m4 p1 reached; m1 m2 m3 p1 avklarade after 4, 10, 3, 8 days; m4 aktiv. m5 (100 days)
        # started before the period. Days sorted 3 4 8 10: an even count shows the upper middle value, 8
        # (as the page always has: the value at position n // 2), not the mean of 4 and 8
        "steg-1": (5, 4, 1, 8.0),
        # m1 (6 days), m2 (set back to kommande) and m3 (aktuell) reached it; p1 did not
        "steg-2": (3, 1, 1, 6.0),
        # only m1 reached it, and m1 has ended, so it is not aktiv
        "steg-3": (1, "< 5", "< 5", "< 5"),
        # avklarad in m4 without an activation time: completed, not reached, no days
        "steg-4": ("< 5", 1, "< 5", "< 5"),
    }


def test_outcomes_and_fagerstrom_of_the_cohort(world):
    three, six, twelve = stats.outcomes(_filters(world), "unit", TODAY)
    # due: m1 m2 (started by 2025-11-02) and p1 (due when purged); m3 and m4 not yet, though m4 answered.
    # All three answered; 7 days abstinent m2 and p1, not m1 (one of its two answers says it smoked);
    # continuous none (m2 never set a stop day, p1 was not)
    assert three == {"months": 3, "due": 3, "answered": 3, "response_rate": 100.0,
                     "point": 2, "point_respondents": 66.7, "point_itt": 66.7,
                     "continuous": "< 5", "continuous_respondents": "< 5", "continuous_itt": "< 5"}
    # 6 months: only p1 (due on the last day that counts), unanswered; m2's answer is early (due 2026-04-18)
    assert (six["due"], six["answered"], six["response_rate"], six["point"]) == (1, "< 5", "< 5", "< 5")
    # 12 months: p1 falls due a day too late to count, so its early answer does not count either
    assert (twelve["due"], twelve["answered"], twelve["point"], twelve["continuous"]) == ("< 5",) * 4
    bands = [r["count"] for r in stats.fagerstrom(_filters(world), "unit")]
    # first scores: m1 2 (submitted before the 7), p1 1, m4 3 (same time as the 6, inserted first), m2 5
    # (snus), m3 9 (the score-less answer before it does not count); m5 started before the period
    assert bands == [2, 1, 1, "< 5", 1]


def test_report_is_unchanged_when_moments_of_the_world_are_purged(world, db):
    from web.models import Enrollment, StatRecord
    from web.services.operations import gallring

    before = stats.report(_filters(world), TODAY)
    # the ended m1 (two Fagerström and two follow-up answers) and m2 (snus, answered the 6-month follow-up)
    for moment_id in (world["m1"].id, world["m2"].id):
        patient_id = db.session.get(Enrollment, moment_id).patient_id
        gallring.purge(gallring.plan(patient_id, [moment_id]), rule="test", now=datetime(2026, 3, 2, tzinfo=UTC),
                       user_id=None, user_name="test", unit_id=None)
    assert db.session.execute(db.select(db.func.count()).select_from(StatRecord)).scalar_one() == 3
    assert stats.report(_filters(world), TODAY) == before
    funnel = {r["module"]: r for r in before.funnel}
    assert before.outcomes[0]["point"] == 2 and funnel["steg-1"]["reached"] == 5
