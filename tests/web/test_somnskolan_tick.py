"""Sömnskolan's recurring diary reminder through the real tick: found by the set-based prefilter, queued
once a day on both channels while the diary module is current, the SMS held back by the quiet hours."""
from __future__ import annotations

import pytest

from notify_support import BASE_URL, seed_unit, sthlm
from web.extensions import db
from web.models import Notice
from web.notify import candidates
from web.notify.transports import FileMailer, FileSmsGateway, Transports
from web.services.clinician import moments
from web.services.operations.tick import reminder_queries, run_tick

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)


@pytest.fixture
def files(tmp_path):
    return Transports(email=FileMailer(tmp_path / "mail"), sms=FileSmsGateway(tmp_path / "sms.log"))


def _diary_reminders():
    return [(n.channel, n.idempotency_key.split(":")[4]) for n in db.session.execute(
        db.select(Notice).where(Notice.idempotency_key.contains("dagbok-varje-morgon")).order_by(Notice.id)).scalars()]


def test_the_diary_reminder_is_queued_every_morning_while_the_diary_module_is_current(app, files):
    unit, user = seed_unit()
    moment = moments.start_moment(personnummer="19610831-2460", program_id="somnskolan", user=user,
                                  membership=user.memberships[0], now=sthlm(2026, 3, 2, 10), first_name="Jane",
                                  last_name="Doe", email="jane.doe@example.se", mobile="070-174 06 05")
    moment.patient.notify_sms = moment.patient.notify_email = True
    db.session.commit()
    # started at 10:00: the first reminder is Tuesday's 07:30
    assert run_tick(sthlm(2026, 3, 2, 12), transports=files).reminders == 0
    assert run_tick(sthlm(2026, 3, 3, 7, 29), transports=files).reminders == 0
    assert run_tick(sthlm(2026, 3, 3, 7, 30), transports=files).reminders == 2
    assert candidates.union_ids(db.session, reminder_queries(sthlm(2026, 3, 3, 12))) == []  # sent today
    assert run_tick(sthlm(2026, 3, 3, 12), transports=files).reminders == 0
    assert moment.id in candidates.union_ids(db.session, reminder_queries(sthlm(2026, 3, 4, 7, 30)))
    assert run_tick(sthlm(2026, 3, 4, 7, 30), transports=files).reminders == 2
    assert _diary_reminders() == [("sms", "2026-03-03"), ("email", "2026-03-03"),
                                  ("sms", "2026-03-04"), ("email", "2026-03-04")]
    sms = db.session.execute(db.select(Notice).where(Notice.channel == "sms",
                                                     Notice.idempotency_key.contains("2026-03-04"))).scalar_one()
    assert sms.next_attempt_at == sthlm(2026, 3, 4, 8, 0)  # the quiet hours end at 08:00
    moments.complete_module(moment, "dagbok", user=user, membership=user.memberships[0], now=sthlm(2026, 3, 4, 9))
    assert run_tick(sthlm(2026, 3, 5, 7, 30), transports=files).reminders == 0
