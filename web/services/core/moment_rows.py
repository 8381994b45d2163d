"""A moment's modules and step progress read as plain rows for its state, in one statement.

Pages that only show a moment (the patient's pages, Hantera) need its modules and step progress for the
MomentState, not as EnrollmentModule and StepProgress objects: ORM objects for every module and step of the
moment cost more CPU than the rest of the page's queries. Requests that write them through the unit of work
load the objects with the moment instead (web.services.core.rows.moment_loads).
"""
from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import inspect

from engine.moment.state import MomentState

from ...extensions import db
from ...models import Enrollment, EnrollmentModule, FormResponse, StepProgress
from . import state_memo
from .reads import read
from .rows import build_state


@cache
def _progress_statement() -> Any:
    """The moment's module rows (no step id) and its step rows (no position) in one UNION ALL, built once:
    building and keying the statement costs more CPU than running it."""
    none = {name: db.cast(db.null(), column.type) for name, column in (
        ("position", EnrollmentModule.position), ("step_id", StepProgress.step_id), ("state", EnrollmentModule.state),
        ("days", EnrollmentModule.days), ("at", EnrollmentModule.activated_at))}
    modules = db.select(EnrollmentModule.position, EnrollmentModule.module_id, none["step_id"].label("step_id"),
                        EnrollmentModule.state, EnrollmentModule.status, EnrollmentModule.days,
                        EnrollmentModule.activated_at, EnrollmentModule.completed_at).where(
        EnrollmentModule.enrollment_id == db.bindparam("enrollment_id"))
    steps = db.select(none["position"], StepProgress.module_id, StepProgress.step_id, none["state"],
                      StepProgress.status, none["days"], none["at"], none["at"]).where(
        StepProgress.enrollment_id == db.bindparam("enrollment_id"))
    return db.union_all(modules, steps)


def progress_of(enrollment_id: int) -> tuple[list[tuple], dict[str, str]]:
    """The moment's modules as `rows.module_states` takes them (in position order, as Enrollment.modules) and
    its step progress ("module/step" → status), as `build_state(progress=…)` takes them."""
    rows = read(_progress_statement(), {"enrollment_id": enrollment_id}).all()
    modules = sorted((r for r in rows if r.step_id is None), key=lambda r: r.position)
    return ([(r.module_id, r.state, r.status, r.days, r.activated_at, r.completed_at) for r in modules],
            {f"{r.module_id}/{r.step_id}": r.status for r in rows if r.step_id is not None})


def shown_state(enrollment: Enrollment, *, submitted: list[FormResponse] | None = None) -> MomentState:
    """`build_state` for a page that shows the moment: when it was read without its modules and step progress,
    they are read as plain rows (one statement, no objects); loaded objects are used as they are."""
    if state_memo.get(enrollment) is None and {"modules", "steps"} <= inspect(enrollment).unloaded:
        return build_state(enrollment, submitted=submitted, progress=progress_of(enrollment.id))
    return build_state(enrollment, submitted=submitted)
