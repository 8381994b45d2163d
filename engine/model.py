"""The frozen program model: what `engine.loader` produces from YAML + Markdown.

Everything here is immutable (frozen dataclasses, tuples, read-only mappings) so a loaded
program can be shared between requests and threads, and a running moment can keep the
exact version it was started on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping, TypeVar

from .errors import Location
from .model_values import Band as Band, Computed as Computed, Holds as Holds

K = TypeVar("K")
V = TypeVar("V")

QUESTION_TYPES = (
    "short_text",
    "long_text",
    "number",
    "single_choice",
    "multiple_choice",
    "scale",
    "yes_no",
    "date",
    "time",
)
#: who fills a form in (`filled_by:`)
FILLERS = ("patient", "clinician")
#: question types whose answer is one of the question's option ids
CHOICE_TYPES = ("single_choice", "multiple_choice")
MODULE_KINDS = ("mandatory", "individual")
#: which answered date an anchor counts from (see `Anchor`)
ANCHOR_PICKS = ("newest", "first")
SCORING_METHODS = ("sum", "mean")
#: how scoring treats unanswered scored items
MISSING_RULES = ("error", "zero", "prorate")
#: the tables of a migration, each old id → new id (or DROP); see `Migration`
MIGRATION_KINDS = ("modules", "steps", "forms", "questions", "options", "batteries", "end_reasons")
#: a migration value that removes an id (its state is not carried over) instead of renaming it
DROP = "drop"


def frozen_map(d: Mapping[K, V] | None = None) -> Mapping[K, V]:
    """A read-only view of a fresh dict copy."""
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Option:
    """One choice of a single/multiple choice question; `id` is stable, `label` is shown."""

    id: str
    label: str
    score: float | None = None


@dataclass(frozen=True)
class Validation:
    """An author-written rule (expression that must be true) with the Swedish message shown when it is not."""

    rule: str
    message: str


@dataclass(frozen=True)
class Question:
    """One question of a form. Answers are typed per `type` (see engine.forms)."""

    id: str
    type: str
    text: str
    required: bool = False
    help: str | None = None
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    min_label: str | None = None
    max_label: str | None = None
    show_if: str | None = None
    validations: tuple[Validation, ...] = ()
    location: Location | None = field(default=None, compare=False)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Subscale:
    id: str
    title: str
    items: tuple[str, ...]
    method: str = "sum"


@dataclass(frozen=True)
class Scoring:
    """How a form's answers become a score: option scores / scale values, summed or averaged."""

    method: str = "sum"
    #: question ids that count; empty = every question that can carry a score
    items: tuple[str, ...] = ()
    #: reverse-keyed items: score becomes (min + max - score) over the item's possible range
    reverse: tuple[str, ...] = ()
    missing: str = "error"
    subscales: tuple[Subscale, ...] = ()
    bands: tuple[Band, ...] = ()
    #: optional expression replacing the sum/mean (may use question ids and sum())
    expression: str | None = None
    #: round the total half up to this many decimals before banding and display (None = as computed)
    round: int | None = None


@dataclass(frozen=True)
class FormTest:
    """A golden test: these answers must give this score (and band)."""

    name: str
    answers: Mapping[str, Any]
    score: float | None = None
    band: str | None = None
    subscales: Mapping[str, float] = field(default_factory=frozen_map)
    valid: bool = True
    location: Location | None = field(default=None, compare=False)
    #: the alert ids these answers must trigger, exactly (None = not checked; () = none may trigger)
    alerts: tuple[str, ...] | None = None
    #: what today() means in this test (None = no date: rules that use today() are skipped)
    today: date | None = None
    #: the module ids these answers must suggest, exactly (None = not checked); see `SuggestRule`
    suggests: tuple[str, ...] | None = None
    #: what the triggered alerts must hold, exactly: form ids, module ids and "module/step" (None = not checked)
    holds: tuple[str, ...] | None = None
    #: expected computed values by id (compared to two decimals)
    computed: Mapping[str, Any] = field(default_factory=frozen_map)
    #: answers of earlier entries (a form with entries), oldest first, one a day before `today`
    earlier: tuple[Mapping[str, Any], ...] = ()
    #: other forms' newest values by form id, what form_id.value_id means in this test
    others: Mapping[str, Mapping[str, Any]] = field(default_factory=frozen_map)


@dataclass(frozen=True)
class Alert:
    """An answer rule that needs attention: when `when` holds for the submitted answers, the patient
    sees `feedback` and the clinician gets an "answer_alert" flag titled `title` (never opt-in).

    An `urgent` alert's flag is never batched and reaches the responsible clinician at once; `holds`
    names what the patient cannot use until the flag is handled."""

    id: str
    when: str
    title: str
    feedback: str | None = None
    location: Location | None = field(default=None, compare=False)
    urgent: bool = False
    holds: Holds | None = None


@dataclass(frozen=True)
class Form:
    """A formulär, shown inside one or more steps."""

    id: str
    title: str
    questions: tuple[Question, ...]
    intro: str | None = None
    scoring: Scoring | None = None
    #: Markdown shown to the patient after submission (in addition to the score band's feedback)
    feedback: str | None = None
    #: whether a submitted form may be submitted again
    resubmit: bool = False
    tests: tuple[FormTest, ...] = ()
    location: Location | None = field(default=None, compare=False)
    #: answer rules that alert (patient feedback + clinician flag), in the author's order
    alerts: tuple[Alert, ...] = ()
    #: values computed from the answers, in evaluation order
    computed: tuple[Computed, ...] = ()
    #: a form filled again and again (a diary): every submission is kept as an entry
    entries: bool = False
    #: who fills the form in: the patient, or the clinician for the patient (e.g. a sleep window)
    filled_by: str = "patient"

    def computed_value(self, value_id: str) -> Computed | None:
        return next((c for c in self.computed if c.id == value_id), None)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def alert(self, alert_id: str) -> Alert | None:
        return next((a for a in self.alerts if a.id == alert_id), None)


@dataclass(frozen=True)
class Step:
    """An avsnitt: one page inside a module."""

    id: str
    number: str
    title: str
    #: content file path relative to the program's content folder
    content: str | None
    #: the Markdown text of the content file (already read by the loader)
    text: str = ""
    forms: tuple[str, ...] = ()
    audio: bool = True
    #: forms that must be submitted for the step to be done; None = every form in `forms`
    required_forms: tuple[str, ...] | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def forms_to_finish(self) -> tuple[str, ...]:
        """The forms whose submission makes this step done (green)."""
        return self.forms if self.required_forms is None else self.required_forms


@dataclass(frozen=True)
class SuggestRule:
    """A module suggestion (`suggest:` on a module): when `when` holds for the newest submitted answers
    of `form`, the clinician is shown the module with `reason` on Hantera. Never an activation."""

    id: str
    form: str
    when: str
    reason: str
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Module:
    """A modul: Inledning, Bra att veta, Steg 1–7, individual modules, Avslutningsfrågor."""

    id: str
    title: str
    kind: str
    #: Dagar kvar when activated; None = no time limit (the YAML's 0)
    default_days: int | None
    starts_with_moment: bool
    steps: tuple[Step, ...]
    description: str | None = None
    location: Location | None = field(default=None, compare=False)
    #: rules that suggest this module to the clinician from a form's answers, in the author's order
    suggest: tuple[SuggestRule, ...] = ()

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(frozen=True)
class EndReason:
    id: str
    title: str


@dataclass(frozen=True)
class Anchor:
    """A date question whose submitted answer times a reminder or battery (e.g. the stop day)."""

    form: str
    question: str
    #: which answered date counts: "newest" (the latest submission) or "first" (the first date answered)
    pick: str = "newest"

    @cached_property  # not a field: equality and hashing ignore it; asked for every timing of every moment
    def key(self) -> str:
        """"form/question" ("form/question@first" for pick first), the key of MomentState.anchor_dates."""
        return f"{self.form}/{self.question}" + ("" if self.pick == "newest" else f"@{self.pick}")


@dataclass(frozen=True)
class AutoStart:
    """When a battery starts itself: N days after the moment starts, or N days after an answered date
    (falling back to the moment's start while the date is unanswered)."""

    days_after_start: int | None = None
    anchor: Anchor | None = None
    days_after_anchor: int | None = None


@dataclass(frozen=True)
class Battery:
    """A mätbatteri: a set of forms opened together (e.g. a follow-up)."""

    id: str
    title: str
    forms: tuple[str, ...]
    module: str | None = None
    #: start by itself (system actor) at this time; None = only the clinician starts it
    auto_start: AutoStart | None = None


@dataclass(frozen=True)
class Reminder:
    """An authored reminder to the patient: N days after the moment starts, before a module's deadline,
    after an answered date, N days after a module opened, or every day while a module is current."""

    id: str
    title: str
    module: str | None = None
    days_after_start: int | None = None
    days_before_deadline: int | None = None
    #: with days_after_anchor: N days after an answered date (the moment's start while unanswered)
    anchor: Anchor | None = None
    days_after_anchor: int | None = None
    #: "day": every day at `at` while `module` is current
    every: str | None = None
    #: wall-clock time of a recurring reminder or one after the module's activation
    at: time | None = None
    #: N days after `module` was activated (at `at`, else at the time of day it was activated)
    days_after_activation: int | None = None


@dataclass(frozen=True)
class Migration:
    """How a moment started on the older version `from_version` moves to this version.

    Each table maps an old id to its id in this version, or to DROP. Steps are keyed
    "module/step", questions "form/question" and options "form/question/option"; ids that are
    not listed keep their id (following a renamed module or form).
    """

    from_version: str
    modules: Mapping[str, str] = field(default_factory=frozen_map)
    steps: Mapping[str, str] = field(default_factory=frozen_map)
    forms: Mapping[str, str] = field(default_factory=frozen_map)
    questions: Mapping[str, str] = field(default_factory=frozen_map)
    options: Mapping[str, str] = field(default_factory=frozen_map)
    batteries: Mapping[str, str] = field(default_factory=frozen_map)
    end_reasons: Mapping[str, str] = field(default_factory=frozen_map)
    location: Location | None = field(default=None, compare=False)

    def table(self, kind: str) -> Mapping[str, str]:
        """The table of one of MIGRATION_KINDS."""
        if kind not in MIGRATION_KINDS:
            raise KeyError(kind)
        table: Mapping[str, str] = getattr(self, kind)
        return table


@dataclass(frozen=True)
class TranslationEntry:
    """One translated text and the Swedish source it was made from.

    `source` is the PO entry's msgid (the Swedish text) or, for a step's Markdown file, the sha256
    hex recorded in its front matter; a translation is used only while its source is current.
    """

    text: str
    source: str
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Translation:
    """A program's texts in one more language (content/<program>/<lang>/), keyed by text id path
    (e.g. "module/steg-1/title", "form/ftnd/question/first/option/within5"; see engine.translate)."""

    language: str
    #: module ids declared completely translated (`translations: {<lang>: {complete: [...]}}`)
    complete: tuple[str, ...] = ()
    entries: Mapping[str, TranslationEntry] = field(default_factory=frozen_map)
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Program:
    """A whole treatment program, frozen. Identity = id + version + digest."""

    id: str
    title: str
    version: str
    language: str
    recommended_days: int
    welcome_text: str
    end_reasons: tuple[EndReason, ...]
    modules: tuple[Module, ...]
    forms: Mapping[str, Form]
    batteries: tuple[Battery, ...] = ()
    reminders: tuple[Reminder, ...] = ()
    #: how moments on older versions move to this one (`migrations:` in the YAML)
    migrations: tuple[Migration, ...] = ()
    #: sha256 over the YAML source and every content file it uses
    digest: str = ""
    source_path: str = ""
    content_dir: str = ""
    #: other languages of the texts, by language code; not part of the digest (a translation can be
    #: fixed without a new version: an entry applies only while its Swedish source is unchanged)
    translations: Mapping[str, Translation] = field(default_factory=frozen_map, compare=False)

    def module(self, module_id: str) -> Module | None:
        return next((m for m in self.modules if m.id == module_id), None)

    def form(self, form_id: str) -> Form | None:
        return self.forms.get(form_id)

    def step(self, module_id: str, step_id: str) -> Step | None:
        m = self.module(module_id)
        return m.step(step_id) if m else None

    def battery(self, battery_id: str) -> Battery | None:
        return self._battery_by_id.get(battery_id) if isinstance(battery_id, str) else None  # ids are str

    @cached_property
    def _battery_by_id(self) -> Mapping[str, Battery]:  # not a field: equality and hashing ignore it
        return frozen_map({b.id: b for b in reversed(self.batteries)})  # the first of an id wins, as a scan

    def migration_from(self, version: str) -> Migration | None:
        """The declared migration from an older `version`, if any."""
        return next((m for m in self.migrations if m.from_version == version), None)

    def end_reason(self, reason_id: str) -> EndReason | None:
        return next((r for r in self.end_reasons if r.id == reason_id), None)

    def modules_with_form(self, form_id: str) -> tuple[Module, ...]:
        """Modules having a step that shows this form."""
        return tuple(m for m in self.modules if any(form_id in s.forms for s in m.steps))
