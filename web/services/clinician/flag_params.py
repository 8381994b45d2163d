"""Skapa ny flagga: the parameters of each flag type as the form shows them, and a subscription in words."""
from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, Mapping

from engine.model import Program
from engine.moment import flags as engine_flags

#: every flag type the engine knows
RULES = engine_flags.RULES

#: parameter → (label, help) as the form shows it; "days" depends on the flag type
PARAM_LABELS = {
    "form": ("Formulär", "Lämna tomt för alla formulär."),
    "battery": ("Mätbatteri", "Lämna tomt för alla mätbatterier."),
    "plan": ("Aktivitetsplan", "Lämna tomt för alla aktivitetsplaner."),
    "module": ("Modul", None),
    "days_before": ("Dagar kvar när påminnelsen kommer", None),
    "date": ("Datum", None),
    "note": ("Anteckning", "Visas i flaggan."),
}
DAYS_LABELS = {
    "form_review": ("Dagar innan flaggan kommer om formuläret inte öppnats", "0 = direkt när det skickas in."),
    "patient_inactivity": ("Antal dagar utan aktivitet", None),
    "moment_ending_soon": ("Dagar före rekommenderad längd", None),
}
#: parameters that are a whole number of days
DAY_PARAMS = ("days", "days_before")


def param_specs(flag_type: str) -> list[dict]:
    """The parameters of a flag type with labels, widgets and whether they are required."""
    cls = engine_flags.RULES[flag_type]
    specs = []
    for f in fields(cls):
        if f.name == "since":
            continue
        label, help_ = DAYS_LABELS.get(flag_type, ("Antal dagar", None)) if f.name == "days" else PARAM_LABELS.get(
            f.name, (f.name, None))
        required = f.default is MISSING and f.default_factory is MISSING
        specs.append({"name": f.name, "label": label, "help": help_, "required": required,
                      "default": None if required else f.default})
    return specs


def describe_params(flag_type: str, params: Mapping[str, Any] | None, program: Program | None = None) -> str:
    """A subscription's parameters in words ("Antal dagar utan aktivitet: 7"); empty ones left out."""
    if flag_type not in engine_flags.RULES:
        return ""
    labels = {spec["name"]: spec["label"] for spec in param_specs(flag_type)}
    parts = []
    for name, value in (params or {}).items():
        if value in (None, ""):
            continue
        named = None
        if program is not None and name == "module":
            named = program.module(value)
        elif program is not None and name == "form":
            named = program.form(value)
        elif program is not None and name == "battery":
            named = program.battery(value)
        value = named.title if named is not None else value
        parts.append(f"{labels.get(name, name)}: {value}")
    return ", ".join(parts)
