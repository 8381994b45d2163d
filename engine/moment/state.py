"""Snapshots of a moment's state and the events that change it.

The engine's lifecycle functions take a `MomentState` and `now`, and return a `Transition`:
the new state plus the events to store. The web layer persists both in one transaction.

States are `Literal` types: the values stay plain strings (the web and the database store them as
text), and mypy --strict rejects a misspelt state wherever one is assigned or compared
(`ms.state == "curent"` is a non-overlapping comparison). The tuples below list each type's values
in the manual's order and are derived from the types, so there is one source for each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal, Mapping, TypeGuard, get_args

from ..model import frozen_map

#: a module inside a moment: kommande, aktuell, avklarad
ModuleStateName = Literal["upcoming", "current", "completed"]
#: what the patient may do in a module (invånarstatus): Dold, Läs/skriv, Läs
PatientStatus = Literal["hidden", "read_write", "read_only"]
#: lifecycle of the whole moment: active, vidmakthåll, avslutat
MomentStatus = Literal["active", "maintenance", "ended"]
#: a step's progress for the patient: no colour, yellow, green
StepProgress = Literal["not_started", "started", "done"]
#: who did something
ActorKind = Literal["clinician", "patient", "system"]
#: the event types the engine produces (the web records a few of its own, so `Event.type` is a str)
EventType = Literal[
    "moment_started", "module_activated", "module_completed", "module_set_upcoming", "days_changed",
    "status_changed", "moment_ended", "maintenance_started", "clinician_changed", "handed_over",
    "moment_linked", "moment_unlinked", "step_viewed", "form_saved", "form_submitted", "form_opened", "message_sent",
    "battery_started", "activity_plan_added", "activity_registered", "activity_skipped", "flag_raised",
    "action_rejected", "flag_handled", "hold_released", "urgent_escalated",
]

MODULE_STATES: Final[tuple[ModuleStateName, ...]] = get_args(ModuleStateName)
PATIENT_STATUSES: Final[tuple[PatientStatus, ...]] = get_args(PatientStatus)
MOMENT_STATUSES: Final[tuple[MomentStatus, ...]] = get_args(MomentStatus)
STEP_PROGRESS: Final[tuple[StepProgress, ...]] = get_args(StepProgress)
ACTOR_KINDS: Final[tuple[ActorKind, ...]] = get_args(ActorKind)
EVENT_TYPES: Final[tuple[EventType, ...]] = get_args(EventType)


def is_patient_status(value: object) -> TypeGuard[PatientStatus]:
    """Whether a value (e.g. from a form) is one of the invånarstatus values."""
    return value in PATIENT_STATUSES


@dataclass(frozen=True)
class Actor:
    """Who did something: a clinician (with the care unit they worked in), the patient, or the system."""

    kind: ActorKind
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
    state: ModuleStateName = "upcoming"
    status: PatientStatus = "hidden"
    #: days the module is open from activation; None = no time limit
    days: int | None = None
    activated_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class MomentState:
    """Everything the rules need to know about one moment (Enrollment) at a point in time."""

    program_id: str
    program_version: str
    started_at: datetime
    clinician: Actor
    status: MomentStatus = "active"
    #: ordered as the program's modules
    modules: Mapping[str, ModuleState] = field(default_factory=frozen_map)
    #: "module/step" → not_started | started | done
    steps: Mapping[str, StepProgress] = field(default_factory=frozen_map)
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

    def with_batteries(self, batteries: frozenset[str]) -> MomentState:
        """`dataclasses.replace(self, batteries=batteries)` without its per-field work (a first tick starts tens
        of thousands of batteries): the other fields shared, as replace shares them (no __post_init__ to run)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__, batteries=batteries)
        return new


@dataclass(frozen=True)
class Transition:
    """The result of a lifecycle action: the new state and the events it produced."""

    state: MomentState
    events: tuple[Event, ...] = ()
