"""Behandlarvyn: every clinician screen of the manual, one module per tab or concern."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("clinician", __name__)

from . import activity, admin, events, gallring, messages, moment, overview, statistics, timeline  # noqa: E402,F401  (routes register on bp)
