"""Several workers against PostgreSQL: each notice is handed over exactly once; one tick evaluates at a time."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from notify_support import BASE_URL, seed, sthlm, transports
from web.extensions import db
from web.models import Notice
from web.notify.delivery import deliver_due
from web.services.core.notices import queue_notice
from web.services.operations.tick import TICK_LOCK_KEY, evaluate

T0 = sthlm(2026, 3, 2, 10)


#: several workers are a PostgreSQL feature (SQLite has no row locks: run one worker there)
pytestmark = [pytest.mark.parametrize("backend", ["postgresql"]), pytest.mark.app_config(BASE_URL=BASE_URL)]


def _queue_hundred() -> list[int]:
    world = seed(T0)
    patient, enrollment = world.patient, world.enrollment
    db.session.execute(db.delete(Notice))  # the moment's own notices (activation): only the hundred count
    for i in range(100):
        queue_notice(channel="sms" if i % 2 else "email", recipient=patient, template="new_message",
                     key=f"load:{i}", now=T0, enrollment=enrollment)
    db.session.commit()
    return list(db.session.execute(db.select(Notice.id).order_by(Notice.id)).scalars())


def test_two_workers_against_postgresql_deliver_a_hundred_notices_exactly_once_each(app, smtp, sms):
    ids = _queue_hundred()
    assert len(ids) == 100
    # the first two SMS requests wait for each other: both workers must be sending at the same time,
    # each holding its own locked row — without SKIP LOCKED the second would wait for the first's lock
    sms.barrier = threading.Barrier(2, timeout=20)
    reports, errors = [], []
    go = threading.Barrier(2)

    def worker():
        try:
            with app.app_context():
                go.wait()
                reports.append(deliver_due(T0 + timedelta(minutes=1), transports=transports(smtp, sms)))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert all(r.sent > 0 for r in reports) and len(reports) == 2
    sent = reports[0].sent_ids + reports[1].sent_ids
    assert sorted(sent) == ids
    refs = [r["json"]["reference"] for r in sms.received] + [m["Message-ID"] for m in smtp.inbox.messages]
    assert len(sms.received) == 50 and len(smtp.inbox.messages) == 50
    assert len(set(refs)) == 100
    db.session.expire_all()
    rows = db.session.execute(db.select(Notice.status, Notice.attempts)).all()
    assert set(rows) == {("sent", 1)}


def test_while_one_worker_evaluates_another_only_delivers(app):
    seed(T0)
    # this test's session holds the tick lock, as a worker in the middle of its evaluation does
    assert db.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": TICK_LOCK_KEY}).scalar()
    other = {}

    def second_worker():
        with app.app_context():
            other["report"] = evaluate(T0 + timedelta(days=8))

    thread = threading.Thread(target=second_worker)
    thread.start()
    thread.join(timeout=60)
    db.session.rollback()  # the lock goes with the transaction
    assert other["report"].evaluated is False
    assert evaluate(T0 + timedelta(days=8)).evaluated is True
