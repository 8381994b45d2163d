"""Cross-reference checks on program data: unique ids per level, references that must exist, and rules
between fields of one question or reminder that JSON Schema cannot express readably.

Every check is total on any data (it runs even where the schema found errors), so an author sees
all problems in one pass: wrong shapes are simply skipped here.
"""
from __future__ import annotations

import difflib
from typing import Any, Iterator, Mapping, TypeGuard

from .. import expr as expressions
from ..errors import ExpressionError, Location, Problem
from ..model import CHOICE_TYPES
from .yamlpos import Path, YamlDocument, is_plain, location_for


def items(data: Any, key: str, base: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, mapping) for each mapping in the list `data[key]`; anything else is skipped."""
    value = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield base + (key, i), item


def text(item: Any, key: str) -> str | None:
    """`item[key]` when it is a string, else None."""
    value = item.get(key) if isinstance(item, Mapping) else None
    return value if isinstance(value, str) else None


def did_you_mean(word: str, candidates: Any) -> str:
    """'; did you mean 'x'?' for the closest candidate, or ''."""
    close = difflib.get_close_matches(word, [c for c in candidates if isinstance(c, str)], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class CrossChecker:
    """Runs the structural cross-reference checks and collects (path, problem) pairs."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.data = doc.data if isinstance(doc.data, dict) else {}
        self.found: list[tuple[Path, Problem]] = []

    def error(self, path: Path, message: str, severity: str = "error") -> None:
        """Record a problem located at the value at `path` (or its nearest parent)."""
        self.found.append((path, Problem(location_for(self.doc.values, path), message, severity)))

    def run(self) -> list[tuple[Path, Problem]]:
        """All cross-reference problems of the document."""
        data = self.data
        modules = self.unique(items(data, "modules", ()), "module id")
        forms = self.unique(items(data, "forms", ()), "form id")
        self.unique(items(data, "end_reasons", ()), "end reason id")
        for path, module in items(data, "modules", ()):
            label = text(module, "id") or "?"
            self.unique(items(module, "steps", path), "step id", f" in module '{label}'")
            self.unique(items(module, "suggest", path), "suggest rule id", f" in module '{label}'")
            for step_path, step in items(module, "steps", path):
                self.references(step, "forms", step_path, forms, "form", f"step '{text(step, 'id')}'")
                self.required_forms(step, step_path)
        for path, form in items(data, "forms", ()):
            self.check_form(path, form)
            for a_path, alert in items(form, "alerts", path):
                self.check_holds(a_path, alert, forms, modules)
        for path, battery in self.unique_items("batteries", "battery id"):
            where = f"battery '{text(battery, 'id')}'"
            self.references(battery, "forms", path, forms, "form", where)
            self.reference(battery, "module", path, modules, "module", where)
            self.check_auto_start(path, battery, where)
        for path, reminder in self.unique_items("reminders", "reminder id"):
            self.check_reminder(path, reminder, modules)
        return self.found

    def unique_items(self, key: str, what: str) -> list[tuple[Path, dict[str, Any]]]:
        listed = list(items(self.data, key, ()))
        self.unique(iter(listed), what)
        return listed

    def unique(self, entries: Iterator[tuple[Path, dict[str, Any]]], what: str, where: str = "",
               key: str = "id") -> dict[str, Path]:
        """Report repeated ids among `entries`; return id → path of its first use."""
        first: dict[str, Path] = {}
        for path, item in entries:
            value = item.get(key)
            if not isinstance(value, str):
                continue
            if value in first:
                line = location_for(self.doc.values, first[value] + (key,))
                line_text = f" (first used on line {line.line})" if line else ""
                self.error(path + (key,), f"duplicate {what} '{value}'{where}{line_text}")
            else:
                first[value] = path
        return first

    def references(self, item: dict[str, Any], key: str, path: Path, known: Mapping[str, Path], noun: str,
                   where: str) -> None:
        """Each id in the list `item[key]` must be one of `known`."""
        values = item.get(key)
        if not isinstance(values, list):
            return
        for i, value in enumerate(values):
            if isinstance(value, str) and value not in known:
                self.error(path + (key, i), f"unknown {noun} '{value}' in {where}{did_you_mean(value, known)}")

    def required_forms(self, step: dict[str, Any], path: Path) -> None:
        """A step's required_forms must be forms the step shows."""
        forms = step.get("forms")
        shown: list[Any] = forms if isinstance(forms, list) else []
        required = step.get("required_forms")
        for i, value in enumerate(required if isinstance(required, list) else []):
            if isinstance(value, str) and value not in shown:
                self.error(path + ("required_forms", i),
                           f"required form '{value}' is not among the forms of step '{text(step, 'id')}'"
                           f"{did_you_mean(value, dict.fromkeys(shown))}")

    def reference(self, item: dict[str, Any], key: str, path: Path, known: Mapping[str, Path], noun: str,
                  where: str) -> None:
        """The id `item[key]`, when given, must be one of `known`."""
        value = item.get(key)
        if isinstance(value, str) and value not in known:
            self.error(path + (key,), f"unknown {noun} '{value}' in {where}{did_you_mean(value, known)}")

    def check_form(self, path: Path, form: dict[str, Any]) -> None:
        """Unique ids inside a form and the rules between a question's fields."""
        form_id = text(form, "id") or "?"
        self.unique(items(form, "questions", path), "question id", f" in form '{form_id}'")
        scoring = form.get("scoring")
        if isinstance(scoring, dict):
            self.unique(items(scoring, "subscales", path + ("scoring",)), "subscale id", f" in form '{form_id}'")
        self.unique(items(form, "tests", path), "golden test name", f" in form '{form_id}'", key="name")
        self.unique(items(form, "alerts", path), "alert id", f" in form '{form_id}'")
        for q_path, question in items(form, "questions", path):
            self.check_question(q_path, question)

    def check_question(self, path: Path, question: dict[str, Any]) -> None:
        """Options only on choice questions, min/max only on number and scale, labels only on scale."""
        qid, qtype = text(question, "id"), text(question, "type")
        if qid is not None and not _usable_in_expressions(qid):
            self.error(path + ("id",), f"question id '{qid}' is a word of the expression language; "
                                       "choose another id")
        self.unique(items(question, "options", path), "option id", f" in question '{qid}'")
        if qtype is None:
            return
        if qtype in CHOICE_TYPES and "options" not in question:
            self.error(path, f"missing required key 'options' in question '{qid}' of type {qtype}")
        if qtype not in CHOICE_TYPES and "options" in question:
            self.error(path + ("options",), f"'options' is only for single_choice and multiple_choice "
                                            f"questions, not {qtype}; remove it or change the type")
        for key in ("min", "max"):
            if key in question and qtype not in ("number", "scale"):
                self.error(path + (key,), f"'{key}' is only for number and scale questions, not {qtype}")
            elif qtype == "scale" and key not in question:
                self.error(path, f"missing required key '{key}' in question '{qid}' of type scale")
            elif qtype == "scale" and _is_number(question.get(key)) and question[key] != int(question[key]):
                self.error(path + (key,), f"{key}: expected a whole number for a scale, received {question[key]}")
        for key in ("min_label", "max_label"):
            if key in question and qtype != "scale":
                self.error(path + (key,), f"'{key}' is only for scale questions, not {qtype}")
        low, high = question.get("min"), question.get("max")
        if _is_number(low) and _is_number(high) and low > high:
            self.error(path + ("min",), f"min ({low}) is greater than max ({high})")

    def check_holds(self, path: Path, alert: dict[str, Any], forms: Mapping[str, Path],
                    modules: Mapping[str, Path]) -> None:
        """What an alert holds must exist: forms, modules, and steps as "module/step"."""
        holds = alert.get("holds")
        if not isinstance(holds, dict):
            return
        where = f"the holds of alert '{text(alert, 'id')}'"
        self.references(holds, "forms", path + ("holds",), forms, "form", where)
        self.references(holds, "modules", path + ("holds",), modules, "module", where)
        steps = holds.get("steps")
        for i, value in enumerate(steps if isinstance(steps, list) else []):
            module_id, _, step_id = value.partition("/") if isinstance(value, str) else ("", "", "")
            if module_id not in modules:
                if module_id:
                    self.error(path + ("holds", "steps", i), f"unknown module '{module_id}' in step '{value}' of "
                                                             f"{where}{did_you_mean(module_id, modules)}")
                continue
            module = location_value(self.data, modules[module_id])
            step_ids = {text(s, "id"): s for _, s in items(module, "steps", ())}
            if step_id not in step_ids:
                self.error(path + ("holds", "steps", i), f"module '{module_id}' has no step '{step_id}' ({where})"
                                                         f"{did_you_mean(step_id, step_ids)}")

    def check_reminder(self, path: Path, reminder: dict[str, Any], modules: Mapping[str, Path]) -> None:
        """A reminder has exactly one timing; one before a deadline needs the module."""
        rid = text(reminder, "id")
        self.reference(reminder, "module", path, modules, "module", f"reminder '{rid}'")
        timings = [k for k in ("days_after_start", "days_before_deadline", "days_after_anchor", "every",
                               "days_after_activation") if k in reminder]
        if not timings:
            self.error(path, f"reminder '{rid}' needs days_after_start, days_before_deadline, days_after_anchor, "
                             "days_after_activation or every")
        elif len(timings) >= 2:
            self.error(path + (timings[1],), f"reminder '{rid}' has both {timings[0]} "
                                             f"and {timings[1]}; keep one")
        for key in ("days_before_deadline", "every", "days_after_activation"):
            if key in reminder and "module" not in reminder:
                self.error(path + (key,), f"reminder '{rid}': {key} needs a module")
        if "at" in reminder and not {"every", "days_after_activation"} & set(reminder):
            self.error(path + ("at",), f"reminder '{rid}': at is the time of day of every or "
                                       "days_after_activation; the other timings have their own time")
        if "every" in reminder and "at" not in reminder:
            self.error(path + ("every",), f"reminder '{rid}': every needs at, the time of day (e.g. at: \"07:30\")")
        self.check_anchor(path, reminder, f"reminder '{rid}'")

    def check_auto_start(self, path: Path, battery: dict[str, Any], where: str) -> None:
        """A battery's auto_start has one timing: days_after_start, or anchor with days_after_anchor."""
        auto = battery.get("auto_start")
        if not isinstance(auto, dict):
            return
        timings = [k for k in ("days_after_start", "days_after_anchor") if k in auto]
        if not timings:
            self.error(path + ("auto_start",), f"auto_start of {where} needs days_after_start or days_after_anchor")
        elif len(timings) == 2:
            self.error(path + ("auto_start", "days_after_anchor"),
                       f"auto_start of {where} has both days_after_start and days_after_anchor; keep one")
        self.check_anchor(path + ("auto_start",), auto, where)

    def check_anchor(self, path: Path, owner: dict[str, Any], where: str) -> None:
        """anchor and days_after_anchor go together; the anchor names a date question of a form."""
        if ("anchor" in owner) != ("days_after_anchor" in owner):
            given, missing = ("anchor", "days_after_anchor") if "anchor" in owner else ("days_after_anchor", "anchor")
            self.error(path + (given,), f"{where}: {given} needs {missing}")
        anchor = owner.get("anchor")
        form_id, qid = text(anchor, "form"), text(anchor, "question")
        forms = {text(f, "id"): f for _, f in items(self.data, "forms", ())}
        if form_id is None or qid is None:
            return
        if form_id not in forms:
            self.error(path + ("anchor", "form"), f"unknown form '{form_id}' in the anchor of {where}"
                                                  f"{did_you_mean(form_id, forms)}")
            return
        questions = {text(q, "id"): q for _, q in items(forms[form_id], "questions", ())}
        question = questions.get(qid)
        if question is None:
            self.error(path + ("anchor", "question"), f"form '{form_id}' has no question '{qid}' (the anchor of "
                                                      f"{where}){did_you_mean(qid, questions)}")
        elif text(question, "type") != "date":
            self.error(path + ("anchor", "question"), f"the anchor of {where} must be a date question; "
                                                      f"'{qid}' in form '{form_id}' is {text(question, 'type')}")


def location_value(data: Any, path: Path) -> Any:
    """The value at `path` (keys and list indexes) inside `data`."""
    for part in path:
        data = data[part]
    return data


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _usable_in_expressions(qid: str) -> bool:
    """Whether the id parses as a plain name (not a keyword such as `in` or `true`)."""
    try:
        node = expressions.parse(qid)
    except ExpressionError:
        return False
    return isinstance(node, expressions.Name) and node.id == qid


def expression_location(doc: YamlDocument, path: Path, offset: int) -> Location | None:
    """Where character `offset` of the expression at `path` is in the file (the value start if unsure)."""
    start = location_for(doc.values, path)
    node = doc.scalars.get(path)
    if node is None or start is None or node.start_mark.line != node.end_mark.line:
        return start
    raw = doc.text[node.start_mark.index:node.end_mark.index]
    if is_plain(node):
        return Location(start.file, start.line, start.col + max(0, min(offset, len(raw))))
    if node.style not in ("'", '"'):
        return start
    return Location(start.file, start.line, start.col + 1 + _raw_offset(raw[1:], offset, node.style))


def _raw_offset(raw: str, offset: int, style: str) -> int:
    """Map an offset in a quoted scalar's value to an offset in its source (escapes take more room)."""
    i = decoded = 0
    while decoded < offset and i < len(raw):
        if style == "'" and raw.startswith("''", i):
            i += 2
        elif style == '"' and raw[i] == "\\" and i + 1 < len(raw):
            i += {"x": 4, "u": 6, "U": 10}.get(raw[i + 1], 2)
        else:
            i += 1
        decoded += 1
    return i
