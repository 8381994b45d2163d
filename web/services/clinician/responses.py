"""Inskickade svar: the clinician reads a moment's submitted answers (the first opening marks them read)."""
from __future__ import annotations

from datetime import datetime

from engine.moment import lifecycle

from ...extensions import db
from ...models import Enrollment, FormResponse, Membership, User
from ..core.access import log_access
from ..core.rows import clinician_actor
from ..core.unit import apply, transaction


def response_for_staff(enrollment: Enrollment, response_id: int) -> FormResponse | None:
    """A submitted response of this moment."""
    row = db.session.get(FormResponse, response_id)
    if row is None or row.enrollment_id != enrollment.id or row.status != "submitted":
        return None
    return row


def open_response(response: FormResponse, *, user: User, membership: Membership, now: datetime) -> FormResponse:
    """The clinician opens submitted answers: logged; the first opening marks them read (to the timeline)."""
    enrollment = response.enrollment
    with transaction():
        if response.opened_at is None:
            apply(enrollment, lifecycle.open_form, response.form_id, now=now, actor=clinician_actor(user, membership),
                  form_response=response)
            response.opened_at, response.opened_by_id = now, user.id
    log_access(membership, enrollment.patient, f"Formulärsvar: {response.form_title}", now, enrollment)
    return response


def submitted_responses(enrollment: Enrollment) -> list[FormResponse]:
    """Submitted answers of the moment, newest first."""
    return list(db.session.execute(
        db.select(FormResponse).where(FormResponse.enrollment_id == enrollment.id, FormResponse.status == "submitted")
        .order_by(FormResponse.submitted_at.desc(), FormResponse.id.desc())
    ).scalars())


def unread_responses(enrollment: Enrollment) -> list[FormResponse]:
    """Submitted answers no clinician has opened (Olästa formulär)."""
    return [r for r in submitted_responses(enrollment) if r.opened_at is None]
