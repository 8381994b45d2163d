"""Förslag on Hantera: the template global its partial (clinician/_suggestions.html) reads."""
from __future__ import annotations

from .. import clock
from ..services.clinician import suggestions as suggestion_service
from ..services.clinician.hantera import HanteraView
from ..services.types import Enrollment
from .blueprint import bp


@bp.app_template_global("module_suggestions")
def module_suggestions(enrollment: Enrollment, view: HanteraView) -> list[suggestion_service.SuggestionView]:
    """The modules the patient's answers suggest, from Hantera's read model (the clinician decides)."""
    return suggestion_service.for_hantera(enrollment, view, clock.today())
