"""Notices for many moments at once (the tick): the rows `queue_notice` and `notify_staff_flag` would
write one by one, worked out in order and written together.

Per notice the one-by-one functions ask whether its key exists, which staff notice is still waiting
and when the last one was sent; here the keys of a whole batch are looked up in one query, and the
waiting notice and last sending time of each person and channel once per tick (they only change
through this batch while the tick holds its lock). Requests are resolved in the order they were
made, so batching ("N nya händelser"), idempotency keys and send times come out the same.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, insert, update

from ...extensions import db
from ...ops.metrics import NOTICES
from ...models import Notice, User
from .moment_batch import among
from .notices import CHANNELS, _key, notice_values, staff_channels, urgent_key

#: keys looked up per IN query
_KEYS_PER_QUERY = 500


@dataclass
class _Waiting:
    """A queued flag notice to a person on a channel, that further flags count up."""

    key: str
    context: dict[str, Any]
    #: the row to insert when the notice is new in this batch (None: it is in the database)
    row: dict[str, Any] | None = None
    dirty: bool = False

    def count_one_more(self) -> None:
        self.context = {**(self.context or {}), "count": int((self.context or {}).get("count", 1)) + 1}
        if self.row is not None:
            self.row["context"] = self.context
        else:
            self.dirty = True


@dataclass
class _Staff:
    user: User
    enrollment_id: int
    cause_key: str
    now: datetime


@dataclass
class _Patient:
    """A notice to one recipient on one channel (a patient's, or a staff member's urgent notice)."""

    recipient_id: int
    address: str | None
    channel: str
    template: str
    key: str
    enrollment_id: int
    #: "patient", or "staff" for an urgent flag's notice
    kind: str = "patient"


@dataclass
class NoticeBatch:
    """Staff flag notices and patient notices requested in order, written by `write()`."""

    now: datetime
    minutes: int = field(default_factory=lambda: int(current_app.config.get("STAFF_NOTICE_MINUTES") or 0))
    _requests: list[_Staff | _Patient] = field(default_factory=list)
    _waiting: dict[tuple[int, str], _Waiting | None] = field(default_factory=dict)
    _last_sent: dict[tuple[int, str], datetime | None] = field(default_factory=dict)

    def staff_flag(self, user: User, enrollment_id: int, cause_key: str, now: datetime | None = None) -> None:
        """`notify_staff_flag(user, moment, flag, now)`, to be written with the batch (`now`: the batch's)."""
        self._requests.append(_Staff(user, enrollment_id, cause_key, now or self.now))

    def patient(self, recipient_id: int, address: str | None, *, channel: str, template: str, key: str,
                enrollment_id: int) -> None:
        """`queue_notice` to a patient (address: the patient's mobile or e-mail for the channel)."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        self._requests.append(_Patient(recipient_id, address, channel, template, _key(key), enrollment_id))

    def staff_urgent(self, user: User, enrollment_id: int, cause_key: str) -> None:
        """`notify_staff_urgent(user, moment, flag, now)`: every channel at once, never batched."""
        for channel in staff_channels(user):
            self._requests.append(_Patient(user.id, user.mobile if channel == "sms" else user.email, channel,
                                           "urgent_flag", _key(urgent_key(enrollment_id, cause_key, user.id, channel)),
                                           enrollment_id, "staff"))

    def discard(self) -> None:
        """Forget the requests not written yet, and what was cached (after a rollback)."""
        self._requests.clear()
        self._waiting.clear()
        self._last_sent.clear()

    def write(self) -> int:
        """Resolve the requests in order and write the notices (caller's transaction); how many were new."""
        requests, self._requests = self._requests, []
        taken = self._existing_keys(requests)
        rows: list[dict[str, Any]] = []
        touched: list[_Waiting] = []
        for request in requests:
            if isinstance(request, _Patient):
                if request.address and request.key not in taken:
                    rows.append(notice_values(channel=request.channel, recipient_kind=request.kind,
                                              recipient_id=request.recipient_id, address=request.address,
                                              template=request.template, key=request.key, now=self.now,
                                              enrollment_id=request.enrollment_id))
                    taken.add(request.key)
                continue
            for channel in self._channels(request.user):
                rows.extend(self._staff_notice(request, channel, taken, touched))
        if rows:
            db.session.execute(insert(Notice.__table__), rows)
            NOTICES.labels("queued").inc(len(rows))
        # one row per waiting notice, however many flags counted it up in this write: the same row updated
        # once per flag made PostgreSQL walk a longer chain of that row's versions each time (166 s of the
        # 256 s first tick at 100 000 moments, docs/performance.md)
        dirty = list({id(w): w for w in touched if w.dirty}.values())
        if dirty:
            db.session.execute(update(Notice.__table__).where(Notice.__table__.c.idempotency_key == bindparam("k"))
                               .values(context=bindparam("c")), [{"k": w.key, "c": w.context} for w in dirty])
        for waiting in touched:
            waiting.row, waiting.dirty = None, False
        return len(rows)

    @staticmethod
    def _channels(user: User) -> list[str]:
        return [channel for channel, enabled in (("email", user.notify_email), ("sms", user.notify_sms)) if enabled]

    def _staff_notice(self, request: _Staff, channel: str, taken: set[str],
                      touched: list[_Waiting]) -> list[dict[str, Any]]:
        """notify_staff_flag for one channel: count up the waiting notice, or a new one (as a row to insert)."""
        user = request.user
        now = request.now
        if self.minutes:
            waiting = self._waiting_notice(user.id, channel)
            if waiting is not None:
                waiting.count_one_more()
                touched.append(waiting)
                return []
        address = user.mobile if channel == "sms" else user.email
        key = self._staff_key(request, channel)
        if not address or key in taken or (self.minutes and self._taken_of({key})):
            return []
        taken.add(key)
        row = notice_values(channel=channel, recipient_kind="staff", recipient_id=user.id, address=address,
                            template="flag_raised", key=key, now=now, context={"count": 1},
                            enrollment_id=request.enrollment_id)
        if self.minutes:
            last_sent = self._last_sending(user.id, channel)
            if last_sent is not None and last_sent + timedelta(minutes=self.minutes) > now:
                row["next_attempt_at"] = last_sent + timedelta(minutes=self.minutes)
            new = _Waiting(key, row["context"], row)
            self._waiting[(user.id, channel)] = new
            touched.append(new)
        return [row]

    @staticmethod
    def _staff_key(request: _Staff, channel: str) -> str:
        return _key(f"flag:{request.enrollment_id}:{request.cause_key}:{request.user.id}:{channel}")

    def _existing_keys(self, requests: list[_Staff | _Patient]) -> set[str]:
        """Which of the keys the requests could use are taken already (one query per 500 keys).

        With batching on, a staff request only needs its key when no notice waits for that person
        and channel (then it usually becomes the waiting one), so those keys are looked up when needed.
        """
        keys = {r.key for r in requests if isinstance(r, _Patient)}
        if not self.minutes:
            keys |= {self._staff_key(r, channel) for r in requests if isinstance(r, _Staff) for channel in CHANNELS}
        return self._taken_of(keys)

    def _taken_of(self, keys: set[str]) -> set[str]:
        wanted, found = sorted(keys), set[str]()
        for i in range(0, len(wanted), _KEYS_PER_QUERY):
            found.update(db.session.execute(db.select(Notice.idempotency_key).where(
                among(Notice.idempotency_key, wanted[i:i + _KEYS_PER_QUERY]))).scalars())
        return found

    def _mine(self, user_id: int, channel: str) -> tuple:
        return Notice.recipient_user_id == user_id, Notice.channel == channel, Notice.template == "flag_raised"

    def _waiting_notice(self, user_id: int, channel: str) -> _Waiting | None:
        if (user_id, channel) not in self._waiting:
            row = db.session.execute(db.select(Notice.idempotency_key, Notice.context).where(
                *self._mine(user_id, channel), Notice.status == "queued").order_by(Notice.id).limit(1)).first()
            self._waiting[(user_id, channel)] = _Waiting(row.idempotency_key, row.context) if row else None
        return self._waiting[(user_id, channel)]

    def _last_sending(self, user_id: int, channel: str) -> datetime | None:
        if (user_id, channel) not in self._last_sent:
            self._last_sent[(user_id, channel)] = db.session.execute(
                db.select(func.max(Notice.sent_at)).where(*self._mine(user_id, channel))).scalar_one()
        return self._last_sent[(user_id, channel)]
