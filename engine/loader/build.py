"""Build the frozen model (engine.model) from program data that passed the schema and cross checks."""
from __future__ import annotations

import math
from typing import Any

from ..errors import Location
from ..expr import parse_date_literal, parse_time_literal
from ..model import (CHOICE_TYPES, Alert, Anchor, AutoStart, Band, Battery, Computed, EndReason, Form, FormTest,
                    Holds, Module, Option, Question, Reminder, Scoring, Step, SuggestRule, Subscale, Validation,
                    frozen_map)
from .yamlpos import Path, YamlDocument, is_plain, location_for


class ModelBuilder:
    """Turns validated raw dicts into model objects, attaching source locations."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc

    def where(self, path: Path) -> Location | None:
        """The Location of the value at `path` (nearest parent as a fallback)."""
        return location_for(self.doc.values, path)

    def form(self, raw: dict[str, Any], path: Path) -> Form:
        """A Form from a schema-valid `forms[i]` mapping."""
        questions = tuple(self.question(q, path + ("questions", i)) for i, q in enumerate(raw["questions"]))
        tests = tuple(self.test(t, path + ("tests", i), questions) for i, t in enumerate(raw.get("tests", [])))
        return Form(
            id=raw["id"],
            title=raw["title"],
            questions=questions,
            intro=raw.get("intro"),
            scoring=self.scoring(raw["scoring"]) if "scoring" in raw else None,
            feedback=raw.get("feedback"),
            resubmit=raw.get("resubmit", False),
            tests=tests,
            location=self.where(path),
            alerts=tuple(self.alert(a, path + ("alerts", i)) for i, a in enumerate(raw.get("alerts", []))),
            computed=tuple(Computed(c["id"], c["expr"], c["label"], c.get("round"), c.get("unit"),
                                    tuple(band(b) for b in c.get("bands", [])), self.where(path + ("computed", i)),
                                    c.get("trend", False))
                           for i, c in enumerate(raw.get("computed", []))),
            entries=raw.get("entries", False),
            filled_by=raw.get("filled_by", "patient"),
        )

    def alert(self, raw: dict[str, Any], path: Path) -> Alert:
        """An Alert from a schema-valid `alerts[i]` mapping, with what it holds."""
        held = raw.get("holds")
        holds = None if held is None else Holds(held["text"], tuple(held.get("forms", [])),
                                               tuple(held.get("steps", [])), tuple(held.get("modules", [])))
        return Alert(raw["id"], raw["when"], raw["title"], raw.get("feedback"), self.where(path),
                     urgent=raw.get("urgent", False), holds=holds)

    def question(self, raw: dict[str, Any], path: Path) -> Question:
        return Question(
            id=raw["id"],
            type=raw["type"],
            text=raw["text"],
            required=raw.get("required", False),
            help=raw.get("help"),
            options=tuple(Option(o["id"], o["label"], o.get("score")) for o in raw.get("options", [])),
            min=raw.get("min"),
            max=raw.get("max"),
            min_label=raw.get("min_label"),
            max_label=raw.get("max_label"),
            show_if=raw.get("show_if"),
            validations=tuple(Validation(v["rule"], v["message"]) for v in raw.get("validate", [])),
            location=self.where(path),
        )

    @staticmethod
    def scoring(raw: dict[str, Any]) -> Scoring:
        return Scoring(
            method=raw.get("method", "sum"),
            items=tuple(raw.get("items", [])),
            reverse=tuple(raw.get("reverse", [])),
            missing=raw.get("missing", "error"),
            subscales=tuple(Subscale(s["id"], s["title"], tuple(s["items"]), s.get("method", "sum"))
                            for s in raw.get("subscales", [])),
            bands=tuple(band(b) for b in raw.get("bands", [])),
            expression=raw.get("expression"),
            round=raw.get("round"),
        )

    def test(self, raw: dict[str, Any], path: Path, questions: tuple[Question, ...]) -> FormTest:
        by_id = {q.id: q for q in questions}
        answers = {qid: self.answer(by_id.get(qid), value, path + ("answers", qid))
                   for qid, value in raw["answers"].items()}
        return FormTest(
            name=raw["name"],
            answers=frozen_map(answers),
            score=raw.get("score"),
            band=raw.get("band"),
            subscales=frozen_map(raw.get("subscales", {})),
            valid=raw.get("valid", True),
            location=self.where(path),
            alerts=tuple(raw["alerts"]) if "alerts" in raw else None,
            today=parse_date_literal(raw["today"]) if "today" in raw else None,
            suggests=tuple(raw["suggests"]) if "suggests" in raw else None,
            holds=tuple(raw["holds"]) if "holds" in raw else None,
            computed=frozen_map(raw.get("computed", {})),
            earlier=tuple(frozen_map({qid: self.answer(by_id.get(qid), value, path + ("earlier", n, qid))
                                      for qid, value in entry.items()})
                          for n, entry in enumerate(raw.get("earlier", []))),
            others=frozen_map({form_id: frozen_map({k: self.time_text(v, path + ("others", form_id, k))
                                                    for k, v in values.items()})
                               for form_id, values in raw.get("others", {}).items()}),
        )

    def answer(self, question: Question | None, value: Any, path: Path) -> Any:
        """A golden-test answer read by the question's type, so `12:30` is a time and `no` an option id."""
        if question is None:
            return value
        if question.type == "multiple_choice" and isinstance(value, list):
            return [self.raw_text(item, path + (i,)) for i, item in enumerate(value)]
        if question.type in CHOICE_TYPES or question.type in ("short_text", "long_text"):
            return self.raw_text(value, path)
        if question.type in ("date", "time"):
            text = self.raw_text(value, path)
            if isinstance(text, str):
                parse = parse_date_literal if question.type == "date" else parse_time_literal
                parsed = parse(text)
                return text if parsed is None else parsed
        return value

    def time_text(self, value: Any, path: Path) -> Any:
        """An unquoted time (23:30, which YAML 1.1 reads as the number 1410) as the text written."""
        node = self.doc.scalars.get(path)
        if isinstance(value, int) and node is not None and is_plain(node) and ":" in node.value:
            return node.value
        return value

    def raw_text(self, value: Any, path: Path) -> Any:
        """The source text of a plain scalar that YAML read as something else (bool, number, date)."""
        node = self.doc.scalars.get(path)
        if not isinstance(value, str) and node is not None and is_plain(node) and value is not None:
            return node.value
        return value

    def step(self, raw: dict[str, Any], path: Path, text: str) -> Step:
        return Step(
            id=raw["id"],
            number=raw["number"],
            title=raw["title"],
            content=raw.get("content"),
            text=text,
            forms=tuple(raw.get("forms", [])),
            audio=raw.get("audio", True),
            required_forms=tuple(raw["required_forms"]) if "required_forms" in raw else None,
            location=self.where(path),
        )

    def module(self, raw: dict[str, Any], path: Path, steps: tuple[Step, ...]) -> Module:
        return Module(
            id=raw["id"],
            title=raw["title"],
            kind=raw["kind"],
            default_days=raw["default_days"] or None,  # the manual's 0 = no limit, once, here
            starts_with_moment=raw.get("starts_with_moment", False),
            steps=steps,
            description=raw.get("description"),
            location=self.where(path),
            suggest=self.suggest_rules(raw, path),
        )

    def suggest_rules(self, raw: dict[str, Any], path: Path) -> tuple[SuggestRule, ...]:
        """A module's `suggest:` rules."""
        return tuple(SuggestRule(r["id"], r["form"], r["when"], r["reason"], self.where(path + ("suggest", i)))
                     for i, r in enumerate(raw.get("suggest", [])))

    @staticmethod
    def end_reason(raw: dict[str, Any]) -> EndReason:
        return EndReason(raw["id"], raw["title"])

    @staticmethod
    def battery(raw: dict[str, Any]) -> Battery:
        auto = raw.get("auto_start")
        auto_start = None if auto is None else AutoStart(auto.get("days_after_start"), anchor(auto.get("anchor")),
                                                        auto.get("days_after_anchor"))
        return Battery(raw["id"], raw["title"], tuple(raw["forms"]), raw.get("module"), auto_start)

    @staticmethod
    def reminder(raw: dict[str, Any]) -> Reminder:
        at = parse_time_literal(raw["at"]) if isinstance(raw.get("at"), str) else None
        return Reminder(raw["id"], raw["title"], raw.get("module"), raw.get("days_after_start"),
                        raw.get("days_before_deadline"), anchor(raw.get("anchor")), raw.get("days_after_anchor"),
                        raw.get("every"), at, raw.get("days_after_activation"))


def band(raw: dict[str, Any]) -> Band:
    """A Band from a schema-valid band mapping whose bounds passed `band_bound_problems`."""
    exact = "from" in raw or "below" in raw
    low = raw.get("from", raw.get("min", -math.inf))
    if "below" in raw:
        return Band(low, raw["below"], raw["label"], raw.get("feedback"), exact=True, max_excluded=True)
    return Band(low, raw.get("max", math.inf), raw["label"], raw.get("feedback"), exact=exact)


def band_bound_problems(raw: dict[str, Any]) -> list[str]:
    """What is wrong with a band's bounds: both min and from, both max and below, or a closed band
    missing an end (only from/below may leave one open)."""
    problems = [f"band '{raw.get('label')}': give {a} or {b}, not both" for a, b in (("min", "from"), ("max", "below"))
                if a in raw and b in raw]
    if problems:
        return problems
    if "from" in raw or "below" in raw:
        return []
    return [f"band '{raw.get('label')}': missing '{key}'; write from: or below: for a band open at one end"
            for key in ("min", "max") if key not in raw]


def anchor(raw: dict[str, Any] | None) -> Anchor | None:
    """An Anchor from a schema-valid `anchor` mapping."""
    return None if raw is None else Anchor(raw["form"], raw["question"], raw.get("pick", "newest"))
