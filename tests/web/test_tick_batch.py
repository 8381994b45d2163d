"""The tick's chunked passes write exactly what the unit of work per moment writes.

The same world is built twice in the same empty database (so every id is the same) and ticked
through the same times: once by the chunked passes (web.services.operations.tick_batch) and once one
moment at a time (`raise_due`, `start_due_batteries`, `queue_patient_reminders` in a savepoint each,
what the tick did before the passes and still does when a chunk cannot be written). Every flag,
event, notice and moment column, the reports and the delivered files must be identical.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from notify_support import BASE_URL, personnummer, seed_unit, start, sthlm
from web.extensions import db
from web.models import Enrollment, Event, Flag, FlagSubscription, Notice
from web.notify.transports import FileMailer, FileSmsGateway, Transports
from web.services.clinician import activity as activity_service
from web.services.clinician import flags as flag_service
from web.services.clinician import moments as moment_service
from web.services.clinician.staff import create_staff
from web.services.core import accounts
from web.services.core import messages as message_service
from web.services.operations import tick_batch
from web.services.operations.tick import run_tick
from web.services.patient import activities as patient_activities
from web.services.patient import answers

pytestmark = pytest.mark.app_config(BASE_URL=BASE_URL)

T0 = sthlm(2025, 11, 3, 10)
CALM = {"sug": 0, "irritation": 0, "angslan": 0, "rastloshet": 0, "koncentration": 0, "somn": 0, "aptit": 0,
        "sjalvmordstankar": False}


def _build(monkeypatch) -> int:
    """Two clinicians, nine moments in different stages, subscriptions of every kind the tick reads; the id
    of the moment whose events are read back only in part (_reads_some_events)."""
    tokens = iter(range(1000))  # activation links the same in both worlds (they are in the notices)
    monkeypatch.setattr(accounts.secrets, "token_urlsafe", lambda n: f"token-{next(tokens)}")
    unit, marita = seed_unit()
    kalle = create_staff(unit, username="kalle.berg", name="Kalle Berg", password=None, roles=["behandlare"],
                         mobile="070-111 22 33")
    kalle.notify_sms = True
    db.session.commit()
    membership = marita.memberships[0]
    moments = []
    for i, (days, contact) in enumerate([(0, True), (30, False), (110, True), (10, False), (100, True), (60, True),
                                         (118, False), (45, True)]):
        moment = start(marita, T0 + timedelta(days=days), personnummer=personnummer(i), first=f"P{i}",
                       email=f"p{i}@example.se" if contact else None, mobile="070-000 00 0%d" % i if contact else None)
        moment.patient.notify_sms = moment.patient.notify_email = contact
        moments.append(moment)
    db.session.commit()
    # a stop day, so the moment's follow-ups are timed from it; a form with an answer alert
    answers.submit_form(moments[5], moments[5].patient, "stoppdag", {"stoppdag": (T0 + timedelta(days=62)).date(),
                                                                     "tilltro": 7},
                        now=T0 + timedelta(days=61), module_id="steg-1")
    moment_service.activate_module(moments[7], "steg-2", days=None, user=marita, membership=membership,
                                   now=T0 + timedelta(days=46))
    answers.submit_form(moments[7], moments[7].patient, "abstinens", {**CALM, "nedstamdhet": 4},
                        now=T0 + timedelta(days=47), module_id="steg-2")
    moment_service.end_moment(moments[3], "avbruten", user=marita, membership=membership, now=T0 + timedelta(days=20))
    # a step view: the patient's action that ends a stretch of inactivity (read back bare, with its time)
    answers.view_step(moments[0], moments[0].patient, "steg-1", "motivation", now=T0 + timedelta(days=50))
    message_service.send_as_patient(moments[4], moments[4].patient, body="Hej", subject="Fråga",
                                    now=T0 + timedelta(days=105))
    plan = activity_service.save_content(moments[4], None, name="Rökfri dag", elements=[
        {"kind": "registration", "text": "Rökfri i dag?"}], user=marita, now=T0 + timedelta(days=100))
    activity_service.save_schedule(plan, start=(T0 + timedelta(days=101)).date(), times=[
        {"time": "08:30", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}], until=None, every_weeks=1,
        now=T0 + timedelta(days=100))
    activity_service.save_settings(plan, fill_days_after=1, flag_missed=True, may_skip=True, allow_comments=False,
                                   active=True, user=marita, membership=membership, now=T0 + timedelta(days=100))
    since = T0 - timedelta(days=1)
    for flag_type, params in (("patient_inactivity", {"days": 7}),
                              ("module_reminder", {"module": "steg-1", "days_before": 2}),
                              ("moment_ending_soon", {"days": 300}), ("battery_started", {}),
                              ("form_review", {"days": 3}), ("new_message", {})):
        flag_service.add_subscription(marita, moments[0], flag_type, params, all_moments=True, now=since)
    for flag_type, params in (("patient_inactivity", {"days": 5}), ("battery_started", {})):
        db.session.add(FlagSubscription(user_id=kalle.id, enrollment_id=moments[1].id, type=flag_type, params=params,
                                        created_at=since))
    db.session.commit()
    flag_service.add_subscription(marita, moments[2], "date_reminder", {"date": "2026-03-03", "note": "Ring"},
                                  all_moments=False, now=T0 + timedelta(days=110))
    partly = _reads_some_events(kalle, since)
    # a moment whose program is gone: reported, and the others go on
    broken = start(marita, T0 + timedelta(days=5), personnummer=personnummer(20), first="Borta", email=None,
                   mobile=None)
    broken.program_id = "finns-inte"
    db.session.commit()
    return partly


def _reads_some_events(kalle, since) -> int:
    """Kalle's own moment: no rule reads every event (no inactivity), so the tick reads back only the event
    types its rules and plan read (engine.moment.flag_reads), among step views it must not need."""
    moment = start(kalle, T0 + timedelta(days=110), personnummer=personnummer(9), first="P9", email=None,
                   mobile=None)
    for flag_type, params in (("module_reminder", {"module": "steg-1", "days_before": 2}),
                              ("form_review", {"days": 3}), ("new_message", {})):
        db.session.add(FlagSubscription(user_id=kalle.id, enrollment_id=moment.id, type=flag_type, params=params,
                                        created_at=since))
    db.session.commit()
    membership = kalle.memberships[0]
    plan = activity_service.save_content(moment, None, name="Promenad", elements=[
        {"kind": "registration", "text": "Promenerade du i dag?"}], user=kalle, now=T0 + timedelta(days=110))
    activity_service.save_schedule(plan, start=(T0 + timedelta(days=111)).date(), times=[
        {"time": "08:30", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}], until=None, every_weeks=1,
        now=T0 + timedelta(days=110))
    activity_service.save_settings(plan, fill_days_after=0, flag_missed=True, may_skip=True, allow_comments=False,
                                   active=True, user=kalle, membership=membership, now=T0 + timedelta(days=110))
    day = T0 + timedelta(days=111)
    patient_activities.register_occurrence(plan, moment.patient, now=day.replace(hour=9), values={"registration": True})
    patient_activities.skip_occurrence(plan, moment.patient, now=(day + timedelta(days=2)).replace(hour=9))
    for i in range(3):
        answers.view_step(moment, moment.patient, "steg-1", "motivation", now=day + timedelta(days=i, hours=2))
    answers.submit_form(moment, moment.patient, "skal", {"skal": ["halsa"], "viktigt": 5},
                        now=day + timedelta(days=3), module_id="steg-1", step_id="motivation")
    message_service.send_as_patient(moment, moment.patient, body="Hej", subject="Fråga", now=day + timedelta(days=4))
    return moment.id


def _ticks(folder: Path) -> list:
    """The same ticks every time: the first over months of history, then a few steady ones, delivering."""
    files = Transports(email=FileMailer(folder / "mail"), sms=FileSmsGateway(folder / "sms.log"))
    reports = []
    for at, deliver in ((sthlm(2026, 3, 3, 9), True), (sthlm(2026, 3, 3, 9, 5), False), (sthlm(2026, 3, 4, 9), False),
                        (sthlm(2026, 3, 4, 12), True), (sthlm(2026, 5, 4, 10), True)):
        report = run_tick(at, deliver=deliver, transports=files)
        reports.append((report.flag_candidates, report.reminder_candidates, report.flags, report.reminders,
                        report.batteries, report.errors, report.delivery and report.delivery.handled))
    return reports


def _rows(model) -> list[dict]:
    table = model.__table__
    return [dict(r._mapping) for r in db.session.execute(table.select().order_by(table.c.id))]


def _outcome(folder: Path) -> dict:
    mail = folder / "mail"
    return {
        "flags": _rows(Flag), "events": _rows(Event), "notices": _rows(Notice),
        "moments": [(m["id"], m["status"], m["batteries"], m["next_battery_at"], m["next_anchored_reminder_at"],
                     m["last_active"])
                    for m in _rows(Enrollment)],
        "mail": sorted((p.name, p.read_bytes()) for p in mail.iterdir()) if mail.exists() else [],
        "sms": (folder / "sms.log").read_text() if (folder / "sms.log").exists() else "",
    }


def _empty() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()
    db.session.expunge_all()


def _one_by_one(self, ids, evaluate, one_by_one, count_notices=False):
    return self._one_by_one(ids, one_by_one)


@pytest.mark.parametrize("minutes", [15, 0])
def test_the_chunked_tick_writes_what_the_unit_of_work_per_moment_writes(app, tmp_path, monkeypatch, minutes):
    app.config["STAFF_NOTICE_MINUTES"] = minutes
    monkeypatch.setattr(tick_batch, "CHUNK", 3)  # several chunks, a moment's rows split over none
    partly = _build(monkeypatch)
    read, events = [], tick_batch.moment_batch.events
    monkeypatch.setattr(tick_batch.moment_batch, "events",
                        lambda ids, what=None: read.append((list(ids), what)) or events(ids, what))
    chunked_reports = _ticks(tmp_path / "chunked")
    chunked = _outcome(tmp_path / "chunked")

    _empty()
    monkeypatch.setattr(tick_batch.Passes, "_run", _one_by_one)
    _build(monkeypatch)
    single_reports = _ticks(tmp_path / "single")
    single = _outcome(tmp_path / "single")

    assert chunked_reports == single_reports
    for kind in single:
        assert chunked[kind] == single[kind], kind
    # every flag_raised event has its Flag row: the chunks read the rows' causes instead of those events
    assert {(e["enrollment_id"], e["data"]["cause"]) for e in single["events"] if e["type"] == "flag_raised"} == {
        (f["enrollment_id"], f["cause_key"]) for f in single["flags"]}
    assert not any(what is not None and "flag_raised" in what.types for _, what in read)
    # the world exercised what it should: time-driven, event-driven and mandatory flags, started batteries
    # with their flags, patient reminders, batched staff notices and the broken moment
    types = {f["type"] for f in single["flags"]}
    assert {"patient_inactivity", "module_reminder", "moment_ending_soon", "battery_started", "form_review",
            "date_reminder", "activity_missed", "answer_alert"} <= types
    assert sum(r[4] for r in single_reports) >= 4 and sum(r[3] for r in single_reports) >= 1
    # Kalle's moment was read back without its step views, and flagged from what was read
    assert any(partly in ids and what is not None and "step_viewed" not in what.types for ids, what in read)
    assert {"module_reminder", "form_review", "activity_missed"} <= {
        f["type"] for f in single["flags"] if f["enrollment_id"] == partly}
    assert single_reports[0][5] and all("finns-inte" in e for r in single_reports for e in r[5])
    staff = [n for n in single["notices"] if n["template"] == "flag_raised"]
    if minutes:
        assert any(n["context"]["count"] > 1 for n in staff)
    else:
        assert len(staff) > len({n["recipient_user_id"] for n in staff}) * 2


def test_a_chunk_that_cannot_be_written_is_done_one_moment_at_a_time(app, tmp_path, monkeypatch):
    monkeypatch.setattr(tick_batch, "CHUNK", 3)
    _build(monkeypatch)
    reference_reports = _ticks(tmp_path / "reference")
    reference = _outcome(tmp_path / "reference")

    _empty()
    _build(monkeypatch)
    written = tick_batch._Writes.write
    calls = []

    def fails_every_other_time(self, notices):
        calls.append(1)
        if len(calls) % 2:
            raise RuntimeError("the database refused the chunk")
        return written(self, notices)

    monkeypatch.setattr(tick_batch._Writes, "write", fails_every_other_time)
    assert _ticks(tmp_path / "fallback") == reference_reports
    fallback = _outcome(tmp_path / "fallback")
    for kind in reference:
        assert fallback[kind] == reference[kind], kind
    assert len(calls) > 4
