"""The tick on SQLite and PostgreSQL: set-based candidates, idempotence, nothing missed, reminders."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func

from notify_support import BASE_URL, personnummer, seed, seed_unit, start, sthlm
from web.extensions import db
from web.models import Enrollment, Event, Flag, Notice
from web.notify import candidates
from web.notify.transports import FileMailer, FileSmsGateway, Transports
from web.content.programs import all_programs
from web.services.core.flags import raise_flags
from web.services.patient.activities import register_occurrence
from web.services.clinician import activity as activity_service
from web.services.clinician import flags as flag_service
from web.services.core import messages as message_service
from web.services.clinician import moments as moment_service
from web.services.operations.tick import evaluate, reminder_queries, run_tick

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

T0 = sthlm(2026, 3, 2, 10)


@pytest.fixture
def files(tmp_path):
    return Transports(email=FileMailer(tmp_path / "mail"), sms=FileSmsGateway(tmp_path / "sms.log"))


def _count(model) -> int:
    return db.session.execute(db.select(func.count(model.id))).scalar_one()


def _flag_ids(now):
    recommended = {pid: p.recommended_days for pid, p in all_programs().items()}
    return candidates.union_ids(db.session, candidates.flag_candidates(now, now.date().isoformat(), recommended))


def _subscribe(world, flag_type, params, now, all_moments=True):
    return flag_service.add_subscription(world.user, world.enrollment, flag_type, params, all_moments=all_moments,
                                         now=now)


def _plan(world, now, start_day: date, flag_missed=True):
    plan = activity_service.save_content(
        world.enrollment, None, name="Rökfri dag", elements=[{"kind": "registration", "text": "Rökfri i dag?"}],
        user=world.user, now=now)
    activity_service.save_schedule(plan, start=start_day, times=[{"time": "08:30", "weekdays": [
        "mon", "tue", "wed", "thu", "fri", "sat", "sun"]}], until=None, every_weeks=1, now=now)
    activity_service.save_settings(plan, fill_days_after=1, flag_missed=flag_missed, may_skip=True,
                                   allow_comments=False, active=True, user=world.user, membership=world.membership,
                                   now=now)
    return plan


# --- idempotence ----------------------------------------------------------------------------------


def test_running_the_tick_twice_raises_no_flag_and_sends_no_notice_the_second_time(app, files, tmp_path):
    world = seed(T0)
    _subscribe(world, "patient_inactivity", {"days": 7}, T0)
    _subscribe(world, "module_reminder", {"module": "steg-1", "days_before": 2}, T0)
    _subscribe(world, "moment_ending_soon", {"days": 360}, T0)
    _subscribe(world, "date_reminder", {"date": "2026-03-06", "note": "Ring Jane"}, T0, all_moments=False)
    _plan(world, T0, date(2026, 3, 3))
    now = sthlm(2026, 3, 10, 12)

    first = run_tick(now, transports=files)
    assert first.flags >= 5 and first.reminders >= 2 and first.delivery.sent >= 7
    counts = [_count(m) for m in (Flag, Notice, Event)]
    written = (tmp_path / "sms.log").read_text(), sorted(p.name for p in (tmp_path / "mail").iterdir())

    second = run_tick(now, transports=files)

    assert (second.flags, second.reminders, second.delivery.handled) == (0, 0, 0)
    assert [_count(m) for m in (Flag, Notice, Event)] == counts
    assert ((tmp_path / "sms.log").read_text(), sorted(p.name for p in (tmp_path / "mail").iterdir())) == written
    assert (second.flag_candidates, second.reminder_candidates) == (1, 1)  # only the plan keeps its moment


def test_a_second_tick_a_minute_later_changes_nothing_either(app, files):
    world = seed(T0)
    _subscribe(world, "patient_inactivity", {"days": 7}, T0)
    run_tick(sthlm(2026, 3, 10, 12), transports=files)
    later = run_tick(sthlm(2026, 3, 10, 12, 1), transports=files)
    assert (later.flags, later.reminders, later.delivery.handled) == (0, 0, 0)
    assert later.flag_candidates == 0


# --- set-based candidates -------------------------------------------------------------------------


def test_only_moments_where_inactivity_can_fire_are_candidates_and_they_drop_out_once_flagged(app, files):
    unit, user = seed_unit()
    moments = [start(user, T0 + timedelta(days=d), personnummer=personnummer(d), first=f"P{d}", email=None,
                     mobile=None) for d in range(4)]
    flag_service.add_subscription(user, moments[0], "patient_inactivity", {"days": 7}, all_moments=True, now=T0)
    # moment 1's patient wrote on day 5, so its seven days run from then
    message_service.send_as_patient(moments[1], moments[1].patient, body="Hej", subject="Fråga",
                                    now=T0 + timedelta(days=5))
    now = T0 + timedelta(days=8, hours=1)
    # due: moment 0 (day 7) and moment 1 is not (day 12); moment 2 (started day 2, due day 9) is not yet
    assert _flag_ids(now) == [moments[0].id]
    assert _flag_ids(T0 + timedelta(days=9, hours=1)) == [moments[0].id, moments[2].id]
    run_tick(T0 + timedelta(days=9, hours=1), transports=files)
    assert _flag_ids(T0 + timedelta(days=9, hours=2)) == []


def test_a_changed_deadline_makes_only_its_own_moment_a_candidate_again(app, files):
    unit, user = seed_unit()
    first, second = (start(user, T0, personnummer=personnummer(i), first=f"P{i}", email=None, mobile=None)
                     for i in range(2))
    membership = user.memberships[0]
    flag_service.add_subscription(user, first, "module_reminder", {"module": "steg-1", "days_before": 2},
                                  all_moments=True, now=T0)
    run_tick(sthlm(2026, 3, 7, 12), transports=files)  # Steg 1 (7 days from 2026-03-02) reminded in both
    assert _flag_ids(sthlm(2026, 3, 7, 13)) == []
    moment_service.set_days_left(second, "steg-1", 5, user=user, membership=membership, now=sthlm(2026, 3, 7, 14))
    assert _flag_ids(sthlm(2026, 3, 10, 1)) == [second.id]
    assert run_tick(sthlm(2026, 3, 10, 1), transports=files).flags == 1
    assert _flag_ids(sthlm(2026, 3, 10, 2)) == []


def test_the_tick_issues_as_many_queries_for_forty_idle_moments_as_for_four(app, files, count_queries):
    unit, user = seed_unit()

    def statements_after_adding(n_moments: int, first: int) -> int:
        for i in range(first, first + n_moments):
            start(user, T0, personnummer=personnummer(i), first=f"P{i}", email=None, mobile=None)
        with count_queries() as statements:
            evaluate(T0 + timedelta(days=2))
        return len(statements)

    flag_service.add_subscription(user, start(user, T0, email=None, mobile=None), "patient_inactivity",
                                  {"days": 7}, all_moments=True, now=T0)
    assert statements_after_adding(4, 100) == statements_after_adding(36, 200)


# --- nothing missed -------------------------------------------------------------------------------


def test_ticking_every_eleven_hours_misses_no_flag_that_evaluating_every_moment_would_raise(app, files):
    world = seed(T0)
    user = world.user
    quiet = start(user, T0 + timedelta(days=1), personnummer=personnummer(1), first="Tyst", email=None, mobile=None)
    ended = start(user, T0 + timedelta(days=1), personnummer=personnummer(2), first="Slut", email=None, mobile=None)
    _subscribe(world, "patient_inactivity", {"days": 7}, T0)
    _subscribe(world, "module_reminder", {"module": "steg-1", "days_before": 2}, T0)
    _subscribe(world, "moment_ending_soon", {"days": 355}, T0)
    _subscribe(world, "date_reminder", {"date": "2026-03-12", "note": "Ring"}, T0, all_moments=False)
    _subscribe(world, "date_reminder", {"date": "2026-03-12", "note": "Skicka brev"}, T0, all_moments=False)
    plan = _plan(world, T0, date(2026, 3, 3))
    actions = {
        sthlm(2026, 3, 4, 9): lambda t: register_occurrence(plan, world.patient, now=t),
        sthlm(2026, 3, 5, 20): lambda t: moment_service.end_moment(ended, "avbruten", user=user,
                                                                  membership=world.membership, now=t),
        sthlm(2026, 3, 6, 14): lambda t: message_service.send_as_patient(world.enrollment, world.patient,
                                                                        body="Hej", subject="Fråga", now=t),
        # Steg 1 of the quiet moment: extended, shortened past its reminder, extended twice more
        sthlm(2026, 3, 7, 1): lambda t: _days_left(quiet, 10, world, t),
        sthlm(2026, 3, 8, 12): lambda t: _days_left(quiet, 2, world, t),
        sthlm(2026, 3, 12, 0, 30): lambda t: _days_left(quiet, 5, world, t),
        sthlm(2026, 3, 16, 0, 30): lambda t: _days_left(quiet, 4, world, t),
    }
    now = T0
    end = T0 + timedelta(days=30)
    while now < end:
        for at in sorted(a for a in actions if now - timedelta(hours=11) < a <= now):
            actions[at](at)
        run_tick(now, transports=files)
        now += timedelta(hours=11)

    raised = {f.type for f in db.session.execute(db.select(Flag)).scalars()}
    assert {"patient_inactivity", "module_reminder", "moment_ending_soon", "date_reminder",
            "activity_missed"} <= raised
    assert len([f for f in db.session.execute(db.select(Flag).where(Flag.type == "date_reminder")).scalars()]) == 2
    steg1 = db.session.execute(db.select(Flag.raised_at).where(
        Flag.enrollment_id == quiet.id, Flag.type == "module_reminder").order_by(Flag.raised_at)).scalars().all()
    assert steg1 == [sthlm(2026, 3, 8), sthlm(2026, 3, 15), sthlm(2026, 3, 18)]
    for enrollment in db.session.execute(db.select(Enrollment)).scalars().all():
        assert raise_flags(enrollment, now) == [], f"moment {enrollment.id} missed a flag"


def _days_left(enrollment, days, world, now):
    moment_service.set_days_left(enrollment, "steg-1", days, user=world.user, membership=world.membership, now=now)


# --- patient reminders ----------------------------------------------------------------------------


def _reminders():
    return [(n.channel, n.template, n.idempotency_key.split(":")[3]) for n in db.session.execute(
        db.select(Notice).where(Notice.template.in_(["reminder", "activity_due"])).order_by(Notice.id)).scalars()]


def test_the_steg_1_deadline_reminder_reaches_the_patient_on_both_channels_once(app, files):
    seed(T0)
    # Steg 1 has 7 days from 2026-03-02: 2 days left on 2026-03-07, reminded at 09:00
    assert run_tick(sthlm(2026, 3, 7, 8, 59), transports=files).reminders == 0
    assert run_tick(sthlm(2026, 3, 7, 9), transports=files).reminders == 2
    assert _reminders() == [("sms", "reminder", "steg-1-snart-slut"), ("email", "reminder", "steg-1-snart-slut")]
    assert run_tick(sthlm(2026, 3, 8, 9), transports=files).reminders == 0


def test_an_extended_deadline_reminds_that_patient_again_and_no_one_else(app, files):
    world = seed(T0)
    other = start(world.user, T0, personnummer=personnummer(5), first="Per", email=None, mobile="070-000 00 01")
    assert run_tick(sthlm(2026, 3, 7, 9), transports=files).reminders == 3  # Jane: SMS + e-mail, Per: SMS
    assert candidates.union_ids(db.session, reminder_queries(sthlm(2026, 3, 7, 10))) == []
    moment_service.set_days_left(other, "steg-1", 5, user=world.user, membership=world.membership,
                                 now=sthlm(2026, 3, 7, 11))
    # Per's Steg 1 now ends 2026-03-12: two days left on 2026-03-10, reminded at 09:00
    assert candidates.union_ids(db.session, reminder_queries(sthlm(2026, 3, 10, 9))) == [other.id]
    assert run_tick(sthlm(2026, 3, 10, 9), transports=files).reminders == 1


def test_the_three_month_follow_up_waits_for_steg_5_to_open_and_then_reminds_once(app, files):
    world = seed(T0)
    day90 = T0 + timedelta(days=90)
    run_tick(day90, transports=files)
    assert "uppfoljning-3-manader" not in [r[2] for r in _reminders()]
    moment_service.activate_module(world.enrollment, "steg-5", days=None, user=world.user,
                                   membership=world.membership, now=day90 + timedelta(days=2))
    report = run_tick(day90 + timedelta(days=2, minutes=5), transports=files)
    assert [r for r in _reminders() if r[2] == "uppfoljning-3-manader"] == [
        ("sms", "reminder", "uppfoljning-3-manader"), ("email", "reminder", "uppfoljning-3-manader")]
    assert report.reminders == 2
    assert run_tick(day90 + timedelta(days=3), transports=files).reminders == 0


def test_a_patient_with_notices_turned_off_is_not_even_a_reminder_candidate(app, files):
    world = seed(T0)
    patient = world.patient
    patient.notify_sms = patient.notify_email = False
    db.session.commit()
    at = sthlm(2026, 3, 7, 9)
    assert candidates.union_ids(db.session, reminder_queries(at)) == []
    assert run_tick(at, transports=files).reminders == 0


def test_an_activity_due_today_is_reminded_once_and_not_after_it_is_registered(app, files):
    world = seed(T0)
    plan = _plan(world, T0, date(2026, 3, 3), flag_missed=False)
    assert run_tick(sthlm(2026, 3, 3, 8, 29), transports=files).reminders == 0
    assert run_tick(sthlm(2026, 3, 3, 8, 30), transports=files).reminders == 2
    assert run_tick(sthlm(2026, 3, 3, 12), transports=files).reminders == 0
    register_occurrence(plan, world.patient, now=sthlm(2026, 3, 4, 8, 45), occurrence=sthlm(2026, 3, 4, 8, 30))
    assert run_tick(sthlm(2026, 3, 4, 9), transports=files).reminders == 0
    assert [r[1] for r in _reminders()].count("activity_due") == 2
