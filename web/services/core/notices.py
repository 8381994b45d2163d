"""Queue notices (SMS/e-mail) in the outbox, in the caller's transaction. Delivery is the worker's job.

A notice never carries health content: the templates say only that something new is waiting.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func

from ...extensions import db
from ...ops.metrics import NOTICES
from ...models import Enrollment, Flag, Message, Notice, Patient, User

CHANNELS = ("sms", "email")


def _key(raw: str) -> str:
    return raw if len(raw) <= 255 else raw[:190] + ":" + hashlib.sha256(raw.encode()).hexdigest()


def queue_notice(*, channel: str, recipient: Patient | User, template: str, key: str, now: datetime,
                 context: dict[str, Any] | None = None, enrollment: Enrollment | None = None) -> Notice | None:
    """Add a Notice unless one with the same idempotency key exists or the recipient lacks the address."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    address = recipient.mobile if channel == "sms" else recipient.email
    if not address:
        return None
    key = _key(key)
    if db.session.execute(db.select(Notice.id).where(Notice.idempotency_key == key)).first():
        return None
    is_patient = isinstance(recipient, Patient)
    notice = Notice(**notice_values(channel=channel, recipient_kind="patient" if is_patient else "staff",
                                    recipient_id=recipient.id, address=address, template=template, key=key, now=now,
                                    context=context, enrollment_id=enrollment.id if enrollment else None))
    db.session.add(notice)
    NOTICES.labels("queued").inc()  # counted when written in the transaction (a rollback still counts)
    return notice


def notice_values(*, channel: str, recipient_kind: str, recipient_id: int, address: str, template: str, key: str,
                  now: datetime, context: dict[str, Any] | None = None, enrollment_id: int | None = None
                  ) -> dict[str, Any]:
    """The columns of a new queued Notice (`key` already shortened by `_key`)."""
    is_patient = recipient_kind == "patient"
    return {"channel": channel, "recipient_kind": recipient_kind,
            "recipient_patient_id": recipient_id if is_patient else None,
            "recipient_user_id": None if is_patient else recipient_id,
            "address": address, "template": template, "context": context or {}, "status": "queued", "attempts": 0,
            "next_attempt_at": now, "idempotency_key": key, "created_at": now, "enrollment_id": enrollment_id}


def patient_channels(patient: Patient) -> list[str]:
    """Channels for a clinician's "Avisera": the patient's chosen ones, else SMS to a known mobile."""
    chosen = [c for c, on, addr in (("sms", patient.notify_sms, patient.mobile),
                                    ("email", patient.notify_email, patient.email)) if on and addr]
    if chosen:
        return chosen
    return ["sms"] if patient.mobile else (["email"] if patient.email else [])


def enabled_channels(patient: Patient) -> list[str]:
    """The channels the patient turned on in Inställningar and has an address for (no fallback)."""
    return [channel for channel, on, address in (("sms", patient.notify_sms, patient.mobile),
                                                 ("email", patient.notify_email, patient.email))
            if on and address]


def notify_patient_moment_started(enrollment: Enrollment, now: datetime) -> list[Notice]:
    """A new moment for a patient who already has an account: a neutral "log in" notice, once per moment."""
    patient = enrollment.patient
    queued = [
        queue_notice(channel=channel, recipient=patient, template="moment_started",
                     key=f"moment_started:{enrollment.id}:{channel}", now=now, enrollment=enrollment)
        for channel in enabled_channels(patient)
    ]
    return [n for n in queued if n is not None]


def notify_patient_new_message(enrollment: Enrollment, message: Message, now: datetime) -> list[Notice]:
    """"Avisera till inkorgen i e-tjänsterna": tell the patient a new message is waiting."""
    patient = enrollment.patient
    queued = [
        queue_notice(channel=channel, recipient=patient, template="new_message", key=f"message:{message.id}:{channel}",
                     now=now, enrollment=enrollment)
        for channel in patient_channels(patient)
    ]
    return [n for n in queued if n is not None]


def staff_channels(user: User) -> list[str]:
    """Every channel the staff member has an address for (urgent notices ignore the Min profil choices)."""
    return [channel for channel, address in (("email", user.email), ("sms", user.mobile)) if address]


def urgent_key(enrollment_id: int, cause_key: str, user_id: int, channel: str) -> str:
    """The idempotency key of an urgent flag's notice to one person on one channel."""
    return f"urgent:{enrollment_id}:{cause_key}:{user_id}:{channel}"


def notify_staff_urgent(user: User, enrollment: Enrollment, flag: Flag, now: datetime) -> list[Notice]:
    """An urgent flag: a neutral e-mail and SMS to the responsible clinician at once — whatever Min profil
    says, never batched, delivered on the next delivery pass."""
    queued = [queue_notice(channel=channel, recipient=user, template="urgent_flag", now=now, enrollment=enrollment,
                           key=urgent_key(enrollment.id, flag.cause_key, user.id, channel))
              for channel in staff_channels(user)]
    return [n for n in queued if n is not None]


def notify_admins_unhandled(admins: list[User], enrollment: Enrollment, flag: Flag, now: datetime) -> list[Notice]:
    """An urgent flag still unhandled after the unit's time: a neutral notice to each Behörighetsadmin."""
    queued = [queue_notice(channel=channel, recipient=admin, template="urgent_unhandled", now=now,
                           enrollment=enrollment, key=f"urgent_unhandled:{flag.id}:{admin.id}:{channel}")
              for admin in admins for channel in staff_channels(admin)]
    return [n for n in queued if n is not None]


def notify_staff_flag(user: User, enrollment: Enrollment, flag: Flag, now: datetime) -> list[Notice]:
    """A raised flag: e-mail/SMS to a subscriber who turned those notices on in Min profil.

    Batched (STEGVIS_STAFF_NOTICE_MINUTES, default 15; 0 = off): while a flag notice to this person is
    still waiting, it counts one more event instead of a new message; a new notice waits until that
    many minutes after the previous one was sent. So at most one e-mail/SMS per period, saying how many.
    """
    minutes = int(current_app.config.get("STAFF_NOTICE_MINUTES") or 0)
    queued = []
    for channel, enabled in (("email", user.notify_email), ("sms", user.notify_sms)):
        if not enabled:
            continue
        mine = (Notice.recipient_user_id == user.id, Notice.channel == channel, Notice.template == "flag_raised")
        if minutes:
            waiting = db.session.execute(db.select(Notice).where(*mine, Notice.status == "queued")
                                         .order_by(Notice.id).limit(1)).scalar_one_or_none()
            if waiting is not None:
                waiting.context = {**(waiting.context or {}), "count": int((waiting.context or {}).get("count", 1)) + 1}
                continue
        notice = queue_notice(channel=channel, recipient=user, template="flag_raised", now=now, enrollment=enrollment,
                              key=f"flag:{enrollment.id}:{flag.cause_key}:{user.id}:{channel}", context={"count": 1})
        if notice is not None and minutes:
            last_sent = db.session.execute(db.select(func.max(Notice.sent_at)).where(*mine)).scalar_one()
            if last_sent is not None and last_sent + timedelta(minutes=minutes) > now:
                notice.next_attempt_at = last_sent + timedelta(minutes=minutes)
        queued.append(notice)
    return [n for n in queued if n is not None]
