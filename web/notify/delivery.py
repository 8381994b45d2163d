"""Deliver due notices from the outbox: claim one row, send it, record the outcome, commit; repeat.

Exactly once with several workers on PostgreSQL: a worker claims a row with
`SELECT … FOR UPDATE SKIP LOCKED` and keeps the lock until the outcome is committed, so no other
worker can pick the same notice, and a row another worker holds is skipped, not waited for.
SQLite has no row locks (SQLAlchemy leaves FOR UPDATE out): run one worker there.

A worker that dies between handing a notice over and committing leaves it queued, so it is sent
again — at most one notice per crashed worker, and never none (nothing is lost).

Failures are retried with exponential backoff (`engine.moment.reminders.retry_delay`); after
NOTICE_MAX_ATTEMPTS attempts, or at once when the server refused the address, the notice is
`failed` and listed under Administration. SMS inside quiet hours are postponed, never dropped.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, or_

from engine.moment.reminders import next_allowed, parse_quiet_hours, retry_delay

from ..extensions import db
from ..models import Enrollment, Membership, Notice
from ..services.core.unit_settings import unit_settings
from .templates import TemplateError, render_notice
from .transports import DeliveryError, Outgoing, Transports, make_transports

log = logging.getLogger("stegvis.notify")
#: the longest error text kept on a notice
MAX_ERROR = 1000


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    postponed: int = 0
    #: ids of the notices sent, in order
    sent_ids: list[int] = field(default_factory=list)

    @property
    def handled(self) -> int:
        """Notices claimed in this pass."""
        return self.sent + self.retried + self.failed + self.postponed


def claim_next(now: datetime) -> Notice | None:
    """Lock and return the oldest due queued notice no other worker holds (None when there is none)."""
    return db.session.execute(
        db.select(Notice)
        .where(Notice.status == "queued", Notice.next_attempt_at <= now)
        .order_by(Notice.next_attempt_at, Notice.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def reference(notice: Notice) -> str:
    """A reference unique to the notice (Message-ID, file name, gateway reference)."""
    digest = hashlib.sha256(notice.idempotency_key.encode()).hexdigest()[:12]
    return f"notice-{notice.id}-{digest}"


def _quiet_hours(notice: Notice, config) -> str | None:
    """SMS quiet hours: the patient's unit's (Inställningar) when set, else the service's SMS_QUIET_HOURS;
    none for an urgent flag's notice to its clinician (it never waits)."""
    if notice.template == "urgent_flag":
        return None
    if notice.recipient_kind == "patient" and notice.enrollment_id is not None:
        unit_id = db.session.execute(
            db.select(Enrollment.care_unit_id).where(Enrollment.id == notice.enrollment_id)).scalar_one_or_none()
        quiet = unit_settings(unit_id).quiet_hours
        if quiet:
            return quiet
    return config["SMS_QUIET_HOURS"]


def deliver_one(notice: Notice, now: datetime, transports: Transports) -> str:
    """Try to send a claimed notice and record the outcome on the row: sent, retried, failed or postponed."""
    config = current_app.config
    if notice.channel == "sms":
        allowed = next_allowed(now, parse_quiet_hours(_quiet_hours(notice, config)))
        if allowed > now:
            notice.next_attempt_at = allowed
            return "postponed"
    permanent = False
    try:
        rendered = render_notice(notice)
        transport = transports.sms if notice.channel == "sms" else transports.email
        transport.send(Outgoing(notice.address, rendered.subject, rendered.body, reference(notice), now))
        error = None
    except TemplateError as exc:
        error, permanent = str(exc), True
    except DeliveryError as exc:
        error, permanent = str(exc), exc.permanent
    except Exception as exc:  # a broken transport must not stop the worker; retry like any failure
        log.exception("notice %s: unexpected error", notice.id)
        error = f"{type(exc).__name__}: {exc}"
    notice.attempts = (notice.attempts or 0) + 1
    if error is None:
        notice.status, notice.sent_at, notice.last_error = "sent", now, None
        return "sent"
    notice.last_error = error[:MAX_ERROR]
    if permanent or notice.attempts >= config["NOTICE_MAX_ATTEMPTS"]:
        notice.status = "failed"
        log.warning("notice %s failed after %s attempts: %s", notice.id, notice.attempts, error)
        return "failed"
    notice.next_attempt_at = now + retry_delay(notice.attempts)
    log.info("notice %s attempt %s failed, next at %s: %s", notice.id, notice.attempts,
             notice.next_attempt_at.isoformat(), error)
    return "retried"


def deliver_due(now: datetime, *, transports: Transports | None = None, limit: int = 1000) -> DeliveryReport:
    """Deliver every queued notice due at `now` (at most `limit`), one transaction per notice."""
    transports = transports or make_transports(current_app.config)
    report = DeliveryReport()
    for _ in range(limit):
        try:
            notice = claim_next(now)
            if notice is None:
                db.session.rollback()  # end the read transaction; nothing to keep
                break
            outcome = deliver_one(notice, now, transports)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "sent":
            report.sent_ids.append(notice.id)
    return report


# --- Administration -----------------------------------------------------------------------------


def _of_unit(unit_id: int):
    """Notices about the unit's moments, and notices to the unit's staff that concern no moment."""
    moments = db.select(Enrollment.id).where(Enrollment.care_unit_id == unit_id)
    staff = db.select(Membership.user_id).where(Membership.care_unit_id == unit_id)
    return or_(Notice.enrollment_id.in_(moments),
               and_(Notice.enrollment_id.is_(None), Notice.recipient_user_id.in_(staff)))


def failed_notices(unit_id: int, limit: int = 200) -> list[Notice]:
    """The unit's notices that gave up, newest first (Administration → Aviseringar)."""
    return list(db.session.execute(
        db.select(Notice).where(Notice.status == "failed", _of_unit(unit_id))
        .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)
    ).scalars())


def cancelled_notices(unit_id: int, limit: int = 200) -> list[Notice]:
    """The unit's notices cancelled before they were sent (a superseded activation link), newest first."""
    return list(db.session.execute(
        db.select(Notice).where(Notice.status == "cancelled", _of_unit(unit_id))
        .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)
    ).scalars())


def failed_count(unit_id: int) -> int:
    """How many of the unit's notices gave up."""
    return db.session.execute(
        db.select(func.count(Notice.id)).where(Notice.status == "failed", _of_unit(unit_id))).scalar_one()


def notice_of_unit(notice_id: int, unit_id: int) -> Notice | None:
    """A notice if it belongs to the unit (see `failed_notices`), else None."""
    return db.session.execute(
        db.select(Notice).where(Notice.id == notice_id, _of_unit(unit_id))).scalar_one_or_none()


def retry_failed(notice: Notice, now: datetime) -> None:
    """Försök igen: put a failed notice back in the queue with a fresh set of attempts (commits)."""
    if notice.status != "failed":
        raise ValueError(f"notice {notice.id} is {notice.status}, not failed")
    notice.status, notice.attempts, notice.next_attempt_at = "queued", 0, now
    db.session.commit()
