"""Flytta till version X: move a running moment to a newer version of its program (issue 18).

The engine plans the move (`engine.authoring.upgrade.plan_upgrade`); this module stores the plan in one
transaction: module and step rows under their new ids (dropped ones deleted), drafts under their new
form and question ids, the moment's own flag subscriptions and module-reminder flags under the new
ids, the moment pinned to the new version, and the `program_upgraded` event. Submitted answers keep
the question texts, form id (`given_form_id`) and version (`program_digest`) they were given under;
their `form_id` follows the moment so the new version sees them as submitted.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.authoring.changes import IdMap
from engine.authoring.upgrade import UpgradePlan, UpgradeRefusal, plan_upgrade
from engine.model import Form, Program
from engine.moment.flags import cause_prefix
from engine.moment.state import Actor

from ...extensions import db
from ...models import (
    Enrollment,
    EnrollmentModule,
    Flag,
    FlagSubscription,
    FormResponse,
    Membership,
    StepProgress,
    User,
)
from ...content.programs import get_program
from ..core import versions
from ..core.rows import (
    build_state,
    clinician_actor,
    program_for,
    question_snapshot,
    record_events,
    write_state,
)
from ..core.unit import transaction
from ..errors import ServiceError

#: flag subscription parameters that name an id of the program, and the plan's table for each
_SUBSCRIPTION_IDS = (("form", "forms"), ("module", "modules"), ("battery", "batteries"))


@dataclass(frozen=True)
class Offer:
    """What Hantera shows: the installed version, and the plan or the refusal for this moment."""

    version: str
    digest: str
    plan: UpgradePlan | None
    refusal: UpgradeRefusal | None

    @property
    def renamed(self) -> list[tuple[str, str]]:
        """(old id, new id) of everything that moves under another id, for the confirmation page."""
        plan = self.plan
        if plan is None:
            return []
        return sorted((k, v) for table in (plan.modules, plan.steps, plan.forms, plan.batteries)
                      for k, v in table.items() if v is not None and v != k)

    @property
    def dropped(self) -> list[str]:
        plan = self.plan
        if plan is None:
            return []
        return sorted(k for table in (plan.modules, plan.steps, plan.forms, plan.batteries)
                      for k, v in table.items() if v is None)


def plan_for(enrollment: Enrollment, to: Program | None = None) -> tuple[Program, Program, UpgradePlan | UpgradeRefusal]:
    """(pinned program, target, the engine's plan or refusal); reads only. `to` defaults to the installed version."""
    old = program_for(enrollment)
    new = to if to is not None else get_program(enrollment.program_id)
    if new is None:
        raise ServiceError(f"Programmet {enrollment.program_id} är inte installerat.")
    if enrollment.status == "ended":
        return old, new, UpgradeRefusal(old.version, new.version, ("Momentet är avslutat",))
    if new.digest == old.digest:
        return old, new, UpgradeRefusal(old.version, new.version, (f"Momentet har redan version {new.version}",))
    return old, new, plan_upgrade(old, new, build_state(enrollment))


def offer(enrollment: Enrollment) -> Offer | None:
    """The move Hantera offers: None unless another version of the moment's program is installed."""
    installed = get_program(enrollment.program_id)
    if installed is None or installed.digest == enrollment.program_digest or enrollment.status == "ended":
        return None
    _, new, result = plan_for(enrollment, installed)
    if isinstance(result, UpgradePlan):
        return Offer(new.version, new.digest, result, None)
    return Offer(new.version, new.digest, None, result)


def upgrade_moment(enrollment: Enrollment, to: Program | None = None, *, actor: Actor, now: datetime,
                   expect_digest: str | None = None) -> UpgradePlan:
    """Move the moment to `to` (the installed version by default) in one transaction, or raise ServiceError.

    `expect_digest` (from a confirmation page) refuses the move when another version was installed since.
    """
    old, new, result = plan_for(enrollment, to)
    if expect_digest is not None and expect_digest != new.digest:
        raise ServiceError("En annan programversion har installerats sedan sidan visades. Försök igen.")
    if isinstance(result, UpgradeRefusal):
        raise ServiceError(result.text)
    plan = result
    with transaction():
        versions.snapshot(new, now)  # the moment stays on this version even after the YAML changes again
        _move_modules(enrollment, plan, new)
        _move_steps(enrollment, plan)
        _move_responses(enrollment, plan, old, new)
        _move_flags(enrollment, plan)
        enrollment.program_version, enrollment.program_digest = new.version, new.digest
        write_state(enrollment, new, plan.state, now)
        record_events(enrollment, [plan.event(now, actor)])
    return plan


# --- the moment's own tables ------------------------------------------------------------------------


def _renamed(rows: list[Any], key, target, set_key) -> Iterator[Any]:
    """Delete rows whose key is dropped or already taken by another row; rename the rest.

    Renames go through a placeholder first, so a swap of two ids never meets the unique constraint.
    """
    claimed: set[str] = set()
    moving = []
    for row in rows:
        new_key = target(key(row))
        if new_key is None or new_key in claimed:
            db.session.delete(row)
            continue
        claimed.add(new_key)
        moving.append((row, new_key))
    for row, new_key in moving:
        if new_key != key(row):
            set_key(row, f"~{row.id}", "~")
    db.session.flush()
    for row, new_key in moving:
        set_key(row, new_key, None)
        yield row
    db.session.flush()


def _move_modules(enrollment: Enrollment, plan: UpgradePlan, new: Program) -> None:
    def set_key(row: EnrollmentModule, value: str, _):
        row.module_id = value

    positions = {m.id: i for i, m in enumerate(new.modules)}
    for row in _renamed(list(enrollment.modules), lambda r: r.module_id, plan.modules.get, set_key):
        row.position = positions[row.module_id]
    db.session.expire(enrollment, ["modules"])


def _move_steps(enrollment: Enrollment, plan: UpgradePlan) -> None:
    def set_key(row: StepProgress, value: str, placeholder):
        if placeholder:
            row.step_id = value
        else:
            row.module_id, _, row.step_id = value.partition("/")

    list(_renamed(list(enrollment.steps), lambda r: f"{r.module_id}/{r.step_id}", plan.steps.get, set_key))
    db.session.expire(enrollment, ["steps"])


def _move_responses(enrollment: Enrollment, plan: UpgradePlan, old: Program, new: Program) -> None:
    """Drafts become drafts of the new form (answers under the new question and option ids); submitted
    answers keep their question texts and record the version they were given under."""
    ids = IdMap(old, new, new.migration_from(old.version))
    rows = db.session.execute(db.select(FormResponse).where(FormResponse.enrollment_id == enrollment.id)).scalars()
    for row in rows:
        target = plan.forms.get(row.form_id, row.form_id)
        if row.status == "submitted":
            if row.program_digest is None:  # stored before answers recorded their version
                row.program_digest, row.given_form_id = old.digest, row.form_id
            if target is not None:
                row.form_id = target
        elif target is None or new.form(target) is None:
            db.session.delete(row)  # a draft of a dropped form: nothing left to fill in
            continue
        else:
            form = new.form(target)
            row.answers = _draft_answers(ids, row.form_id, form, row.answers or {})
            row.form_id, row.form_title, row.questions = target, form.title, question_snapshot(form)
        step = plan.steps.get(f"{row.module_id}/{row.step_id}") if row.module_id and row.step_id else None
        if step is not None:
            row.module_id, _, row.step_id = step.partition("/")
        elif row.module_id and plan.modules.get(row.module_id):
            row.module_id = plan.modules[row.module_id]


def _draft_answers(ids: IdMap, form_id: str, form: Form, answers: Mapping[str, Any]) -> dict[str, Any]:
    """A draft's answers under the new question and option ids; dropped questions and options left out."""
    out: dict[str, Any] = {}
    for qid, value in answers.items():
        status, new_key = ids.resolve("questions", f"{form_id}/{qid}", f"{form.id}/{qid}")
        question = form.question(new_key.partition("/")[2]) if new_key else None
        if status not in ("same", "mapped") or question is None:
            continue
        if question.options:
            prefix = (f"{form_id}/{qid}", new_key)
            if isinstance(value, list):
                value = [v for v in (_option(ids, prefix, o) for o in value) if v is not None]
            else:
                value = _option(ids, prefix, value)
        if value is not None:
            out[question.id] = value
    return out


def _option(ids: IdMap, prefix: tuple[str, str], option_id: Any) -> str | None:
    """An option id of a draft answer under its new id (None when dropped); prefix is (old, new) "form/question"."""
    status, target = ids.resolve("options", f"{prefix[0]}/{option_id}", f"{prefix[1]}/{option_id}")
    return target.rsplit("/", 1)[1] if status in ("same", "mapped") and target else None


def _move_flags(enrollment: Enrollment, plan: UpgradePlan) -> None:
    """The moment's own subscriptions name the new ids; module reminders keep their cause under the new
    module id so the same reminder is not raised twice. Flags caused by stored events keep their cause:
    the events keep the ids they happened under."""
    subs = db.session.execute(
        db.select(FlagSubscription).where(FlagSubscription.enrollment_id == enrollment.id)).scalars()
    tables = {"forms": plan.forms, "modules": plan.modules, "batteries": plan.batteries}
    for sub in subs:
        params = dict(sub.params or {})
        for name, table in _SUBSCRIPTION_IDS:
            value = params.get(name)
            if isinstance(value, str) and tables[table].get(value) is not None:
                params[name] = tables[table][value]
        if params != (sub.params or {}):
            sub.params = params
    flags = db.session.execute(
        db.select(Flag).where(Flag.enrollment_id == enrollment.id, Flag.type == "module_reminder")).scalars()
    for flag in flags:
        for old_id, new_id in plan.modules.items():
            prefix = cause_prefix("module_reminder", old_id)
            if new_id and new_id != old_id and flag.cause_key.startswith(prefix):
                flag.cause_key = cause_prefix("module_reminder", new_id) + flag.cause_key[len(prefix):]
                break


def move_moment(enrollment: Enrollment, expect_digest: str | None = None, *, user: User, membership: Membership,
                now: datetime) -> UpgradePlan:
    """Flytta till version X from Hantera, as the clinician working in their unit."""
    return upgrade_moment(enrollment, actor=clinician_actor(user, membership), now=now, expect_digest=expect_digest)


# --- stegvis moments upgrade ----------------------------------------------------------------------------------


def cli_actor(name: str) -> Actor:
    """Who moves moments from the command line (named in the timeline event)."""
    return Actor("system", "cli", name)


def moments_to_move(program_id: str, from_version: str, unit_id: int | None = None) -> tuple[Program, list[Enrollment]]:
    """(the installed program, the not yet ended moments on `from_version` of it, oldest first)."""
    target = get_program(program_id)
    if target is None:
        raise ServiceError(f"Programmet {program_id} är inte installerat.")
    query = db.select(Enrollment).where(Enrollment.program_id == program_id, Enrollment.program_version == from_version,
                                        Enrollment.status != "ended")
    if unit_id is not None:
        query = query.where(Enrollment.care_unit_id == unit_id)
    return target, list(db.session.execute(query.order_by(Enrollment.id)).scalars())
