"""The author preview: programs loaded straight from their files, validation problems, and "dag N".

The preview keeps its own copy of each program, read from PROGRAMS_DIR with engine.loader's
`check_program`, so a program with errors still shows its problems (file:line:col) instead of
failing the app, and — in development — an edited YAML or Markdown file is picked up on the next
request. Patients keep the programs the app loaded at start.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, current_app

from engine import forms

from engine.moment import lifecycle

from engine.authoring import simulate
from engine.errors import AnswerError, Location, Problem, ProgramError
from engine.moment.flags import LABELS, ModuleReminder, MomentEndingSoon, PatientInactivity
from engine.moment.holds import held_text
from engine.loader import check_program
from engine.localtime import at_local, local_date
from engine.model import Form, Program
from engine.text import plural
from engine.authoring.scenario import DEFAULT_CLINICIAN, Action, Scenario

from ..models import FormResponse
from .patient.program import ModuleView, StepView
from .patient.forms import FormView, new_token, visible_ids

CACHE_KEY = "stegvis.author_preview"
#: the author preview simulates at most this many days (two years)
MAX_DAY = 730
PREVIEW_FILE = "<förhandsvisning>"
#: the flags the "dag N" preview subscribes to, as a clinician often would (shown on the page)
DEFAULT_FLAGS = (
    ("patient_inactivity", {"days": 7}),
    ("moment_ending_soon", {"days": 14}),
)
MODULE_REMINDER_DAYS = 2


@dataclass(frozen=True)
class ProgramPreview:
    """One program file as the preview sees it: the program (None when it has errors) and every problem."""

    path: Path
    #: the program id, or the file name without .yaml when it does not load
    key: str
    program: Program | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the program from loading (not the warnings)."""
        return [p for p in self.problems if p.severity == "error"]


def program_paths(app: Flask) -> list[Path]:
    """The program files the preview shows: AUTHOR_PROGRAM_FILES (`stegvis preview FILE…`), else PROGRAMS_DIR/*.yaml."""
    given = app.config.get("AUTHOR_PROGRAM_FILES")
    if given:
        return [Path(p) for p in given]
    return sorted(Path(app.config["PROGRAMS_DIR"]).glob("*.yaml"))


def source_files(programs: list[Path]) -> list[Path]:
    """Every file the programs are made of: their folders' YAML files and the Markdown under content/."""
    files: list[Path] = []
    for folder in sorted({p.parent for p in programs}):
        files += sorted(folder.glob("*.yaml"))
        for content in (folder / "content", folder.parent / "content"):
            if content.is_dir():
                files += sorted(p for p in content.rglob("*") if p.is_file())
    return files


def fingerprint(programs: list[Path]) -> str:
    """A hash of the program files' names, sizes and modification times: it changes when a file does."""
    digest = hashlib.sha256()
    for path in source_files(programs):
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _load(paths: list[Path]) -> dict[str, ProgramPreview]:
    previews: dict[str, ProgramPreview] = {}
    for path in paths:
        program, problems = check_program(path)
        key = program.id if program is not None else path.stem
        previews[key] = ProgramPreview(path, key, program, tuple(problems))
    return previews


def reloads(app: Flask) -> bool:
    """Whether the preview rereads changed files on each request (development: app.debug or AUTHOR_RELOAD)."""
    return bool(app.debug or app.config.get("AUTHOR_RELOAD"))


def previews() -> dict[str, ProgramPreview]:
    """Every program file of the preview, reloaded when a file changed (in development)."""
    app = current_app
    cached = app.extensions.get(CACHE_KEY)
    if cached is not None and not reloads(app):
        return cached[1]
    paths = program_paths(app)
    current = fingerprint(paths)
    if cached is None or cached[0] != current:
        cached = app.extensions[CACHE_KEY] = (current, _load(paths))
    return cached[1]


def current_fingerprint() -> str:
    """The program files' fingerprint now (the reload script polls it and reloads the page when it changes)."""
    return fingerprint(program_paths(current_app))


def preview_program(key: str) -> ProgramPreview | None:
    """One program's preview by id (or file name when it does not load)."""
    return previews().get(key)


# --- pages as the patient sees them -----------------------------------------------------------


def module_view(program: Program, module_id: str) -> ModuleView | None:
    """A module as a patient sees it on the day it opens (current, read/write, nothing done yet)."""
    module = program.module(module_id)
    if module is None:
        return None
    return ModuleView(module=module, state="current", status="read_write",
                      days_left=module.default_days or None, writable=True,
                      steps=tuple(StepView(s, "not_started") for s in module.steps))


def try_form(form: Form, raw: Mapping[str, Any] | None, now: datetime) -> FormView:
    """The form as the patient sees it; with `raw`, submitted for trial: errors, or score and feedback.

    Nothing is stored: the answers go through engine.forms exactly as a patient's would.
    """
    if raw is None:
        shown = forms.to_raw(form, {})
        return FormView(form, True, shown, visible_ids(form, shown), token=new_token(), trial=True)
    shown = {q.id: (list(raw.getlist(q.id)) if q.type == "multiple_choice" else raw.get(q.id, ""))
             for q in form.questions}
    try:
        cleaned = forms.submit(form, raw)
    except AnswerError as exc:
        return FormView(form, True, shown, visible_ids(form, shown), errors=dict(exc.errors), token=new_token(),
                        open=True, trial=True)
    result = forms.score(form, cleaned)
    trial = FormResponse(  # never added to the session: it only feeds the feedback template
        form_id=form.id, status="submitted", answers=forms.to_json(cleaned), form_title=form.title,
        questions={q.id: {"text": q.text, "type": q.type, "options": {o.id: o.label for o in q.options}}
                   for q in form.questions},
        score=result.total if result else None,
        band=result.band.label if result and result.band else None, submitted_at=now,
    )
    values = forms.computed_values(form, cleaned, today=local_date(now))  # a first entry: no earlier ones
    computed = [(c.label, forms.show_value(c, values[c.id])) for c in form.computed]
    return FormView(form, True, shown, visible_ids(form, shown), last=trial, token=new_token(), open=True,
                    computed=computed, trial=True)


def alert_effects(program: Program, views: list[FormView]) -> list[str]:
    """What the tried answers' alerts would do beyond the feedback (urgency, holds), as the author reads it."""
    lines = []
    for fv in views:
        if fv.last is None:
            continue
        for alert in forms.alerts_for(fv.form, forms.from_json(fv.form, fv.last.answers or {})):
            start = f"{fv.form.title}: larmet {alert.title}"
            if alert.urgent:
                lines.append(f"{start} är brådskande – ansvarig behandlare får e-post och sms direkt (utan "
                             "innehåll), flaggan står först i listorna och Behörighetsadmin aviseras om den "
                             "inte hanteras.")
            elif alert.holds is None:
                lines.append(f"{start} ger flaggan Svar kräver uppmärksamhet.")
            if alert.holds is not None:
                lines.append(f"{start} spärrar {held_text(program, alert.holds.names)} tills flaggan är hanterad. "
                             f"Invånaren ser: {alert.holds.text}")
    return lines


# --- dag N --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayPreview:
    """What a patient would have on day N of a moment started today, and the flags fired by then."""

    day: int
    date: date
    course: str
    modules: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    subscriptions: list[str]
    problem: str | None = None


def typical_course(program: Program, start: datetime, until: date) -> list[Action]:
    """The clinician completes each mandatory module when its days have passed and opens the next one."""
    where = Location(PREVIEW_FILE, 1, 1)
    actions: list[Action] = []
    current = next((m for m in program.modules if m.kind == "mandatory" and m.starts_with_moment
                    and m.default_days is not None), None)
    day = current.default_days if current else 0
    for module in program.modules:
        if current is None or module.kind != "mandatory" or module.starts_with_moment:
            continue
        at = at_local(start.date() + timedelta(days=day), time(9, 0))
        if at.date() > until:
            break
        actions.append(Action(at, "clinician", "complete_module", {"module": current.id}, where))
        actions.append(Action(at + timedelta(minutes=1), "clinician", "activate_module", {"module": module.id}, where))
        current, day = module, day + max(module.default_days or 0, 1)
    return actions


def _subscriptions(program: Program, start: datetime) -> list:
    rules = [PatientInactivity(since=start, **DEFAULT_FLAGS[0][1]), MomentEndingSoon(since=start, **DEFAULT_FLAGS[1][1])]
    rules += [ModuleReminder(since=start, module=m.id, days_before=MODULE_REMINDER_DAYS)
              for m in program.modules if m.kind == "mandatory" and m.default_days is not None]
    return rules


def day_preview(program: Program, day: int, today: date, course: str = "typiskt") -> DayPreview:
    """Simulate a moment started today at 09:00 up to day `day` (engine.authoring.simulate), without a patient acting."""
    day = max(0, min(day, MAX_DAY))
    start = at_local(today, time(9, 0))
    until = today + timedelta(days=day)
    rules = _subscriptions(program, start)
    described = [f"{LABELS[r.type]} ({_rule_text(r, program)})" for r in rules]
    actions = typical_course(program, start, until) if course == "typiskt" else []
    scenario = Scenario(path=PREVIEW_FILE, program=program, start=start, until=until, clinician=DEFAULT_CLINICIAN,
                        care_unit=None, subscriptions=tuple(rules), actions=tuple(actions))
    try:
        sim = simulate.run(scenario)
    except ProgramError as exc:
        return DayPreview(day, until, course, [], [], described, problem=str(exc))
    end = scenario.end
    modules = [{"module": m, "state": sim.state.modules[m.id].state, "status": sim.state.modules[m.id].status,
                "days_left": lifecycle.days_left(program, sim.state, m.id, end),
                "visible": lifecycle.patient_can_see(sim.state, m.id, end)} for m in program.modules]
    flags = [{"at": f.at, "label": LABELS[f.type], "text": f.text} for f in sim.flags]
    return DayPreview(day, until, course, modules, flags, described)


def _rule_text(rule, program: Program) -> str:
    if isinstance(rule, ModuleReminder):
        module = program.module(rule.module)
        return f"{module.title if module else rule.module}, {plural(rule.days_before, 'dag', 'dagar')} före"
    return plural(rule.days, "dag", "dagar")

