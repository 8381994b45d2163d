"""JSON Schema validation of program data, with every error turned into a located, plain-language problem.

Messages say what was expected and what was received ("default_days: expected a whole number, received
the text 'sju'"), unknown keys point at the key itself with "did you mean …?".
"""
from __future__ import annotations

import datetime as _dt
import difflib
import json
import re
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any, Iterable, Mapping

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ..errors import Location, Problem
from .yamlpos import Path, YamlDocument, field_label, location_for, schema_at

SCHEMA_FILE = FsPath(__file__).parent.parent / "program.schema.json"

_EXPECTED = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value lines)",
    "null": "nothing",
}
#: when one value breaks several rules, report the most basic one only
_PRIORITY = {"type": 0, "enum": 1, "const": 1, "pattern": 2, "minLength": 2}


@lru_cache(maxsize=1)
def program_schema() -> dict[str, Any]:
    """The program JSON Schema (engine/program.schema.json), parsed once."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    """The validator, built once per process over the schema with its local `$ref`s inlined (see `inline_refs`)."""
    return Draft202012Validator(inline_refs(program_schema()))


#: keywords whose value is a subschema, a list of subschemas, or a mapping of names to subschemas
_SUBSCHEMA = {"items", "additionalProperties", "propertyNames", "not", "contains", "if", "then", "else",
              "unevaluatedItems", "unevaluatedProperties"}
_SUBSCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SUBSCHEMA_MAPS = {"properties", "patternProperties", "dependentSchemas"}
#: keywords that only describe; a `$ref` next to nothing else can be replaced by its target
_ANNOTATIONS = {"description", "title", "examples", "default", "$comment"}


def inline_refs(root: dict[str, Any]) -> dict[str, Any]:
    """The schema with every local `{"$ref": "#/..."}` (beside annotations only) replaced by a copy of its
    target. The errors are the same, but jsonschema no longer looks each reference up while validating,
    which halves its time on a whole program. A recursive reference (or any other) stays as it is."""

    def inline(schema: Any, active: frozenset[str]) -> Any:
        if not isinstance(schema, dict):
            return schema
        ref = schema.get("$ref")
        alone = set(schema) - {"$ref"} <= _ANNOTATIONS
        if alone and isinstance(ref, str) and ref.startswith("#/") and ref not in active:
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            if isinstance(target, dict) and "$id" not in target:
                return inline(target, active | {ref})
        copy = dict(schema)
        for key, value in schema.items():
            if key in _SUBSCHEMA:
                copy[key] = inline(value, active)
            elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
                copy[key] = [inline(v, active) for v in value]
            elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
                copy[key] = {name: inline(v, active) for name, v in value.items()}
        return copy

    inlined: dict[str, Any] = inline(root, frozenset())
    return inlined


def schema_problems(doc: YamlDocument) -> list[tuple[Path, Problem]]:
    """Every schema violation of the document's data as (path, problem), in source order."""
    found: dict[tuple[Any, ...], tuple[int, Path, Problem]] = {}
    for error in _validator().iter_errors(doc.data):
        for path, problem, per_value in _describe_error(error, doc):
            # several rules broken by one value (type and pattern …) → keep the most basic message
            slot: tuple[Any, ...] = (path, "value") if per_value else (path, problem.message)
            rank = _PRIORITY.get(error.validator, 5)
            if slot not in found or rank < found[slot][0]:
                found[slot] = (rank, path, problem)
    result = [(path, problem) for _, path, problem in found.values()]
    # a misspelt required key gives "unknown key 'titel' …; did you mean 'title'?" — that says it all
    suggested = {(path[:-1], problem.message.rsplit("did you mean ", 1)[-1]) for path, problem in result
                 if problem.message.startswith("unknown key ") and "did you mean" in problem.message}
    result = [(path, problem) for path, problem in result
              if not _is_missing_key(problem) or (path, _missing_key(problem)) not in suggested]
    result.sort(key=lambda item: _order(item[1]))
    return result


def _is_missing_key(problem: Problem) -> bool:
    return problem.message.startswith("missing required key ")


def _missing_key(problem: Problem) -> str:
    # "missing required key 'title' in module" → "'title'?" (the form the suggestion takes)
    return problem.message.split(" ")[3] + "?"


def _order(problem: Problem) -> tuple[int, int]:
    loc = problem.location
    return (loc.line, loc.col) if loc else (0, 0)


def _describe_error(error: ValidationError, doc: YamlDocument) -> Iterable[tuple[Path, Problem, bool]]:
    """One or more (path, problem, is_value_error) for a jsonschema error."""
    path: Path = tuple(error.absolute_path)
    instance: Any = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    kind = error.validator
    if kind == "additionalProperties" and isinstance(instance, Mapping):
        owner = schema_at(program_schema(), path) or schema
        title = owner.get("title", field_label(path))
        allowed = list(owner.get("properties", {}))
        for key in instance:
            if key in allowed:
                continue
            where = doc.keys.get(path + (key,)) or _where(doc, path)
            yield path + (key,), Problem(where, _unknown_key(key, title, allowed, instance)), False
        return
    if kind == "required" and isinstance(instance, Mapping):
        owner = schema_at(program_schema(), path) or schema
        title = owner.get("title", field_label(path))
        required: Any = error.validator_value  # the list of required keys
        for key in required:
            if key not in instance:
                yield path, Problem(_where(doc, path), f"missing required key '{key}' in {title}"), False
        return
    if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
        # a key of a free-form mapping (golden test answers) breaks the key pattern
        where = doc.keys.get(path + (instance,)) or _where(doc, path)
        message = f"{field_label(path)}: expected {_pattern_text(schema)} as key, received '{instance}'"
        yield path + (instance,), Problem(where, message), False
        return
    label = field_label(path) if path else "program"
    yield path, Problem(_where(doc, path), f"{label}: {_value_message(error)}"), True


def _where(doc: YamlDocument, path: Path) -> Location | None:
    return location_for(doc.values, path)


def _unknown_key(key: str, title: str, allowed: list[str], instance: Mapping[str, Any]) -> str:
    missing = [k for k in allowed if k not in instance]
    close = difflib.get_close_matches(key, missing, n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}' in {title}; did you mean '{close[0]}'?"
    return f"unknown key '{key}' in {title}; allowed keys: {', '.join(allowed)}"


def _value_message(error: ValidationError) -> str:
    """'expected X, received Y' for rules about a single value."""
    kind, value = error.validator, error.instance
    rule: Any = error.validator_value  # its shape depends on `kind`
    if kind == "type":
        types = [rule] if isinstance(rule, str) else list(rule)
        expected = " or ".join(_EXPECTED.get(t, t) for t in types)
        return f"expected {expected}, received {describe(value)}"
    if kind == "enum":
        choices = [str(c) for c in rule]
        message = f"expected {_one_of(choices)}, received {describe(value)}"
        if isinstance(value, str):
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean '{close[0]}'?"
        return message
    if kind == "pattern":
        return f"expected {_pattern_text(error.schema)}, received {describe(value)}"
    if kind == "minLength":
        return f"expected non-empty text, received {describe(value)}"
    if kind == "minimum":
        return f"expected at least {rule}, received {describe(value)}"
    if kind == "maximum":
        return f"expected at most {rule}, received {describe(value)}"
    if kind == "minItems":
        noun = "item" if rule == 1 else "items"
        return f"expected at least {rule} {noun}, received {_count(value)}"
    return error.message


def _one_of(choices: list[str]) -> str:
    if len(choices) == 2:
        return f"{choices[0]} or {choices[1]}"
    return "one of (" + ", ".join(choices) + ")"


def _pattern_text(schema: Any) -> str:
    if isinstance(schema, Mapping):
        message = schema.get("patternErrorMessage")
        if isinstance(message, str):
            return message
        return f"text matching {schema.get('pattern')}"
    return "text of another form"


def _count(value: Any) -> str:
    if isinstance(value, list) and not value:
        return "an empty list"
    return describe(value)


def describe(value: Any) -> str:
    """A short plain-language description of a YAML value, for 'received …'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        shown = re.sub(r"\s+", " ", shown)
        return f"the text '{shown}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (_dt.date, _dt.time)):
        return f"the {type(value).__name__} {value.isoformat()}"
    return f"a value of type {type(value).__name__}"
