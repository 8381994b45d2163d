"""Snapshots of a moment's state and the events that change it.

The engine's lifecycle functions take a `MomentState` and `now`, and return a `Transition`:
the new state plus the events to store. The web layer persists both in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

from ..model import frozen_map

MODULE_STATES = ("upcoming", "current", "completed")
#: what the patient may do in a module (invånarstatus)
PATIENT_STATUSES = ("hidden", "read_write", "read_only")
#: lifecycle of the whole moment
MOMENT_STATUSES = ("active", "maintenance", "ended")
STEP_PROGRESS = ("not_started", "started", "done")
ACTOR_KINDS = ("clinician", "patient", "system")


@dataclass(frozen=True)
class Actor:
    """Who did something: a clinician (with the care unit they worked in), the patient, or the system."""

    kind: str
    id: str
    name: str
    unit: str | None = None


SYSTEM = Actor("system", "system", "Stegvis")


@dataclass(frozen=True)
class Event:
    """One thing that happened in a moment; the timeline, flags and statistics all read these."""

    type: str
    at: datetime
    actor: Actor
    module: str | None = None
    step: str | None = None
    form: str | None = None
    #: extra facts (days, reason, answers digest, flag cause …); JSON-serialisable
    data: Mapping[str, Any] = field(default_factory=frozen_map)
    #: Swedish timeline text, e.g. "Modul Bra att veta startades"
    text: str = ""


@dataclass(frozen=True)
class ModuleState:
    """A module inside one moment."""

    id: str
    state: str = "upcoming"
    status: str = "hidden"
    #: days the module is open from activation; 0 = no limit
    days: int = 0
    activated_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class MomentState:
    """Everything the rules need to know about one moment (Enrollment) at a point in time."""

    program_id: str
    program_version: str
    started_at: datetime
    clinician: Actor
    status: str = "active"
    #: ordered as the program's modules
    modules: Mapping[str, ModuleState] = field(default_factory=frozen_map)
    #: "module/step" → not_started | started | done
    steps: Mapping[str, str] = field(default_factory=frozen_map)
    #: form ids the patient has submitted (at least once)
    submitted_forms: frozenset[str] = frozenset()
    last_active: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    maintain_until: date | None = None
    care_unit: str | None = None
    linked: tuple[str, ...] = ()
    #: battery (mätbatteri) ids started in this moment (by the clinician or by auto_start)
    batteries: frozenset[str] = frozenset()
    #: "form/question" → the date answered in the newest submission of that form, for every anchor the
    #: program's reminders and batteries use (engine.moment.anchors); unanswered anchors are absent
    anchor_dates: Mapping[str, date] = field(default_factory=frozen_map)


@dataclass(frozen=True)
class Transition:
    """The result of a lifecycle action: the new state and the events it produced."""

    state: MomentState
    events: tuple[Event, ...] = ()
