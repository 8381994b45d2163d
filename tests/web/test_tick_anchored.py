"""The tick and the reminders timed from an answered date (Tobakshjälpen's follow-ups, 90/180/365 days
after the stop day): read only once `Enrollment.next_anchored_reminder_at` has come, and never missed.

The stored time is worked out by the tick from the state and forgotten (NULL) by every change of the
state; these tests tick a world of moments through a year and more, changing stop days and follow-up
modules between the ticks, and check after every tick that each reminder the engine says is due for
any moment (`due_reminders` over every moment, not only the candidates) was queued.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from notify_support import BASE_URL, personnummer, seed, start, sthlm
from web.extensions import db
from web.models import Enrollment, Notice
from web.services.clinician import moments as moment_service
from web.services.core.rows import build_state, program_for
from web.services.operations.tick import evaluate
from web.services.patient import answers
from engine.moment.reminders import due_reminders

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

T0 = sthlm(2026, 3, 2, 10)
FOLLOW_UPS = ("uppfoljning-3-manader", "uppfoljning-6-manader", "uppfoljning-12-manader")


def _stop_day(enrollment, days: int, answered: int) -> None:
    """The patient answers Stoppdag on day `answered`: the stop day is day `days` after T0."""
    answers.submit_form(enrollment, enrollment.patient, "stoppdag",
                        {"stoppdag": (T0 + timedelta(days=days)).date(), "tilltro": 7},
                        now=T0 + timedelta(days=answered), module_id="steg-1")


def nine(days: int):
    """09:00 on the day `days` after T0 (an anchored reminder's time)."""
    d = (T0 + timedelta(days=days)).date()
    return sthlm(d.year, d.month, d.day, 9)


def _keys() -> set[str]:
    return set(db.session.execute(db.select(Notice.idempotency_key).where(Notice.template == "reminder")).scalars())


def _missed(now) -> list[str]:
    """The anchored reminders due at `now` in any moment (the engine asked for every moment) not queued."""
    keys, missed = _keys(), []
    for enrollment in db.session.execute(db.select(Enrollment).order_by(Enrollment.id)).scalars():
        for due in due_reminders(program_for(enrollment), build_state(enrollment), now):
            if due.reminder.days_after_anchor is not None and f"patient:{enrollment.id}:{due.key}:sms" not in keys:
                missed.append(f"moment {enrollment.id}: {due.reminder.id} due {due.at.isoformat()}")
    db.session.rollback()
    return missed


def _sent(enrollment) -> list[str]:
    """The follow-up reminders queued for the moment (SMS), in order."""
    keys = db.session.execute(db.select(Notice.idempotency_key).where(
        Notice.enrollment_id == enrollment.id, Notice.channel == "sms").order_by(Notice.id)).scalars()
    return [k.split(":")[3] for k in keys if k.split(":")[3] in FOLLOW_UPS]


def test_ticking_through_a_year_misses_no_follow_up_reminder_whenever_the_stop_day_and_modules_change(app):
    world = seed(T0)
    user, membership = world.user, world.membership
    moments = {name: start(user, T0, personnummer=personnummer(i), first=name)
               for i, name in enumerate(["itid", "sent", "sentsvar", "dold", "aldrig"], start=1)}
    db.session.commit()
    ids = {name: m.id for name, m in moments.items()}

    def moment(name):
        return db.session.get(Enrollment, ids[name])

    def activate(name, module):
        return lambda t: moment_service.activate_module(moment(name), module, days=None, user=world.user,
                                                         membership=world.membership, now=t)

    def status(name, module, value):
        return lambda t: moment_service.set_patient_status(moment(name), module, value, user=world.user,
                                                            membership=world.membership, now=t)

    day = lambda n, hours=0: T0 + timedelta(days=n, hours=hours)  # noqa: E731
    actions = {
        # itid: stop day on day 14, answered on day 5; every follow-up module opened before it is due
        day(5): lambda t: _stop_day(moment("itid"), 14, 5),
        day(95): activate("itid", "steg-5"), day(185): activate("itid", "steg-6"), day(370): activate("itid", "steg-7"),
        # sent: Steg 5 opened only after its 3-month window (reminded then), Steg 6 ten days late
        day(6): lambda t: _stop_day(moment("sent"), 10, 6),
        day(130): activate("sent", "steg-5"), day(200): activate("sent", "steg-6"),
        # sentsvar: Steg 5 open from day 60, the stop day answered only on day 89 (after ticks worked out the
        # unanswered time, the start + 90 days), for day 100
        day(60): activate("sentsvar", "steg-5"), day(89, 3): lambda t: _stop_day(moment("sentsvar"), 100, 89.125),
        # dold: Steg 5 open, hidden again before it is due, shown again three days into the window
        day(3): lambda t: _stop_day(moment("dold"), 3, 3), day(80): activate("dold", "steg-5"),
        day(85): status("dold", "steg-5", "hidden"), day(96): status("dold", "steg-5", "read_write"),
        # aldrig: never answers (timed from the start); Steg 5 open from day 70
        day(70): activate("aldrig", "steg-5"),
    }
    # every 61 hours (each reminder's window is 7 days), and once between sentsvar's first tick and its answer
    ticks = sorted({T0 + timedelta(hours=61 * k) for k in range(1, 158)} | {day(89, 1)})
    done = T0
    for now in ticks:
        for at in sorted(a for a in actions if done < a <= now):
            actions[at](at)
        report = evaluate(now)
        assert report.errors == []
        assert _missed(now) == [], now
        done = now
    assert len(ticks) > 150
    assert _sent(moment("itid")) == list(FOLLOW_UPS)
    assert _sent(moment("sent")) == ["uppfoljning-3-manader", "uppfoljning-6-manader"]
    assert _sent(moment("sentsvar")) == ["uppfoljning-3-manader"]
    assert _sent(moment("dold")) == ["uppfoljning-3-manader"]
    assert _sent(moment("aldrig")) == ["uppfoljning-3-manader"]
    # the times: 3 months after each stop day at 09:00; Steg 5 opened late sends at the opening
    sent_at = dict(db.session.execute(db.select(Notice.idempotency_key, Notice.created_at).where(
        Notice.channel == "sms", Notice.template == "reminder")).all())

    def within(name, reminder, earliest):
        at = sent_at[f"patient:{ids[name]}:reminder:{reminder}:{T0.isoformat()}:sms"]
        return earliest <= at < earliest + timedelta(hours=61)

    assert within("itid", "uppfoljning-3-manader", nine(104)) and within("itid", "uppfoljning-12-manader", nine(379))
    assert within("sent", "uppfoljning-3-manader", day(130)) and within("sent", "uppfoljning-6-manader", day(200))
    assert within("sentsvar", "uppfoljning-3-manader", nine(190))
    assert within("dold", "uppfoljning-3-manader", day(96))
    assert within("aldrig", "uppfoljning-3-manader", day(90))


def test_a_moment_is_a_reminder_candidate_only_when_its_follow_up_can_be_due(app):
    world = seed(T0)
    jane = world.enrollment
    _stop_day(jane, 10, 2)
    moment_service.activate_module(jane, "steg-5", days=None, user=world.user, membership=world.membership,
                                   now=T0 + timedelta(days=30))
    due = sthlm(2026, 6, 10, 9)  # the stop day 2026-03-12 + 90 days, 09:00

    first = evaluate(T0 + timedelta(days=89, hours=1))  # not worked out yet: read once
    assert (first.reminder_candidates, first.reminders) == (1, 0)
    assert db.session.get(Enrollment, jane.id).next_anchored_reminder_at == due
    # before: read on every tick until the stop day + 90 (started 89 days ago, Steg 5 open, not reminded)
    assert [evaluate(T0 + timedelta(days=d)).reminder_candidates for d in (90, 95, 99)] == [0, 0, 0]
    assert evaluate(due - timedelta(minutes=1)).reminder_candidates == 0
    at_due = evaluate(due)
    assert (at_due.reminder_candidates, at_due.reminders) == (1, 2)  # SMS and e-mail
    assert evaluate(due + timedelta(hours=1)).reminder_candidates == 0  # reminded

    # a change of the state forgets the stored time: the next tick works it out again, once
    moment_service.activate_module(jane, "steg-6", days=None, user=world.user, membership=world.membership,
                                   now=T0 + timedelta(days=112))
    assert db.session.get(Enrollment, jane.id).next_anchored_reminder_at is None
    after = evaluate(T0 + timedelta(days=180, hours=1))
    assert (after.reminder_candidates, after.reminders) == (1, 0)
    assert db.session.get(Enrollment, jane.id).next_anchored_reminder_at == sthlm(2026, 9, 8, 9)  # + 180 days
    assert evaluate(T0 + timedelta(days=181)).reminder_candidates == 0
    assert evaluate(sthlm(2026, 9, 8, 9)).reminders == 2

    assert evaluate(T0 + timedelta(days=300)).reminder_candidates == 0


def test_an_unanswered_stop_day_times_the_follow_ups_from_the_start_and_a_hidden_module_none(app):
    world = seed(T0)
    jane = world.enrollment
    assert evaluate(T0 + timedelta(days=89, hours=1)).reminder_candidates == 0  # Steg 5 is hidden: not read
    moment_service.activate_module(jane, "steg-5", days=None, user=world.user, membership=world.membership,
                                   now=T0 + timedelta(days=89, hours=2))
    assert evaluate(T0 + timedelta(days=89, hours=3)).reminder_candidates == 1
    assert db.session.get(Enrollment, jane.id).next_anchored_reminder_at == T0 + timedelta(days=90)
    moment_service.set_patient_status(jane, "steg-5", "hidden", user=world.user, membership=world.membership,
                                      now=T0 + timedelta(days=89, hours=4))
    assert evaluate(T0 + timedelta(days=89, hours=5)).reminder_candidates == 0  # hidden again: not read
    moment_service.set_patient_status(jane, "steg-5", "read_write", user=world.user, membership=world.membership,
                                      now=T0 + timedelta(days=89, hours=6))
    evaluate(T0 + timedelta(days=89, hours=7))
    assert db.session.get(Enrollment, jane.id).next_anchored_reminder_at == T0 + timedelta(days=90)
    assert evaluate(T0 + timedelta(days=90)).reminders == 2
    # the moment ends: nothing can be due any more
    moment_service.end_moment(jane, "avbruten", user=world.user, membership=world.membership,
                              now=T0 + timedelta(days=100))
    assert db.session.get(Enrollment, jane.id).next_anchored_reminder_at is None


def test_a_moment_reminded_of_one_follow_up_is_not_read_again_for_the_next_while_the_first_window_is_open(app):
    world = seed(T0)
    jane = world.enrollment
    _stop_day(jane, 10, 2)  # the 3-month follow-up from day 100, the 6-month from day 190
    for module, day in (("steg-6", 184), ("steg-5", 185)):  # opened late: the 3-month one is due at the opening
        moment_service.activate_module(jane, module, days=None, user=world.user, membership=world.membership,
                                       now=T0 + timedelta(days=day))
    opened = T0 + timedelta(days=185)
    at_opening = evaluate(opened + timedelta(minutes=1))
    assert at_opening.reminders == 2 and _sent(jane) == ["uppfoljning-3-manader"]
    # its 7-day window stays open, but it is sent: the moment waits for the 6-month one (started over 179
    # days ago, Steg 6 open, not reminded of it: the 6-month prefilter alone would read it on every tick)
    assert db.session.get(Enrollment, jane.id).next_anchored_reminder_at == nine(190)
    assert [evaluate(opened + timedelta(hours=h)).reminder_candidates for h in (1, 24, 72)] == [0, 0, 0]
    assert evaluate(nine(190)).reminders == 2
    assert _sent(jane) == ["uppfoljning-3-manader", "uppfoljning-6-manader"]
    assert not _missed(nine(190) + timedelta(hours=1))
