"""Förslag on Hantera: the upcoming modules that the patient's newest submitted answers suggest.

The program says which answers suggest which module (`suggest:` on a module, e.g. "Ja, jag är gravid"
in 1.2 suggests Graviditet); engine.moment.suggestions decides. A suggestion only offers the usual
"Sätt till aktuell" button: nothing is activated without the clinician. Read-only, and it reuses the rows
the Hantera read model has loaded (module states, the newest submission of each form), so the Förslag
card costs no query.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.errors import EngineError
from engine.forms import from_json
from engine.model import frozen_map
from engine.moment.state import SYSTEM, ModuleState, MomentState
from engine.moment.suggestions import suggested_modules

from ...models import Enrollment
from .hantera import HanteraView


@dataclass(frozen=True)
class SuggestionView:
    module: str
    #: the module title, e.g. "Graviditet och tobak"
    title: str
    #: why, from the program, e.g. "invånaren har svarat att hon är gravid"
    reason: str
    #: the step where it was answered, e.g. "1.2" (None if no step shows the form)
    step_number: str | None
    #: Dagar kvar the module gets when set to aktuell from the suggestion
    days: int

    @property
    def text(self) -> str:
        """"Modul Graviditet och tobak – invånaren har svarat att hon är gravid (1.2)."."""
        where = f" ({self.step_number})" if self.step_number else ""
        return f"Modul {self.title} – {self.reason}{where}."


def for_hantera(enrollment: Enrollment, view: HanteraView, today: date) -> list[SuggestionView]:
    """The moment's suggestions in the program's module order, from what Hantera has already read:
    the module states and the newest submitted answers of each form (no further queries)."""
    program = view.program
    form_ids = {rule.form for module in program.modules for rule in module.suggest}
    if not form_ids or enrollment.status == "ended":
        return []
    modules = [*view.current, *view.others]
    latest = {f.id: f.latest for m in modules for f in m.forms if f.id in form_ids and f.latest is not None}
    answers = {}
    for form_id, response in latest.items():
        try:
            answers[form_id] = from_json(program.form(form_id), response.answers or {})
        except EngineError:
            continue  # unreadable stored answers suggest nothing
    if not answers:
        return []
    state = MomentState(  # what suggested_modules reads: the moment's status and its modules' states
        program_id=program.id, program_version=program.version, started_at=enrollment.started_at, clinician=SYSTEM,
        status=enrollment.status, modules=frozen_map({m.id: ModuleState(m.id, m.state) for m in modules}))
    days = {m.id: m.days for m in modules}
    views = []
    for s in suggested_modules(program, state, answers, today=today):
        module = program.module(s.module)
        title = module.title if module is not None else s.module
        default = (module.default_days if module is not None else None) or 0
        views.append(SuggestionView(s.module, title, s.reason, s.step_number, days.get(s.module) or default))
    return views
