"""Scenario files for `stegvis simulate`: YAML with positions → JSON Schema → checked Scenario.

Every problem is reported at once as `scenario.yaml:LINE:COL: error: …` (a ProgramError), the way
program files are. The schema (engine/scenario.schema.json) is the single source of which fields
each verb takes; docs/scenario.md documents the format.
"""
from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any, Iterator, Mapping

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..errors import Location, Problem, ProgramError
from ..moment.flags import FlagRule, SubscriptionError
from ..moment.subscriptions import parse_subscription
from ..loader import load_program
from ..loader.schema import describe
from ..localtime import at_local, localize
from ..model import Program
from ..moment.patient import json_value
from ..moment.schedule import ActivityPlan, PlanError, plan_from_dict
from ..moment.state import Actor
from ..loader.yamlpos import Path, YamlDocument, field_label, is_plain, location_for, parse_yaml

__all__ = ["Action", "Scenario", "load_scenario", "scenario_schema", "PATIENT", "DEFAULT_CLINICIAN"]

SCHEMA_FILE = FsPath(__file__).parent.parent / "scenario.schema.json"
PATIENT_VERBS = frozenset({"view_step", "save_form", "submit_form", "register_activity", "skip_activity"})
DEFAULT_CLINICIAN = Actor("clinician", "behandlare", "Behandlare")
PATIENT = Actor("patient", "invanare", "Invånaren")
_EXPECTED = {"string": "text", "integer": "a whole number", "number": "a number",
             "boolean": "true or false", "array": "a list", "object": "a mapping", "null": "nothing"}


@dataclass(frozen=True)
class Action:
    """One scripted action: when, who (patient or clinician), which verb, its arguments, where written."""

    at: datetime
    actor: str
    verb: str
    args: Mapping[str, Any]
    location: Location
    expect_error: bool = False


@dataclass(frozen=True)
class Scenario:
    """A checked scenario, ready to run."""

    path: str
    program: Program
    start: datetime
    until: date
    clinician: Actor
    care_unit: str | None
    subscriptions: tuple[FlagRule, ...]
    actions: tuple[Action, ...]
    plans: Mapping[str, ActivityPlan] = field(default_factory=dict)

    @property
    def end(self) -> datetime:
        """The last instant simulated: the end of the `until` day."""
        return at_local(self.until + timedelta(days=1)) - timedelta(microseconds=1)


@lru_cache(maxsize=1)
def scenario_schema() -> dict[str, Any]:
    """The scenario JSON Schema, parsed once."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and check a scenario file and the program it names; raise ProgramError with every problem."""
    filename = os.fspath(path)
    try:
        text = FsPath(filename).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgramError([Problem(Location(filename, 1, 1), f"cannot read the scenario: {exc}")]) from None
    doc = parse_yaml(text, filename, scenario_schema())
    if doc.problems:
        raise ProgramError(_sorted(doc.problems))
    if not isinstance(doc.data, Mapping):
        raise ProgramError([Problem(location_for(doc.values, ()), "a scenario is a mapping with program, "
                                                                 "start, until and actions")])
    data = json_value(doc.data)  # YAML dates and times as ISO text: the schema and the checker see one form
    problems = _schema_problems(data, doc)
    if problems:
        raise ProgramError(_sorted(problems))
    return _Checker(filename, data, doc).scenario()


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.location.line, p.location.col) if p.location else (0, 0))


# --- schema errors as located, plain-language problems -------------------------------------------


def _schema_problems(data: Any, doc: YamlDocument) -> list[Problem]:
    found: dict[tuple[Any, ...], Problem] = {}
    for error in Draft202012Validator(scenario_schema()).iter_errors(data):
        for key, problem in _describe(error, doc, data):
            found.setdefault(key, problem)
    return list(found.values())


def _describe(error: ValidationError, doc: YamlDocument, data: Any) -> Iterator[tuple[tuple[Any, ...], Problem]]:
    path: Path = tuple(error.absolute_path)
    where = location_for(doc.values, path)
    instance: Any = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    rule: Any = error.validator_value  # its shape depends on error.validator
    owner = _at(data, path)
    verb = owner.get("do") if isinstance(owner, Mapping) else None
    if isinstance(owner, Mapping) and isinstance(owner.get("flag"), str):
        verb = f"flag: {owner['flag']}"
    elif isinstance(verb, str):
        verb = f"do: {verb}"
    if error.validator == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f"; allowed keys: {', '.join(allowed)}"
                title = schema.get("title", field_label(path))
                yield (path, key), Problem(doc.keys.get(path + (key,), where), f"unknown key '{key}' in {title}{hint}")
        return
    if error.validator == "required":
        for key in rule:
            if key not in instance:
                context = f" (needed by {verb})" if verb and "then" in error.relative_schema_path else ""
                yield (path, "required", key), Problem(where, f"missing required key '{key}'{context}")
        return
    if "propertyNames" in error.relative_schema_path:
        # keys unknown to the mapping altogether are reported by additionalProperties instead
        known = _defs()["subscription" if "flag" in owner else "action"]["properties"]
        if instance in known:
            takes = ", ".join(k for k in rule)
            yield (path, "unused", instance), Problem(
                doc.keys.get(path + (instance,), where), f"'{instance}' is not used by {verb} (it takes: {takes})")
        return
    if error.validator == "anyOf":
        if path[-1:] == ("plan",):
            return  # the verb's own rule (id or plan mapping) reports the precise problem
        error = best_match(error.context)
        path = tuple(error.absolute_path)
        where = location_for(doc.values, path)
    yield (path, "value"), Problem(where, f"{field_label(path)}: {_value_message(error)}")


def _defs() -> Mapping[str, Any]:
    defs: Mapping[str, Any] = scenario_schema()["$defs"]
    return defs


def _value_message(error: ValidationError) -> str:
    kind, value = error.validator, error.instance
    rule: Any = error.validator_value  # its shape depends on `kind`
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "type":
        types = [rule] if isinstance(rule, str) else list(rule)
        return f"expected {' or '.join(_EXPECTED.get(t, t) for t in types)}, received {describe(value)}"
    if kind == "enum":
        choices = [str(c) for c in rule]
        message = f"expected one of {', '.join(choices)}, received {describe(value)}"
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6) if isinstance(value, str) else []
        return message + (f"; did you mean '{close[0]}'?" if close else "")
    if kind in ("pattern", "not"):
        return f"expected {schema.get('patternErrorMessage', 'text of another form')}, received {describe(value)}"
    if kind == "minimum":
        return f"expected at least {rule}, received {describe(value)}"
    if kind in ("minLength", "minItems"):
        return f"expected something, received {describe(value)}"
    return error.message


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


# --- checks that need more than the schema --------------------------------------------------------


class _Checker:
    """Resolves the program, times, actors, subscriptions and plans; collects every problem."""

    def __init__(self, filename: str, data: Mapping[str, Any], doc: YamlDocument):
        self.filename, self.data, self.doc = filename, data, doc
        self.problems: list[Problem] = []

    def where(self, *path: Any) -> Location:
        return location_for(self.doc.values, tuple(path)) or Location(self.filename, 1, 1)

    def problem(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.where(*path), message))

    def scenario(self) -> Scenario:
        program = self.program = self._program()
        start = self._datetime(("start",))
        until = date.fromisoformat(self.data["until"])
        if start is not None and until < start.date():
            self.problem(("until",), f"until: {until} is before the start ({start:%Y-%m-%d})")
        clinician = _clinician(self.data.get("clinician")) or DEFAULT_CLINICIAN
        subscriptions = self._subscriptions(program, start)
        plans: dict[str, ActivityPlan] = {}
        actions = self._actions(start, until, plans)
        if self.problems or start is None:  # a start that is no date and time is one of the problems
            raise ProgramError(_sorted(self.problems))
        return Scenario(self.filename, program, start, until, clinician, self.data.get("care_unit"),
                        tuple(subscriptions), tuple(actions), plans)

    def _program(self) -> Program:
        name = self.data["program"]
        here = os.path.dirname(os.path.abspath(self.filename))
        candidates = [name] if os.path.isabs(name) else [name, os.path.join(here, name)]
        found = next((c for c in candidates if os.path.isfile(c)), None)
        if found is None:
            raise ProgramError([Problem(self.where("program"), f"program: cannot find {name} (looked in the "
                                                                 f"current directory and in {here})")])
        return load_program(found)

    def _datetime(self, path: tuple[Any, ...]) -> datetime | None:
        text = _at(self.data, path)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.problem(path, f"{field_label(path)}: '{text}' is not a real date and time")
            return None
        return localize(parsed) if parsed.tzinfo is None else parsed

    def _subscriptions(self, program: Program, start: datetime | None) -> list[FlagRule]:
        rules = []
        for i, item in enumerate(self.data.get("subscriptions") or ()):
            try:
                rules.append(parse_subscription(program, item, since=start))
            except SubscriptionError as exc:
                self.problem(("subscriptions", i), str(exc))
        return rules

    def _actions(self, start: datetime | None, until: date, plans: dict[str, ActivityPlan]) -> list[Action]:
        actions: list[Action] = []
        last = start
        end = at_local(until + timedelta(days=1))
        for i, raw in enumerate(self.data.get("actions") or ()):
            at = self._datetime(("actions", i, "at"))
            if at is None or start is None:
                continue
            if at < start:
                self.problem(("actions", i, "at"), f"at: {raw['at']} is before the start of the moment")
            elif at >= end:
                self.problem(("actions", i, "at"), f"at: {raw['at']} is after until ({until})")
            elif last is not None and at < last:
                self.problem(("actions", i, "at"), f"at: {raw['at']} is earlier than the action before it; "
                                                   "keep actions in time order")
            last = max(last, at) if last else at
            args = self._args(i, raw, plans)
            if args is None:
                continue
            verb = raw["do"]
            actor = raw.get("actor") or ("patient" if verb in PATIENT_VERBS else "clinician")
            actions.append(Action(at, actor, verb, args, self.where("actions", i),
                                  bool(raw.get("expect_error", False))))
        return actions

    def _args(self, i: int, raw: Mapping[str, Any], plans: dict[str, ActivityPlan]) -> dict[str, Any] | None:
        """The verb's arguments as engine values (dates, actors, plans), or None after a problem."""
        args = {k: v for k, v in raw.items() if k not in ("at", "actor", "do", "expect_error")}
        verb = raw["do"]
        try:
            if verb == "add_activity_plan":
                plan = plan_from_dict(args["plan"])
                if plan.id in plans:
                    raise PlanError(f"an activity plan with id '{plan.id}' was already added")
                plans[plan.id] = args["plan"] = plan
            elif verb in ("register_activity", "skip_activity") and args["plan"] not in plans:
                raise PlanError(f"plan: no activity plan '{args['plan']}' was added before this action")
        except PlanError as exc:
            self.problem(("actions", i, "plan"), str(exc))
            return None
        if verb in ("save_form", "submit_form", "fill_for_patient"):
            self._check_answers(i, args)
        if "days" in args:  # the scenario's 0 = no limit, as in the program YAML; the engine's is None
            args["days"] = args["days"] or None
        if "until" in args:
            args["until"] = date.fromisoformat(args["until"])
        if "occurrence" in args:
            args["occurrence"] = self._datetime(("actions", i, "occurrence"))
        if "clinician" in args:
            args["clinician"] = _clinician(args["clinician"])
        return args


    def _check_answers(self, i: int, args: dict[str, Any]) -> None:
        """Answers must name questions of the form (a typo would otherwise read as unanswered); an
        unquoted time YAML 1.1 read as a number (`23:30` → 84600) is taken as the text written."""
        form = self.program.form(args["form"])
        if form is None:
            return
        ids = [q.id for q in form.questions]
        answers = args.get("answers") or {}
        for key, value in list(answers.items()):
            question = form.question(key)
            node = self.doc.scalars.get(("actions", i, "answers", key))
            if question is not None and question.type == "time" and not isinstance(value, str) \
                    and node is not None and is_plain(node):
                args["answers"] = answers = {**answers, key: node.value}
            if key not in ids:
                close = difflib.get_close_matches(key, ids, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f"; its questions: {', '.join(ids)}"
                self.problem(("actions", i, "answers", key), f"answers: form {form.id} has no question '{key}'{hint}")


def _clinician(data: Mapping[str, Any] | None) -> Actor | None:
    if not data:
        return None
    return Actor("clinician", data["id"], data["name"], data.get("unit"))

