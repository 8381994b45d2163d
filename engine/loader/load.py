"""Load a program (YAML + Markdown) into the frozen model, reporting every problem like a compiler.

Pipeline: engine.yamlpos (nodes with positions, duplicate keys, "quote it") → JSON Schema
(engine.loader_schema) → cross-reference checks (engine.loader_checks) → content files → per-form
checks (expressions, scoring, bands, golden tests) → frozen Program with a sha256 digest.
Every problem is one line `file:line:col: error: message`; loading never raises anything but
ProgramError.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any, Mapping

from .. import expr as expressions

from .. import forms
from ..errors import Location, Problem, ProgramError
from .build import ModelBuilder
from .computed import clinician_form_problems, computed_expression_problems, computed_shape_problems, value_kinds
from .checks import CrossChecker, did_you_mean, expression_location, items, text
from .migrations import build_migrations, check_migrations
from .schema import program_schema, schema_problems
from .translations import check_translations, declared_languages, read_translations
from ..model import Form, Program, Step, frozen_map
from .yamlpos import Path, location_for, one_line, parse_yaml

_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
#: same rule as the schema's step content pattern: relative, no '..', ends in .md
_CONTENT = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.md")


def load_program(path: str | os.PathLike[str], *, strict: bool = False, translating: bool = False) -> Program:
    """Load and check a program file; raise ProgramError with every problem (warnings too when strict).

    `translating` (for `stegvis translations`) lets untranslated safety texts through as warnings, so
    the tool that fixes them can load the program they make invalid."""
    program, problems = check_program(path, strict=strict, translating=translating)
    if program is None:
        raise ProgramError(problems)
    return program


def check_program(path: str | os.PathLike[str], *, strict: bool = False,
                  translating: bool = False) -> tuple[Program | None, list[Problem]]:
    """Check a program file: (the Program or None if there are errors, every error and warning)."""
    filename = os.fspath(path)
    try:
        raw = FsPath(filename).read_bytes()
    except OSError as exc:
        return None, [Problem(Location(filename, 1, 1), f"cannot read the file: {exc.strerror or exc}")]
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        return None, [Problem(Location(filename, line, col), message)]
    return check_text(source, filename, strict=strict, translating=translating)


def load_text(source: str, filename: str, *, content_dir: str | None = None, strict: bool = False) -> Program:
    """Like load_program, for YAML text already in memory (`filename` is used in messages)."""
    program, problems = check_text(source, filename, content_dir=content_dir, strict=strict)
    if program is None:
        raise ProgramError(problems)
    return program


def check_text(source: str, filename: str, *, content_dir: str | None = None, strict: bool = False,
               translating: bool = False) -> tuple[Program | None, list[Problem]]:
    """Check YAML text; content files are read from `content_dir` (default: found next to `filename`)."""
    loader = _ProgramLoader(source, filename, content_dir)
    loader.translating = translating
    return loader.run(strict)


def find_content_dir(filename: str, program_id: str) -> str | None:
    """The program's content folder: content/<id> next to the YAML file, else ../content/<id>."""
    if not _ID.fullmatch(program_id):
        return None
    base = os.path.dirname(filename) or "."
    for candidate in (os.path.join(base, "content", program_id), os.path.join(base, "..", "content", program_id)):
        if os.path.isdir(candidate):
            return os.path.normpath(candidate)
    return None


class _ProgramLoader:
    """One load of one program: collects (path, problem) pairs, then builds the model if clean."""

    def __init__(self, source: str, filename: str, content_dir: str | None):
        self.source = source
        self.filename = filename
        self.given_content_dir = content_dir
        self.found: list[tuple[Path, Problem]] = []
        #: translation errors reported as warnings (engine.loader.translations)
        self.translating = False
        self.texts: dict[str, str] = {}  # content path → Markdown, for files that exist
        self.content_dir: str | None = None

    # ------------------------------------------------------------------ pipeline

    def run(self, strict: bool) -> tuple[Program | None, list[Problem]]:
        doc = parse_yaml(self.source, self.filename, program_schema())
        self.doc = doc
        self.found += [((), p) for p in doc.problems]
        if doc.data is None and doc.problems:  # a syntax error: nothing else can be checked
            return None, self.problems(strict)
        schema_found = schema_problems(doc)
        self.found += schema_found
        self.found += CrossChecker(doc).run()
        self.found += check_migrations(doc)
        data = doc.data if isinstance(doc.data, dict) else {}
        self.check_content(data)
        built_forms = self.check_forms(data, [path for path, _ in schema_found])
        self.check_suggestions(data, built_forms, [path for path, _ in schema_found])
        self.warn_unused_forms(data)
        problems = self.problems(strict)
        if any(p.severity == "error" for p in problems):
            return None, problems
        program = self.with_translations(self.build(data, built_forms), data)
        problems = self.problems(strict)
        if any(p.severity == "error" for p in problems):
            return None, problems
        return program, problems

    def with_translations(self, program: Program, data: dict[str, Any]) -> Program:
        """The program with its declared translations read; their problems are collected (engine.loader.translations)."""
        declared = declared_languages(data)
        if not declared:
            return program
        where = {lang: location_for(self.doc.values, ("translations", lang)) for lang in declared}
        translations, problems = read_translations(program, declared, where)
        program = replace(program, translations=frozen_map(translations))
        checked = check_translations(program)
        if self.translating:
            checked = [Problem(p.location, p.message, "warning") for p in checked]
        self.found += [(("translations",), p) for p in problems + checked]
        return program

    def problems(self, strict: bool) -> list[Problem]:
        """All problems, in file order, with warnings promoted to errors when strict."""
        result = [one_line(p) for _, p in self.found]
        if strict:
            result = [Problem(p.location, p.message, "error") for p in result]
        return sorted(dict.fromkeys(result), key=self.order)

    def order(self, problem: Problem) -> tuple[Any, ...]:
        loc = problem.location
        if loc is None:
            return (1, "", 0, 0)
        # the program file first, then other files (unused content) by name
        return (loc.file != self.filename, loc.file, loc.line, loc.col)

    def add(self, path: Path, message: str, severity: str = "error", location: Location | None = None) -> None:
        self.found.append((path, Problem(location or location_for(self.doc.values, path), message, severity)))

    def has_problem_under(self, prefix: Path) -> bool:
        """Whether any error so far is about the value at `prefix` or inside it."""
        return any(path[: len(prefix)] == prefix for path, p in self.found if p.severity == "error")

    # ------------------------------------------------------------------ content files

    def check_content(self, data: dict[str, Any]) -> None:
        """Every step's content file exists (with "did you mean"); unused Markdown files are warnings."""
        steps = [(path + ("content",), step["content"])
                 for m_path, module in items(data, "modules", ())
                 for path, step in items(module, "steps", m_path)
                 if isinstance(step.get("content"), str) and _CONTENT.fullmatch(step["content"])]
        program_id = text(data, "id")
        if self.given_content_dir is not None:
            self.content_dir = os.path.normpath(self.given_content_dir)
        elif program_id is not None:
            self.content_dir = find_content_dir(self.filename, program_id)
        if self.content_dir is None or not os.path.isdir(self.content_dir):
            if steps and program_id is not None and _ID.fullmatch(program_id):
                self.add(steps[0][0], self.missing_folder_message(program_id))
            return
        available = self.markdown_files()
        for path, relative in steps:
            if relative in self.texts:
                continue
            full = os.path.join(self.content_dir, relative)
            if relative not in available:
                self.add(path, f"content file '{relative}' not found in {self.content_dir}"
                               f"{did_you_mean(relative, available)}")
                continue
            try:
                self.texts[relative] = FsPath(full).read_text(encoding="utf-8")
            except UnicodeDecodeError:
                self.add(path, f"content file '{relative}' is not valid UTF-8; save it as UTF-8")
            except OSError as exc:
                self.add(path, f"cannot read content file '{relative}': {exc.strerror or exc}")
        used = {relative for _, relative in steps}
        # translated pages live in content/<program>/<lang>/ and are checked with their language
        declared = data.get("translations")
        translated = tuple(f"{lang}/" for lang in declared if isinstance(lang, str)) if isinstance(declared, dict) else ()
        available = {r for r in available if not r.startswith(translated)} if translated else available
        # files named in capitals (README.md, SOURCES.md) are notes for authors, not pages
        notes = {r for r in available if os.path.splitext(os.path.basename(r))[0].isupper()}
        for relative in sorted(available - used - notes):
            location = Location(os.path.join(self.content_dir, relative), 1, 1)
            self.add((), f"content file not used by any step in {self.filename}", "warning", location)

    def missing_folder_message(self, program_id: str) -> str:
        if self.given_content_dir is not None:
            return f"content folder not found: {os.path.normpath(self.given_content_dir)}"
        base = os.path.dirname(self.filename) or "."
        near = os.path.normpath(os.path.join(base, "content", program_id))
        far = os.path.normpath(os.path.join(base, "..", "content", program_id))
        return f"content folder not found: expected {near} or {far}"

    def markdown_files(self) -> set[str]:
        """Relative (posix) paths of every .md file under the content folder."""
        assert self.content_dir is not None
        found = set()
        for folder, _dirs, files in os.walk(self.content_dir):
            for name in files:
                if name.endswith(".md"):
                    relative = os.path.relpath(os.path.join(folder, name), self.content_dir)
                    found.add(relative.replace(os.sep, "/"))
        return found

    # ------------------------------------------------------------------ forms

    def check_forms(self, data: dict[str, Any], schema_paths: list[Path]) -> dict[str, Form]:
        """Build each schema-valid form and check its expressions, scoring, bands and golden tests."""
        builder = ModelBuilder(self.doc)
        built: dict[str, Form] = {}
        shaped: list[tuple[Path, dict[str, Any], Form]] = []
        for path, raw in items(data, "forms", ()):
            if any(p[: len(path)] == path for p in schema_paths):
                continue  # the model can only be built from data of the right shape
            form = builder.form(raw, path)
            built.setdefault(form.id, form)
            shaped.append((path, raw, form))
        others = value_kinds(built)  # what form_id.value_id may name, in any form
        for path, raw, form in shaped:
            for where, message in computed_shape_problems(raw, form, path):
                self.add(where, message)
            if self.has_problem_under(path):
                continue  # e.g. a duplicate question id would make every later check misleading
            self.check_expressions(form, path)
            for where, message, location in computed_expression_problems(self.doc, form, path, others):
                self.add(where, message, location=location)
            if self.has_problem_under(path):
                continue  # scoring and tests assume well-formed expressions
            self.check_scoring(form, raw, path)
        for where, message in clinician_form_problems(data, built):
            self.add(where, message)
        return built

    def check_expressions(self, form: Form, path: Path) -> None:
        """Type-check show_if (earlier questions only), validation rules and the score expression."""
        checks: list[tuple[str, str, Path, int | None, bool]] = []
        for i, question in enumerate(form.questions):
            q_path = path + ("questions", i)
            if question.show_if is not None:
                checks.append(("show_if", question.show_if, q_path + ("show_if",), i, False))
            for j, validation in enumerate(question.validations):
                # a rule may compare with any answer of the form, e.g. a total given later
                checks.append(("validation rule", validation.rule, q_path + ("validate", j, "rule"), None, False))
        if form.scoring is not None and form.scoring.expression is not None:
            checks.append(("scoring expression", form.scoring.expression, path + ("scoring", "expression"),
                           None, True))
        for what, source, where, before, scoring in checks:
            for error in expressions.check(source, form.questions, before=before, scoring=scoring):
                self.add(where, f"{what}: {error.message}",
                         location=expression_location(self.doc, where, error.offset))
        if not self.has_problem_under(path):
            for i, message in forms.show_if_placement(form):
                self.add(path + ("questions", i, "show_if"), message, "warning")

    def check_scoring(self, form: Form, raw: dict[str, Any], path: Path) -> None:
        """Scoring items, bands over the possible range, and the golden tests (in that order)."""
        for message in forms.scoring_problems(form):
            self.add(_scoring_item_path(raw, path, message), message)
        if self.has_problem_under(path):
            return
        for message in forms.band_problems(form):
            self.add(path + ("scoring", "bands"), message)
        for k, computed in enumerate(form.computed):
            for message in forms.exact_band_problems(computed.bands):
                self.add(path + ("computed", k, "bands"), f"computed value '{computed.id}': {message}")
        if self.has_problem_under(path):
            return
        for test, message in forms.run_tests(form) + forms.alert_tests(form) + forms.computed_tests(form):
            self.add(path + ("tests", form.tests.index(test)), f"golden {message}")

    def check_suggestions(self, data: dict[str, Any], built_forms: dict[str, Form], schema_paths: list[Path]) -> None:
        """Modules' `suggest:` rules: unique ids, a known form, a well-typed `when`; then the forms'
        golden tests that list suggested modules (`suggests:`)."""
        builder = ModelBuilder(self.doc)
        modules = []
        for m_path, module in items(data, "modules", ()):
            if any(p[: len(m_path)] == m_path for p in schema_paths):
                continue
            label = text(module, "id") or "?"
            for r_path, rule in items(module, "suggest", m_path):
                form = built_forms.get(rule["form"])
                if form is None:
                    self.add(r_path + ("form",), f"unknown form '{rule['form']}' in suggest rule '{rule['id']}' "
                                                 f"of module '{label}'{did_you_mean(rule['form'], built_forms)}")
                    continue
                for error in expressions.check(rule["when"], form.questions):
                    self.add(r_path + ("when",), f"when: {error.message}",
                             location=expression_location(self.doc, r_path + ("when",), error.offset))
            if not self.has_problem_under(m_path):
                modules.append(builder.module(module, m_path, ()))
        for path, raw in items(data, "forms", ()):
            form = built_forms.get(text(raw, "id") or "")
            if form is None or self.has_problem_under(path):
                continue
            for test, message in forms.suggestion_tests(form, modules):
                self.add(path + ("tests", form.tests.index(test)), f"golden {message}")

    def warn_unused_forms(self, data: dict[str, Any]) -> None:
        """A form no step shows and no battery uses is probably a mistake."""
        used: set[str] = set()
        for m_path, module in items(data, "modules", ()):
            for _, step in items(module, "steps", m_path):
                used.update(_strings(step.get("forms")))
        for _, battery in items(data, "batteries", ()):
            used.update(_strings(battery.get("forms")))
        for path, form in items(data, "forms", ()):
            form_id = text(form, "id")
            if form_id is not None and form_id not in used:
                self.add(path + ("id",), f"form '{form_id}' is not shown in any step and not used by any battery",
                         "warning")

    # ------------------------------------------------------------------ model

    def build(self, data: dict[str, Any], built_forms: dict[str, Form]) -> Program:
        """The frozen Program; only called when there are no errors (so the data is schema-valid)."""
        builder = ModelBuilder(self.doc)
        modules = []
        for m_path, module in items(data, "modules", ()):
            steps: list[Step] = []
            for s_path, step in items(module, "steps", m_path):
                steps.append(builder.step(step, s_path, self.texts.get(step.get("content") or "", "")))
            modules.append(builder.module(module, m_path, tuple(steps)))
        return Program(
            id=data["id"],
            title=data["title"],
            version=data["version"],
            language=data["language"],
            recommended_days=data["recommended_days"],
            welcome_text=data.get("welcome_text", ""),
            end_reasons=tuple(builder.end_reason(r) for r in data.get("end_reasons", [])),
            modules=tuple(modules),
            forms=frozen_map(built_forms),
            batteries=tuple(builder.battery(b) for b in data.get("batteries", [])),
            reminders=tuple(builder.reminder(r) for r in data.get("reminders", [])),
            migrations=build_migrations(data, self.doc),
            digest=self.digest(),
            source_path=self.filename,
            content_dir=self.content_dir or "",
        )

    def digest(self) -> str:
        return program_digest(self.source, self.texts)


def program_digest(source: str, files: Mapping[str, str]) -> str:
    """A program's identity: sha256 over its YAML text and each used content file (path and text), in path order."""
    h = hashlib.sha256()
    for part in [source] + [p for relative in sorted(files) for p in (relative, files[relative])]:
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()



def _scoring_item_path(raw: dict[str, Any], path: Path, message: str) -> Path:
    """Point a scoring problem ("scoring.items: unknown question 'x'") at the item it names."""
    scoring = raw.get("scoring", {})
    lists: list[tuple[str, Path, Any]] = [
        ("scoring.items", ("scoring", "items"), scoring.get("items")),
        ("scoring.reverse", ("scoring", "reverse"), scoring.get("reverse"))]
    for k, sub in enumerate(scoring.get("subscales", [])):
        lists.append((f"subscale '{sub.get('id')}'", ("scoring", "subscales", k, "items"), sub.get("items")))
    for prefix, sub_path, values in lists:
        if message.startswith(prefix + ":") and isinstance(values, list):
            named = re.search(r"'([^']*)'", message[len(prefix) + 1:])
            indexes = [i for i, v in enumerate(values) if named and v == named.group(1)]
            if indexes:  # "listed twice" is about the second mention
                return path + sub_path + (indexes[1] if "twice" in message and len(indexes) > 1 else indexes[0],)
            return path + sub_path
    return path + ("scoring",)


def _strings(value: Any) -> list[str]:
    """The text items of a list; nothing for anything else (the schema pass reports the wrong type)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
