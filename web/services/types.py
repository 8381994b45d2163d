"""The value types views may name in annotations: rows from web.models and values from engine.model.

Views never import web.models or engine (the layer rule); services hand them these objects, and a view
that wants to say what it receives names the type through this module.
"""
from __future__ import annotations

from engine.model import Form, Module, Program, Step
from ..models import ActivityPlan, CareUnit, Enrollment, Flag, FlagSubscription, Membership, Patient

__all__ = ["ActivityPlan", "CareUnit", "Enrollment", "Flag", "FlagSubscription", "Form", "Membership", "Module",
           "Patient", "Program", "Step"]
