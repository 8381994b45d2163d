"""The unit of work: one transaction per change, and the side effects of an engine action made explicit.

`apply()` runs an engine action on the moment's state and, in the caller's transaction and in this
order, writes the new state and its events, raises the flags those events cause, and queues the
notices for those flags. Nothing else happens behind the caller's back: time-driven flags belong to
the tick (web.services.operations.tick), never to a page view.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Iterator

from engine.errors import AnswerError, EngineError
from engine.moment.flags import FLAG_CAUSES
from engine.model import Program
from engine.moment.state import MomentState, Transition

from ...extensions import db
from ...models import Enrollment, Flag, FormResponse
from ..errors import ServiceError
from .flags import raise_flags
from .notices import notify_staff_flag, notify_staff_urgent
from .rows import build_state, program_for, record_events, write_state


@contextmanager
def transaction() -> Iterator[None]:
    """Commit everything done inside, or roll all of it back on any error (nothing half-saved)."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def run(enrollment: Enrollment, action: Callable[..., Transition], *args: Any, now: datetime, **kwargs: Any) -> Transition:
    """Call an engine action on the moment's current state; engine errors become ServiceError."""
    return run_action(program_for(enrollment), build_state(enrollment), action, *args, now=now, **kwargs)


def run_action(program: Program, state: MomentState, action: Callable[..., Transition], *args: Any, now: datetime,
               **kwargs: Any) -> Transition:
    """Call an engine action on a state; engine errors become ServiceError (as `run`)."""
    try:
        return action(program, state, *args, now=now, **kwargs)
    except AnswerError as exc:
        raise ServiceError("Svaren kunde inte skickas in. Rätta det som är markerat.", dict(exc.errors)) from exc
    except EngineError as exc:
        raise ServiceError(str(exc)) from exc


def apply(enrollment: Enrollment, action: Callable[..., Transition], *args, now: datetime,
          form_response: FormResponse | None = None, message_id: int | None = None, **kwargs) -> Transition:
    """Run an engine action, write its state and events, raise the flags its events cause, queue their notices.

    The caller owns the transaction (`with transaction(): apply(...)`). Time-driven flags (inactivity,
    reminders) are raised by the tick, never here.
    """
    transition = run(enrollment, action, *args, now=now, **kwargs)
    write_state(enrollment, program_for(enrollment), transition.state, now)
    record_events(enrollment, transition.events, form_response=form_response, message_id=message_id)
    db.session.flush()
    # side effects, in this order and in the caller's transaction: events (above) → flags → notices
    if any(e.type in FLAG_CAUSES for e in transition.events):  # others cannot make a flag due
        raise_due(enrollment, now, event_driven_only=True)
    return transition


def raise_due(enrollment: Enrollment, now: datetime, *, event_driven_only: bool = False) -> list[Flag]:
    """Raise the flags due for the moment and queue a notice to each subscriber (caller's transaction)."""
    raised = []
    for flag, recipients in raise_flags(enrollment, now, event_driven_only=event_driven_only):
        for user in recipients:
            if not (flag.urgent and user.id == enrollment.clinician_id):  # told below, at once
                notify_staff_flag(user, enrollment, flag, now)
        if flag.urgent:
            notify_staff_urgent(enrollment.clinician, enrollment, flag, now)
        raised.append(flag)
    return raised
