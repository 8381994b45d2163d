"""Behandlarvyn: every clinician screen of the manual, one module per tab or concern."""
from __future__ import annotations

from . import activity, admin, events, gallring, messages, moment, overview, statistics, timeline  # noqa: F401  (routes)
from . import upgrade  # noqa: F401  (routes: Flytta till version X)
from . import suggestions  # noqa: F401  (the Förslag partial's template global)
from . import confirm, moment_extras  # noqa: F401  (routes: confirmations, links, Egenskaper)
from . import values  # noqa: F401  (routes: values the clinician sets for the patient)
from .blueprint import bp

__all__ = ["bp"]
