"""Module suggestions (`suggest:` on a module): whether a rule holds for a form's answers, and the
golden tests that list the modules a form's answers must suggest (`suggests:` in a form test).

A rule's `when` is evaluated like an alert's: over the visible answers (a hidden question is
unanswered), with `today` as what today() means. Which modules the clinician sees on Hantera is
decided by engine.moment.suggestions (only upcoming modules).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from ..expr import evaluate, truthy
from ..model import Form, FormTest, Module, SuggestRule
from .answers import _test_raw, _walk, coerce, validate

__all__ = ["rule_holds", "suggesting_modules", "suggestion_tests"]


def rule_holds(form: Form, rule: SuggestRule, values: Mapping[str, Any], *, today: date | None = None) -> bool:
    """Whether a suggestion rule over `form` holds for these (typed) answers."""
    _, env, scores = _walk(form, values, today)
    return _holds(rule, env, scores, today)


def _holds(rule: SuggestRule, env: Mapping[str, Any], scores: Mapping[str, Any], today: date | None) -> bool:
    return truthy(evaluate(rule.when, env, scores=scores, today=today))


def suggesting_modules(form: Form, modules: Iterable[Module], values: Mapping[str, Any], *,
                       today: date | None = None) -> tuple[tuple[Module, SuggestRule], ...]:
    """Each module that these answers of `form` suggest, with its first rule that holds (author's order).

    The answers are walked (show_if applied, item scores) once for all the rules, not once per rule."""
    found = []
    walked = None
    for module in modules:
        rules = [r for r in module.suggest if r.form == form.id]
        if not rules:
            continue
        if walked is None:
            _, env, scores = walked = _walk(form, values, today)
        rule = next((r for r in rules if _holds(r, env, scores, today)), None)
        if rule is not None:
            found.append((module, rule))
    return tuple(found)


def suggestion_tests(form: Form, modules: Iterable[Module]) -> list[tuple[FormTest, str]]:
    """Golden tests with `suggests:`: exactly the listed modules must be suggested; one message per failure.

    Tests whose answers are rejected are left to `run_tests`, which reports them.
    """
    modules = tuple(modules)
    known = [m.id for m in modules if any(r.form == form.id for r in m.suggest)]
    failures: list[tuple[FormTest, str]] = []
    for test in form.tests:
        if test.suggests is None or not test.valid:
            continue
        unknown = [i for i in test.suggests if i not in known]
        if unknown:
            listed = ", ".join(known) or "none"
            failures += [(test, f"test '{test.name}': module '{i}' has no suggest rule over form '{form.id}' "
                                f"(modules suggested from this form: {listed})") for i in unknown]
            continue
        values, errors = coerce(form, {k: _test_raw(v) for k, v in test.answers.items()})
        if errors or validate(form, values, today=test.today):
            continue
        got = [m.id for m, _ in suggesting_modules(form, modules, values, today=test.today)]
        if sorted(got) != sorted(test.suggests):
            failures.append((test, f"test '{test.name}': expected suggested modules [{', '.join(test.suggests)}], "
                                   f"got [{', '.join(got)}]"))
    return failures
