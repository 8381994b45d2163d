"""Module suggestions for one moment: which upcoming modules the answers suggest to the clinician.

A suggestion is shown on Hantera with the usual "Sätt till aktuell" button; the engine never
activates a module because of one. Only upcoming modules (kommande) of a moment that has not ended are
suggested: a module the clinician has set to aktuell or avklarad is not; one set back to kommande is
suggested again while the answers still say so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from ..forms.suggestions import suggesting_modules
from ..model import Program
from .state import MomentState

__all__ = ["Suggestion", "suggested_modules"]


@dataclass(frozen=True)
class Suggestion:
    """One suggested module: why (the rule's reason) and where it was answered."""

    module: str
    reason: str
    #: the form whose answers suggest it, the id of the rule that holds, and the number of the
    #: first step showing the form (e.g. "1.2"; None if no step shows it)
    form: str
    rule: str
    step_number: str | None = None


def suggested_modules(program: Program, state: MomentState,
                      answers_by_form: Mapping[str, Mapping[str, Any]], *,
                      today: date | None = None) -> tuple[Suggestion, ...]:
    """The upcoming modules that the newest submitted answers suggest, in the program's module order.

    `answers_by_form` maps a form id to its newest submitted (typed) answers; forms never submitted
    are absent. A module is suggested once, by its first rule that holds.
    """
    if state.status == "ended":
        return ()
    candidates = [m for m in program.modules if m.suggest and _upcoming(state, m.id)]
    found: dict[str, Suggestion] = {}
    for form_id, values in answers_by_form.items():
        form = program.form(form_id)
        if form is None:
            continue
        for module, rule in suggesting_modules(form, candidates, values, today=today):
            if module.id not in found:
                found[module.id] = Suggestion(module.id, rule.reason, form.id, rule.id, _step_number(program, form.id))
    order = {m.id: i for i, m in enumerate(program.modules)}
    return tuple(sorted(found.values(), key=lambda s: order[s.module]))


def _upcoming(state: MomentState, module_id: str) -> bool:
    module = state.modules.get(module_id)
    return module is not None and module.state == "upcoming"


def _step_number(program: Program, form_id: str) -> str | None:
    return next((s.number for m in program.modules for s in m.steps if form_id in s.forms), None)
