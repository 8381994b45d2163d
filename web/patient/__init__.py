"""Invånarvyn: what the patient sees — Stöd och behandling, steps and forms, messages, activities, settings."""
from __future__ import annotations

from . import account, activities, audio, messages, program  # noqa: F401  (routes register on bp)
from .blueprint import bp, moment_required, patient_required

__all__ = ["bp", "moment_required", "patient_required"]
