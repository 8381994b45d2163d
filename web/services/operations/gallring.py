"""Gallring: purge ended moments and, when nothing else refers to them, the patients — one transaction each.

Rule (`stegvis gallra`): a moment is purged when it ended more than RETENTION_MONTHS (config
STEGVIS_RETENTION_MONTHS, default 24) months ago and is no longer in vidmakthåll. "Gallra invånare"
(Behörighetsadmin) purges one patient's ended moments in the unit on request, whatever their age.

Per patient, in one transaction: a de-identified StatRecord per moment (statistics survive), then the
moments' answers and drafts, step progress, modules, events, flags, flag subscriptions, messages and
conversations, notices, activity plans and registrations; the patient row, their login attempts and their
notices when no moment is left, and then every copy of their identity (purge_traces: sessions, staff
flashes and remembered searches, audit names, searched texts, the file outbox, SQLite's write-ahead log).
Kept, de-identified: the access log (who read a record and when; the patient and moment links are
cleared), audit lines (the patient as an internal id only) and the PurgeReceipt (who, when, which rule,
counts per kind). A moment's own welcome-text audio file is removed after the commit.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, MutableMapping

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from engine.localtime import local_date

from ...extensions import db
from ...models import (AccessLog, ActivityPlan, ActivityRegistration, Conversation, Enrollment, EnrollmentModule,
                       Event, Flag, FlagSubscription, FormResponse, LoginAttempt, Message, Notice, Patient,
                       PurgeReceipt, StepProgress)
from ..core.stat_facts import records_for
from . import purge_traces

#: kind of row → Swedish label, in the order receipts list them
KINDS = {
    "moments": "Moment", "answers": "Formulärsvar", "drafts": "Utkast", "steps": "Avsnittsstatus",
    "modules": "Moduler", "events": "Händelser", "flags": "Flaggor", "subscriptions": "Flaggbevakningar",
    "messages": "Meddelanden", "conversations": "Konversationer", "notices": "Aviseringar",
    "plans": "Aktivitetsplaner", "registrations": "Aktivitetsregistreringar", "logins": "Inloggningsförsök",
    "patients": "Invånare", "audio": "Uppläsningar av välkomsttext", "access_log": "Åtkomstloggrader avidentifierade",
    "sessions": "Inloggningar avslutade", "outbox": "Utskick i utkorgen (filer)",
    "stat_records": "Statistikrader sparade (avidentifierade)",
}
MANUAL_RULE = "Gallra invånare: avslutade moment i vårdenheten, på begäran"


def retention_rule(months: int) -> str:
    return f"Moment som avslutades för mer än {months} månader sedan och inte vidmakthålls (STEGVIS_RETENTION_MONTHS)"


@dataclass
class Plan:
    """What purging one patient's moments would delete (counts only; no personal data)."""

    patient_id: int
    enrollment_ids: list[int]
    delete_patient: bool
    counts: dict[str, int] = field(default_factory=dict)

    def labelled(self) -> list[tuple[str, int]]:
        return [(KINDS[k], n) for k, n in self.counts.items() if n]


def _ended(today: date):
    return [Enrollment.ended_at.is_not(None),
            or_(Enrollment.maintain_until.is_(None), Enrollment.maintain_until < today)]


def due_by_rule(now: datetime, months: int | None = None) -> dict[int, list[int]]:
    """patient id → ids of moments the retention rule purges now."""
    months = months or current_app.config["RETENTION_MONTHS"]
    cutoff = now - relativedelta(months=months)
    rows = db.session.execute(select(Enrollment.patient_id, Enrollment.id)
                              .where(*_ended(local_date(now)), Enrollment.ended_at < cutoff)
                              .order_by(Enrollment.patient_id, Enrollment.id))
    out: dict[int, list[int]] = {}
    for patient_id, enrollment_id in rows:
        out.setdefault(patient_id, []).append(enrollment_id)
    return out


def ended_in_unit(patient: Patient, unit_id: int, now: datetime) -> list[int]:
    """Ids of the patient's ended (not vidmakthållna) moments in the unit: what Gallra invånare purges."""
    return list(db.session.execute(select(Enrollment.id).where(
        Enrollment.patient_id == patient.id, Enrollment.care_unit_id == unit_id, *_ended(local_date(now)))
        .order_by(Enrollment.id)).scalars())


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _login_names(personnummer: str) -> list[str]:
    return [f"invanare:{personnummer}", f"invanare:{personnummer[2:]}"]


def plan(patient_id: int, enrollment_ids: list[int]) -> Plan:
    """Count what a purge of these moments of the patient would delete."""
    ids = list(enrollment_ids)
    remaining = _count(Enrollment, Enrollment.patient_id == patient_id, Enrollment.id.not_in(ids))
    p = Plan(patient_id, ids, delete_patient=remaining == 0)
    plans = select(ActivityPlan.id).where(ActivityPlan.enrollment_id.in_(ids))
    convs = select(Conversation.id).where(Conversation.enrollment_id.in_(ids))
    c = {
        "moments": len(ids),
        "answers": _count(FormResponse, FormResponse.enrollment_id.in_(ids), FormResponse.status == "submitted"),
        "drafts": _count(FormResponse, FormResponse.enrollment_id.in_(ids), FormResponse.status != "submitted"),
        "steps": _count(StepProgress, StepProgress.enrollment_id.in_(ids)),
        "modules": _count(EnrollmentModule, EnrollmentModule.enrollment_id.in_(ids)),
        "events": _count(Event, Event.enrollment_id.in_(ids)),
        "flags": _count(Flag, Flag.enrollment_id.in_(ids)),
        "subscriptions": _count(FlagSubscription, FlagSubscription.enrollment_id.in_(ids)),
        "messages": _count(Message, Message.conversation_id.in_(convs)),
        "conversations": _count(Conversation, Conversation.enrollment_id.in_(ids)),
        "notices": _count(Notice, _notice_where(p)),
        "plans": _count(ActivityPlan, ActivityPlan.enrollment_id.in_(ids)),
        "registrations": _count(ActivityRegistration, ActivityRegistration.plan_id.in_(plans)),
    }
    if p.delete_patient:
        personnummer = db.session.get(Patient, patient_id).personnummer
        c["logins"] = _count(LoginAttempt, LoginAttempt.username.in_(_login_names(personnummer)))
        c["patients"] = 1
        c["access_log"] = _count(AccessLog, AccessLog.patient_id == patient_id)
    else:
        c["access_log"] = _count(AccessLog, AccessLog.enrollment_id.in_(ids))
    p.counts = c
    return p


def _notice_where(p: Plan):
    if p.delete_patient:
        return or_(Notice.enrollment_id.in_(p.enrollment_ids), Notice.recipient_patient_id == p.patient_id)
    return Notice.enrollment_id.in_(p.enrollment_ids)


def _welcome_audio_paths(ids: list[int]) -> list:
    from ..core.audio import welcome_audio

    paths = []
    for e in db.session.execute(select(Enrollment).where(Enrollment.id.in_(ids),
                                                         Enrollment.welcome_text.is_not(None))).scalars():
        others = _count(Enrollment, Enrollment.welcome_text == e.welcome_text, Enrollment.id.not_in(ids))
        path = welcome_audio(e) if not others else None
        if path is not None:
            paths.append(path)
    return paths


def purge(p: Plan, *, rule: str, now: datetime, user_id: int | None, user_name: str,
          unit_id: int | None, live_session: MutableMapping[str, Any] | None = None) -> PurgeReceipt:
    """Purge per the plan in one transaction (recounted inside it) and return its receipt. `live_session`:
    the session of the request doing it (saved after this, so scrubbed here rather than in its row)."""
    try:
        p = plan(p.patient_id, p.enrollment_ids)
        ids = p.enrollment_ids
        audio = _welcome_audio_paths(ids)
        p.counts["stat_records"] = len(records_for(ids, local_date(now)))
        p.counts["audio"] = len(audio)
        plans = select(ActivityPlan.id).where(ActivityPlan.enrollment_id.in_(ids))
        convs = select(Conversation.id).where(Conversation.enrollment_id.in_(ids))
        statements = [
            delete(ActivityRegistration).where(ActivityRegistration.plan_id.in_(plans)),
            delete(ActivityPlan).where(ActivityPlan.enrollment_id.in_(ids)),
            delete(Event).where(Event.enrollment_id.in_(ids)),
            delete(Flag).where(Flag.enrollment_id.in_(ids)),
            delete(FlagSubscription).where(FlagSubscription.enrollment_id.in_(ids)),
            delete(Message).where(Message.conversation_id.in_(convs)),
            delete(Conversation).where(Conversation.enrollment_id.in_(ids)),
            delete(Notice).where(_notice_where(p)),
            delete(FormResponse).where(FormResponse.enrollment_id.in_(ids)),
            delete(StepProgress).where(StepProgress.enrollment_id.in_(ids)),
            delete(EnrollmentModule).where(EnrollmentModule.enrollment_id.in_(ids)),
            update(AccessLog).where(AccessLog.enrollment_id.in_(ids)).values(enrollment_id=None),
        ]
        for statement in statements:
            db.session.execute(statement.execution_options(synchronize_session=False))
        for other in db.session.execute(select(Enrollment).where(Enrollment.patient_id == p.patient_id,
                                                                 Enrollment.id.not_in(ids))).scalars():
            if set(other.linked or []) & {str(i) for i in ids}:
                other.linked = [x for x in other.linked if x not in {str(i) for i in ids}]
        db.session.flush()
        db.session.execute(delete(Enrollment).where(Enrollment.id.in_(ids))
                           .execution_options(synchronize_session=False))
        idents: list[str] = []
        if p.delete_patient:
            patient = db.session.get(Patient, p.patient_id)
            personnummer, idents = patient.personnummer, purge_traces.identifiers(patient)
            p.counts["sessions"] = purge_traces.forget_in_sessions(p.patient_id, idents)
            if live_session is not None:
                purge_traces.scrub(live_session, idents)
            p.counts["outbox"] = purge_traces.count_outbox(idents)
            purge_traces.forget_in_audit(p.patient_id)
            stored = [n for n in (patient.first_name, patient.last_name, patient.email) if n]
            purge_traces.forget_in_logs(p.patient_id, idents, stored)
            db.session.execute(update(AccessLog).where(AccessLog.patient_id == p.patient_id).values(patient_id=None))
            db.session.execute(delete(LoginAttempt).where(LoginAttempt.username.in_(_login_names(personnummer))))
            db.session.execute(delete(Patient).where(Patient.id == p.patient_id)
                               .execution_options(synchronize_session=False))
        receipt = PurgeReceipt(at=now, user_id=user_id, user_name=user_name[:120], care_unit_id=unit_id,
                               rule=rule[:255], patients=1 if p.delete_patient else 0,
                               counts={KINDS[k]: n for k, n in p.counts.items() if n})
        db.session.add(receipt)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.expire_all()
    for path in audio:
        path.unlink(missing_ok=True)
    if idents:
        purge_traces.remove_outbox_files(idents)
        purge_traces.checkpoint()
    return receipt


def run(now: datetime, *, dry_run: bool, user_name: str, months: int | None = None) -> tuple[int, Counter, list]:
    """`stegvis gallra`: (patients, summed counts by label, receipts) for the retention rule."""
    months = months or current_app.config["RETENTION_MONTHS"]
    total, receipts = Counter(), []
    due = due_by_rule(now, months)
    for patient_id, ids in due.items():
        p = plan(patient_id, ids)
        if dry_run:
            total.update(dict(p.labelled()))
            continue
        receipt = purge(p, rule=retention_rule(months), now=now, user_id=None, user_name=user_name, unit_id=None)
        total.update(receipt.counts)
        receipts.append(receipt)
    return len(due), total, receipts


def receipts(limit: int = 50) -> list[PurgeReceipt]:
    return list(db.session.execute(select(PurgeReceipt).order_by(PurgeReceipt.at.desc(), PurgeReceipt.id.desc())
                                   .limit(limit)).scalars())
