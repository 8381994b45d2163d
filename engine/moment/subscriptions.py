"""A clinician's flag subscription from plain data (a form, a scenario file) to a checked `FlagRule`."""
from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import date, datetime
from typing import Any, Mapping

from ..localtime import local_date
from ..model import Program
from .flags import RULES, DateReminder, FlagRule, SubscriptionError

__all__ = ["parse_subscription", "check_new_subscription"]

#: Skapa ny flagga with a date before today
PAST_DATE = "Datumet har redan passerat. Välj dagens datum eller ett senare."


def parse_subscription(program: Program, data: Mapping[str, Any], *,
                       since: datetime | None = None) -> FlagRule:
    """Build a rule from plain data such as {flag: patient_inactivity, days: 7}; SubscriptionError if bad."""
    data = dict(data)
    kind = data.pop("flag", None)
    cls = RULES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise SubscriptionError(f"Okänd flaggtyp {kind!r}; välj en av {', '.join(RULES)}.")
    params = {f.name: f for f in fields(cls) if f.name != "since"}
    unknown = sorted(set(data) - set(params))
    if unknown:
        allowed = ", ".join(params) or "inga"
        raise SubscriptionError(f"Flaggtypen {kind} har ingen parameter {unknown[0]!r} (tillåtna: {allowed}).")
    values: dict[str, Any] = {}
    for name, f in params.items():
        if name in data:
            values[name] = _param(kind, name, data[name])
        elif f.default is MISSING and f.default_factory is MISSING:
            raise SubscriptionError(f"Flaggtypen {kind} behöver parametern {name!r}.")
    _check_refs(program, kind, values)
    return cls(since=since, **values)


def check_new_subscription(rule: FlagRule, now: datetime) -> None:
    """A new subscription must be able to fire: a date reminder for a past day is refused."""
    if isinstance(rule, DateReminder) and rule.date < local_date(now):
        raise SubscriptionError(PAST_DATE)


def _param(kind: str, name: str, value: Any) -> Any:
    if name in ("days", "days_before"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SubscriptionError(f"{kind}: {name} måste vara ett heltal ≥ 0, fick {value!r}.")
        return value
    if name == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise SubscriptionError(f"{kind}: ogiltigt datum {value!r}; skriv ÅÅÅÅ-MM-DD.") from None
    if not isinstance(value, str):
        raise SubscriptionError(f"{kind}: {name} måste vara text, fick {value!r}.")
    return value


def _check_refs(program: Program, kind: str, values: Mapping[str, Any]) -> None:
    """Module, form and battery parameters must name things the program has."""
    if "module" in values and program.module(values["module"]) is None:
        raise SubscriptionError(f"{kind}: okänd modul {values['module']!r}.")
    if "form" in values and program.form(values["form"]) is None:
        raise SubscriptionError(f"{kind}: okänt formulär {values['form']!r}.")
    if "battery" in values and program.battery(values["battery"]) is None:
        raise SubscriptionError(f"{kind}: okänt mätbatteri {values['battery']!r}.")
