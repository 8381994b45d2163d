"""Translated programs: every text of a program under a stable id path, and the program in another language.

Text ids (the PO catalogue's msgctxt) follow the program's own structure:

    title, welcome_text
    module/<m>/title, module/<m>/description
    module/<m>/step/<s>/title, module/<m>/step/<s>/text         (text = the step's Markdown file)
    form/<f>/title|intro|feedback
    form/<f>/question/<q>/text|help|min_label|max_label
    form/<f>/question/<q>/option/<o>
    form/<f>/question/<q>/validation/<i>/message
    form/<f>/band/<i>/label|feedback, form/<f>/subscale/<id>/title
    form/<f>/alerts/<id>/feedback, form/<f>/alerts/<id>/holds     (holds = the hold's patient text)
    battery/<id>/title, reminder/<id>/title

Texts only staff read (end reasons, alert titles raised as flags, scoring and tests) have no id: they
stay Swedish. `translate` never changes ids, types or structure, so answers given on a translated page
are the same answers; a missing or stale text falls back to the Swedish source and is named in the
result. Pure: no I/O.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Callable, Iterator

from .model import Band, Form, Holds, Module, Option, Program, Question, Step, Translation, Validation, frozen_map

#: "program" scope: texts every declared language must have (shown on the program's home page)
PROGRAM_SCOPE = ""


@dataclass(frozen=True)
class SourceText:
    """One translatable Swedish text: its id path, the text, and the modules it is shown in."""

    key: str
    text: str
    #: module ids whose pages show the text; (PROGRAM_SCOPE,) for title and welcome text; () = elsewhere
    modules: tuple[str, ...]


@dataclass(frozen=True)
class Translated:
    """A program in one language: texts replaced where a current translation exists."""

    program: Program
    language: str
    #: text ids shown in Swedish because no translation exists
    missing: frozenset[str]
    #: text ids shown in Swedish because their translation was made from an older source
    stale: frozenset[str]

    def has(self, key: str) -> bool:
        """Whether the text with this id is shown translated (the source language counts as translated)."""
        return key not in self.missing and key not in self.stale

    def step_translated(self, module_id: str, step_id: str) -> bool:
        """Whether a step's page text is in the chosen language."""
        return self.has(step_key(module_id, step_id, "text"))


def step_key(module_id: str, step_id: str, field_name: str) -> str:
    """The id path of a step's title or text."""
    return f"module/{module_id}/step/{step_id}/{field_name}"


def is_markdown_key(key: str) -> bool:
    """Texts kept as Markdown files (a step's page), not as PO entries."""
    parts = key.split("/")
    return len(parts) == 5 and parts[0] == "module" and parts[2] == "step" and parts[4] == "text"


def fingerprint(key: str, source: str) -> str:
    """What a translation records about its source: the text itself (PO msgid) or the Markdown's sha256."""
    return sha256_text(source) if is_markdown_key(key) else source


def sha256_text(text: str) -> str:
    """sha256 hex of a text as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_texts(program: Program) -> list[SourceText]:
    """Every translatable text of the program, in program order (empty texts are left out)."""
    found: list[SourceText] = []

    def add(key: str, text: str | None, modules: tuple[str, ...]) -> None:
        if text:
            found.append(SourceText(key, text, modules))

    add("title", program.title, (PROGRAM_SCOPE,))
    add("welcome_text", program.welcome_text, (PROGRAM_SCOPE,))
    for module in program.modules:
        scope = (module.id,)
        add(f"module/{module.id}/title", module.title, scope)
        add(f"module/{module.id}/description", module.description, scope)
        for step in module.steps:
            add(step_key(module.id, step.id, "title"), step.title, scope)
            add(step_key(module.id, step.id, "text"), step.text if step.content else None, scope)
    for form in program.forms.values():
        shown_in = tuple(m.id for m in program.modules_with_form(form.id))
        shown_in += tuple(b.module for b in program.batteries if form.id in b.forms and b.module)
        for key, text in _form_texts(form):
            add(key, text, tuple(dict.fromkeys(shown_in)))
        for alert in form.alerts:
            if alert.holds is not None:  # the hold's text is shown where the held things are, too
                add(f"form/{form.id}/alerts/{alert.id}/holds", alert.holds.text,
                    tuple(dict.fromkeys(shown_in + _held_modules(program, alert.holds))))
    for battery in program.batteries:
        add(f"battery/{battery.id}/title", battery.title, (battery.module,) if battery.module else ())
    for reminder in program.reminders:
        add(f"reminder/{reminder.id}/title", reminder.title, (reminder.module,) if reminder.module else ())
    return found


def _held_modules(program: Program, holds: Holds) -> tuple[str, ...]:
    """The modules whose pages show a hold: held modules, modules of held steps, modules showing held forms."""
    found = list(holds.modules) + [s.partition("/")[0] for s in holds.steps]
    found += [m.id for f in holds.forms for m in program.modules_with_form(f)]
    return tuple(found)


def is_safety_key(key: str) -> bool:
    """Texts of a form (questions, alert feedback, hold texts …): a language declared complete for a
    module where one of them is shown must have it, or the program is refused (issue 23)."""
    return key.startswith("form/")


def _form_texts(form: Form) -> Iterator[tuple[str, str | None]]:
    base = f"form/{form.id}"
    yield f"{base}/title", form.title
    yield f"{base}/intro", form.intro
    yield f"{base}/feedback", form.feedback
    for q in form.questions:
        qk = f"{base}/question/{q.id}"
        yield f"{qk}/text", q.text
        yield f"{qk}/help", q.help
        yield f"{qk}/min_label", q.min_label
        yield f"{qk}/max_label", q.max_label
        for option in q.options:
            yield f"{qk}/option/{option.id}", option.label
        for i, validation in enumerate(q.validations):
            yield f"{qk}/validation/{i}/message", validation.message
    if form.scoring is not None:
        for i, band in enumerate(form.scoring.bands):
            yield f"{base}/band/{i}/label", band.label
            yield f"{base}/band/{i}/feedback", band.feedback
        for sub in form.scoring.subscales:
            yield f"{base}/subscale/{sub.id}/title", sub.title
    for alert in form.alerts:
        yield f"{base}/alerts/{alert.id}/feedback", alert.feedback


def required_keys(program: Program, translation: Translation) -> set[str]:
    """Text ids a language must have: the program's title and welcome text and every text shown in
    a module declared complete. Other texts may be missing (they fall back to Swedish)."""
    complete = set(translation.complete) | {PROGRAM_SCOPE}
    return {s.key for s in source_texts(program) if complete.intersection(s.modules)}


def translate(program: Program, language: str) -> Translated:
    """The program with its texts in `language` (Swedish where missing or stale); the source language as is."""
    if language == program.language:
        return Translated(program, language, frozenset(), frozenset())
    translation = program.translations.get(language) or Translation(language)
    texts: dict[str, str] = {}
    missing: set[str] = set()
    stale: set[str] = set()
    for source in source_texts(program):
        entry = translation.entries.get(source.key)
        if entry is None or not entry.text:
            missing.add(source.key)
        elif entry.source != fingerprint(source.key, source.text):
            stale.add(source.key)
        else:
            texts[source.key] = entry.text
    translated = _apply(program, language, lambda key, text: texts.get(key, text))
    return Translated(translated, language, frozenset(missing), frozenset(stale))


_Text = Callable[[str, str], str]


def _maybe(t: _Text, key: str, text: str | None) -> str | None:
    return None if text is None else t(key, text)


def _apply(program: Program, language: str, t: _Text) -> Program:
    modules = tuple(_module(m, t) for m in program.modules)
    forms = frozen_map({fid: _form(f, t) for fid, f in program.forms.items()})
    return replace(
        program, language=language, title=t("title", program.title),
        welcome_text=t("welcome_text", program.welcome_text) if program.welcome_text else "",
        modules=modules, forms=forms,
        batteries=tuple(replace(b, title=t(f"battery/{b.id}/title", b.title)) for b in program.batteries),
        reminders=tuple(replace(r, title=t(f"reminder/{r.id}/title", r.title)) for r in program.reminders),
    )


def _module(module: Module, t: _Text) -> Module:
    base = f"module/{module.id}"
    steps = tuple(_step(module.id, s, t) for s in module.steps)
    return replace(module, title=t(f"{base}/title", module.title),
                   description=_maybe(t, f"{base}/description", module.description), steps=steps)


def _step(module_id: str, step: Step, t: _Text) -> Step:
    text = t(step_key(module_id, step.id, "text"), step.text) if step.content else step.text
    return replace(step, title=t(step_key(module_id, step.id, "title"), step.title), text=text)


def _form(form: Form, t: _Text) -> Form:
    base = f"form/{form.id}"
    scoring = form.scoring
    if scoring is not None:
        bands = tuple(_band(f"{base}/band/{i}", b, t) for i, b in enumerate(scoring.bands))
        subscales = tuple(replace(s, title=t(f"{base}/subscale/{s.id}/title", s.title)) for s in scoring.subscales)
        scoring = replace(scoring, bands=bands, subscales=subscales)
    alerts = tuple(replace(a, feedback=_maybe(t, f"{base}/alerts/{a.id}/feedback", a.feedback),
                           holds=a.holds and replace(a.holds, text=t(f"{base}/alerts/{a.id}/holds", a.holds.text)))
                   for a in form.alerts)
    return replace(form, title=t(f"{base}/title", form.title), intro=_maybe(t, f"{base}/intro", form.intro),
                   feedback=_maybe(t, f"{base}/feedback", form.feedback),
                   questions=tuple(_question(f"{base}/question/{q.id}", q, t) for q in form.questions),
                   scoring=scoring, alerts=alerts)


def _band(base: str, band: Band, t: _Text) -> Band:
    return replace(band, label=t(f"{base}/label", band.label), feedback=_maybe(t, f"{base}/feedback", band.feedback))


def _question(base: str, q: Question, t: _Text) -> Question:
    options = tuple(Option(o.id, t(f"{base}/option/{o.id}", o.label), o.score) for o in q.options)
    validations = tuple(Validation(v.rule, t(f"{base}/validation/{i}/message", v.message))
                        for i, v in enumerate(q.validations))
    return replace(q, text=t(f"{base}/text", q.text), help=_maybe(t, f"{base}/help", q.help),
                   min_label=_maybe(t, f"{base}/min_label", q.min_label),
                   max_label=_maybe(t, f"{base}/max_label", q.max_label),
                   options=options, validations=validations)
