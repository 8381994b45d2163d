"""Behandlarvyn: every clinician screen of the manual, one module per tab or concern."""
from __future__ import annotations

from . import activity, admin, events, messages, moment, overview, timeline  # noqa: F401  (routes register on bp)
from .blueprint import bp

__all__ = ["bp"]
