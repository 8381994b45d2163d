"""Flaggor: the manual's 11 flag types as declarative rules, plus the missed-activity flag.

A clinician subscribes to rules (with parameters); `due_flags` answers, for a moment's state and
events at `now`, which flags have become due and not been raised yet. It is pure and idempotent:
every flag has a stable `cause` key, and a cause that already has a `flag_raised` event in
`events` (or is given as `raised`: the web's Flag rows) never fires again — the caller stores
`flag_event(flag)` for each returned flag (the web puts a unique constraint on the cause).

Event-driven rules fire from the events themselves (at the event's time). Time-driven rules fire at
the instant their condition became true, so it does not matter how often they are evaluated:
- ``patient_inactivity`` (days): a stretch of `days` calendar days (Stockholm wall clock) without any
  patient event, counted from the start or from the patient's latest action; once per stretch;
- ``module_reminder`` (module, days_before): at midnight of the day the current module has
  `days_before` days left (never before its activation); once per activation and deadline;
- ``moment_ending_soon`` (days): `days` before the program's recommended length runs out;
- ``date_reminder`` (date, note): at midnight starting that date.
Time-driven flags stop when the moment ends. A rule never fires for causes before its `since`
(when the clinician subscribed), so a new subscription does not flood the clinician with history —
except a flag whose condition still holds (`Flag.current`): the present stretch of inactivity, the
current activation's module reminder, a moment not yet past its recommended length, and a date
reminder for the day it was set on. Those fire at once (one flag each, with their stable cause).
Some flags need no subscription (engine.moment.mandatory_flags): ``answer_alert``, ``battery_started``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Collection, Final, Iterable, Iterator, Mapping, Sequence

from ..errors import EngineError
from ..localtime import LOCAL_DAYS_SPARE, add_local_days, at_local, fmt, iso, local_date
from ..text import plural
from ..model import Program, frozen_map
from .anchors import planned_end
from .causes import CAUSE_SEPARATOR, FLAG_CAUSES, cause_key, cause_prefix
from .mandatory_flags import ANSWER_ALERT, ANSWER_ALERT_LABEL, mandatory_flags
from .rules import deadline
from .schedule import ActivityPlan, missed_occurrences, window_end
from .state import SYSTEM, Event, EventType, MomentState

__all__ = [
    "CAUSE_SEPARATOR", "FLAG_CAUSES", "cause_key", "cause_prefix",
    "Flag", "FlagRule", "SubscriptionError", "RULES", "LABELS", "due_flags", "fires", "flag_event",
    "FormSaved", "FormReview", "BatteryFormSaved", "BatteryStarted", "ActivitySaved",
    "ModuleReminder", "DateReminder", "PatientInactivity", "MomentEndingSoon",
    "ClinicianChanged", "NewMessage",
]


class SubscriptionError(EngineError):
    """A flag subscription with an unknown type or bad parameters."""


@dataclass(frozen=True)
class Flag:
    """A flag that has become due: what, when, why (Swedish sentence) and its unique cause key."""

    type: str
    at: datetime
    cause: str
    text: str
    module: str | None = None
    form: str | None = None
    #: the condition still holds (fires even if it became true before the subscription)
    current: bool = False
    urgent: bool = False  #: an urgent alert's flag: told to the clinician at once, first in every list

    @property
    def label(self) -> str:
        """The manual's name of the flag type, e.g. "Invånare inaktivitet"."""
        return LABELS[self.type]


@dataclass(frozen=True)
class _Context:
    program: Program
    state: MomentState
    events: tuple[Event, ...]
    now: datetime
    raised: Collection[object] = frozenset()  #: the causes raised (due_flags drops them; a rule may first)


@dataclass(frozen=True, kw_only=True)
class FlagRule:
    """A subscription to one flag type; subclasses add parameters and say when they fire."""

    #: when the clinician subscribed; causes before this never fire (None = all history)
    since: datetime | None = None
    type: ClassVar[str] = ""
    label: ClassVar[str] = ""
    #: time-driven rules stop at the end of the moment; event-driven ones follow their events
    time_driven: ClassVar[bool] = False

    def flags(self, ctx: _Context) -> Iterator[Flag]:  # pragma: no cover - every subclass overrides
        """Every flag this rule would raise up to ctx.now (raised ones are filtered later); a rule may leave out a
        later one (not one of `flag_times.NOW_INDEPENDENT`) or, event-driven, one `_left_out`, before its text."""
        raise NotImplementedError

    def _left_out(self, ctx: _Context, at: datetime, cause: str) -> bool:
        """Whether due_flags would drop this event-driven flag (its cause raised, or not `fires`): before its text."""
        return cause in ctx.raised or not fires(at, self.since, timed=False)

    def params(self) -> dict[str, Any]:
        """The rule's parameters as plain data (for storage and `parse_subscription`)."""
        out = {"flag": self.type}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "since" and value is not None:
                out[f.name] = value.isoformat() if isinstance(value, date) else value
        return out


def _events(ctx: _Context, *types: EventType) -> Iterator[Event]:
    return (e for e in ctx.events if e.type in types)


def _form_title(ctx: _Context, form_id: str | None) -> str:
    form = ctx.program.form(form_id) if form_id else None
    return form.title if form else str(form_id)


# --- Formulär ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FormSaved(FlagRule):
    """The patient submitted a form (outside batteries); optionally only one form."""

    form: str | None = None
    type: ClassVar[str] = "form_saved"
    label: ClassVar[str] = "Formulär sparat"

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        for e in _events(ctx, "form_submitted"):
            if (not e.data.get("battery") and self.form in (None, e.form)
                    and not self._left_out(ctx, e.at, cause := cause_key(self.type, e.form, iso(e.at)))):
                yield Flag(self.type, e.at, cause, f"Invånaren skickade in formuläret {_form_title(ctx, e.form)} "
                                                  f"{fmt(e.at)}.", e.module, e.form)


@dataclass(frozen=True, kw_only=True)
class FormReview(FlagRule):
    """A submitted form has not been opened by a clinician within `days` days (0 = at once)."""

    form: str | None = None
    days: int = 0
    type: ClassVar[str] = "form_review"
    label: ClassVar[str] = "Granska formulär"

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        for e in _events(ctx, "form_submitted"):
            if self.form not in (None, e.form):
                continue
            due = add_local_days(e.at, self.days)
            if due > ctx.now:  # not yet due
                continue
            opened = any(o.form == e.form and e.at <= o.at <= due for o in _events(ctx, "form_opened"))
            if opened:
                continue
            waited = f" och har inte öppnats på {plural(self.days, 'dag', 'dagar')}" if self.days else ""
            yield Flag(self.type, due, cause_key(self.type, self.days, e.form, iso(e.at)),
                       f"Formuläret {_form_title(ctx, e.form)} skickades in {fmt(e.at)}{waited}"
                       " – granska svaren.", e.module, e.form)


@dataclass(frozen=True, kw_only=True)
class BatteryFormSaved(FlagRule):
    """The patient submitted a form of a started battery; optionally only one battery."""

    battery: str | None = None
    type: ClassVar[str] = "battery_form_saved"
    label: ClassVar[str] = "Formulär i mätbatteri sparat"

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        for e in _events(ctx, "form_submitted"):
            battery_id = e.data.get("battery")
            if (battery_id and self.battery in (None, battery_id)
                    and not self._left_out(ctx, e.at, cause := cause_key(self.type, e.form, iso(e.at)))):
                battery = ctx.program.battery(battery_id)
                title = battery.title if battery else battery_id
                yield Flag(self.type, e.at, cause,
                           f"Invånaren skickade in formuläret {_form_title(ctx, e.form)} "
                           f"i mätbatteriet {title} {fmt(e.at)}.", e.module, e.form)


@dataclass(frozen=True, kw_only=True)
class BatteryStarted(FlagRule):
    """A battery was started in the moment."""

    battery: str | None = None
    type: ClassVar[str] = "battery_started"
    label: ClassVar[str] = "Nytt mätbatteri startat"

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        for e in _events(ctx, "battery_started"):
            battery_id = e.data.get("battery")
            if self.battery in (None, battery_id) and not self._left_out(
                    ctx, e.at, cause := cause_key(self.type, battery_id, iso(e.at))):
                battery = ctx.program.battery(battery_id) if isinstance(battery_id, str) else None
                title = battery.title if battery else battery_id
                yield Flag(self.type, e.at, cause,
                           f"Mätbatteriet {title} startades {fmt(e.at)} av {e.actor.name}.", e.module)


@dataclass(frozen=True, kw_only=True)
class ActivitySaved(FlagRule):
    """The patient registered an activity; optionally only one plan."""

    plan: str | None = None
    type: ClassVar[str] = "activity_saved"
    label: ClassVar[str] = "Aktivitet sparat"

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        for e in _events(ctx, "activity_registered"):
            if self.plan in (None, e.data.get("plan")):
                yield Flag(self.type, e.at, cause_key(self.type, e.data.get("plan"), e.data.get("occurrence")),
                           f"{e.text}.")


# --- Modul ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ModuleReminder(FlagRule):
    """A current module has `days_before` days left before its deadline."""

    module: str
    days_before: int
    type: ClassVar[str] = "module_reminder"
    label: ClassVar[str] = "Påminnelse på modul"
    time_driven: ClassVar[bool] = True

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        ms = ctx.state.modules.get(self.module)
        last_day = deadline(ctx.state, self.module)
        activated_at = ms.activated_at if ms is not None else None
        if activated_at is None or last_day is None:  # deadline() is None unless current with days
            return
        at = max(activated_at, at_local(last_day - timedelta(days=self.days_before)))
        if at > ctx.now:  # not yet due
            return
        module = ctx.program.module(self.module)
        title = module.title if module else self.module
        yield Flag(self.type, at, cause_key(self.type, self.module, self.days_before, iso(activated_at), last_day),
                   f"Modul {title} har {plural(self.days_before, 'dag', 'dagar')} kvar "
                   f"(dagar kvar tar slut {last_day}).", self.module, current=True)


# --- Moment -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DateReminder(FlagRule):
    """A reminder the clinician set for a date, with a note."""

    date: date
    note: str = ""
    type: ClassVar[str] = "date_reminder"
    label: ClassVar[str] = "Påminnelse på datum"
    time_driven: ClassVar[bool] = True

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        at = at_local(self.date)
        if at > ctx.now:  # not yet due
            return
        digest = hashlib.sha256(self.note.encode()).hexdigest()[:12]
        note = f": {self.note}" if self.note else ""
        # a reminder set for today (after its midnight) still fires; earlier dates are refused
        current = self.since is None or self.date >= local_date(self.since)
        yield Flag(self.type, at, cause_key(self.type, self.date, digest),
                   f"Påminnelse {self.date}{note}", current=current)


@dataclass(frozen=True, kw_only=True)
class PatientInactivity(FlagRule):
    """The patient has done nothing for `days` days (since the start or their latest action)."""

    days: int
    type: ClassVar[str] = "patient_inactivity"
    label: ClassVar[str] = "Invånare inaktivitet"
    time_driven: ClassVar[bool] = True

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        start = ctx.state.started_at
        actions = sorted(e.at for e in ctx.events if e.actor.kind == "patient" and e.at >= start)
        marks = [start, *actions]
        # an action this soon after the last is within its stretch without converting the times (most are)
        soon = timedelta(days=self.days) - LOCAL_DAYS_SPARE
        for i, since in enumerate(marks):
            following = marks[i + 1] if i + 1 < len(marks) else None
            if following is not None and following - since < soon:
                continue
            due = add_local_days(since, self.days)
            if following is not None and following <= due:
                continue
            days = plural(self.days, "dag", "dagar")
            if i == 0:
                text = f"Invånaren har inte varit aktiv sedan momentet startade {fmt(since)} ({days})."
            else:
                text = f"Invånaren har inte varit aktiv på {days} (senast aktiv {fmt(since)})."
            # only the present stretch (no later action) is current; past stretches are history
            yield Flag(self.type, due, cause_key(self.type, self.days, iso(since)), text,
                       current=following is None)


@dataclass(frozen=True, kw_only=True)
class MomentEndingSoon(FlagRule):
    """The moment's planned length runs out in `days` days: the recommended length, or the last
    scheduled follow-up when a late anchor date (stop day) puts it later (engine.moment.anchors)."""

    days: int
    type: ClassVar[str] = "moment_ending_soon"
    label: ClassVar[str] = "Moment snart slut"
    time_driven: ClassVar[bool] = True

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        recommended = ctx.program.recommended_days
        if not recommended:
            return
        ends = add_local_days(ctx.state.started_at, recommended)
        planned = planned_end(ctx.program, ctx.state) or ends
        at = max(ctx.state.started_at, add_local_days(planned, -self.days))
        if at > ctx.now:  # not yet due
            return
        text = (f"Momentet når rekommenderad längd ({plural(recommended, 'dag', 'dagar')}) om "
                f"{plural(self.days, 'dag', 'dagar')}, {local_date(ends)}.")
        if local_date(planned) > local_date(ends):
            text = (f"Momentets sista uppföljning är om {plural(self.days, 'dag', 'dagar')}, {local_date(planned)} "
                    f"(rekommenderad längd {plural(recommended, 'dag', 'dagar')}, {local_date(ends)}).")
        yield Flag(self.type, at, cause_key(self.type, self.days, iso(ctx.state.started_at)), text,
                   current=self.since is None or self.since < planned)


@dataclass(frozen=True, kw_only=True)
class ClinicianChanged(FlagRule):
    """Another clinician became responsible for the moment."""

    type: ClassVar[str] = "clinician_changed"
    label: ClassVar[str] = "Byte av behandlare"

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        for e in _events(ctx, "clinician_changed"):
            yield Flag(self.type, e.at, cause_key(self.type, e.data.get("to"), iso(e.at)), f"{e.text}.")


@dataclass(frozen=True, kw_only=True)
class NewMessage(FlagRule):
    """The patient sent a message or comment."""

    type: ClassVar[str] = "new_message"
    label: ClassVar[str] = "Nytt meddelande/kommentar"

    def flags(self, ctx: _Context) -> Iterator[Flag]:
        for e in _events(ctx, "message_sent"):
            if e.actor.kind == "patient" and not self._left_out(ctx, e.at, cause := cause_key(self.type, iso(e.at))):
                new = " i en ny konversation" if e.data.get("conversation") is None else ""
                yield Flag(self.type, e.at, cause,
                           f"Invånaren skickade ett nytt meddelande{new} {fmt(e.at)}.")


#: the activity plan's own flag type (not a subscription: a plan with flag_missed raises it)
ACTIVITY_MISSED: Final = "activity_missed"
#: flag type id → rule class, in the manual's order
RULES: Mapping[str, type[FlagRule]] = frozen_map({cls.type: cls for cls in (
    FormSaved, FormReview, BatteryFormSaved, BatteryStarted, ActivitySaved, ModuleReminder,
    DateReminder, PatientInactivity, MomentEndingSoon, ClinicianChanged, NewMessage,
)})
#: flag type id → the manual's label (plus the activity plan's own missed-activity flag)
LABELS: Mapping[str, str] = frozen_map(
    {**{k: v.label for k, v in RULES.items()}, ACTIVITY_MISSED: "Missad aktivitet",
     ANSWER_ALERT: ANSWER_ALERT_LABEL}
)


# --- evaluation -------------------------------------------------------------------------------


def due_flags(program: Program, state: MomentState, events: Iterable[Event],
              subscriptions: Sequence[FlagRule], now: datetime, *,
              plans: Sequence[ActivityPlan] = (), raised: Iterable[str] = ()) -> list[Flag]:
    """Flags due at `now` whose cause has no flag_raised event and is not in `raised`, oldest first (pure)."""
    events = tuple(events)
    done = {e.data.get("cause") for e in events if e.type == "flag_raised"} | set(raised)
    ctx = _Context(program, state, events, now, done)
    ended = state.ended_at
    found: dict[str, Flag] = {}

    def offer(flag: Flag, since: datetime | None, timed: bool) -> None:
        if flag.at <= now and flag.cause not in done and flag.cause not in found and fires(
                flag.at, since, timed=timed, current=flag.current, ended=ended):
            found[flag.cause] = flag

    for fields_ in mandatory_flags(program, events, raised=done):  # never opt-in; first, so their texts win
        offer(Flag(*fields_[:6], urgent=fields_[6]), None, False)
    for rule in subscriptions:
        for flag in rule.flags(ctx):
            offer(flag, rule.since, rule.time_driven)
    for plan in plans:
        if plan.flag_missed and plan.active:
            for t in missed_occurrences(plan, events, now, since=state.started_at, until=ended):
                offer(Flag(ACTIVITY_MISSED, window_end(plan, t), cause_key(ACTIVITY_MISSED, plan.id, iso(t)),
                           f"Invånaren missade aktiviteten {plan.name} {fmt(t)} "
                           f"(kunde fyllas i till {fmt(window_end(plan, t))})."),
                      None, True)
    return sorted(found.values(), key=lambda f: (f.at, f.cause))


def fires(at: datetime, since: datetime | None, *, timed: bool, current: bool = False,
          ended: datetime | None = None) -> bool:
    """Whether an unraised flag at `at` fires when due: not before `since` unless timed and current; timed, not after
    the end."""
    return (since is None or at >= since or (timed and current)) and not (timed and ended and at > ended)


def flag_event(flag: Flag) -> Event:
    """The flag_raised event to store for a flag (its cause makes the next due_flags skip it)."""
    return Event(type="flag_raised", at=flag.at, actor=SYSTEM, module=flag.module, form=flag.form,
                 data=frozen_map({"flag": flag.type, "cause": flag.cause}),
                 text=f"{'Brådskande – ' if flag.urgent else ''}{flag.label}: {flag.text}")
