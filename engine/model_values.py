"""Interpretation bands, computed values and alert holds of the frozen program model (re-exported by engine.model)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Location

__all__ = ["Band", "Computed", "Holds"]


@dataclass(frozen=True)
class Band:
    """An interpretation band of a score or computed value: min ≤ value ≤ max gives `label` (and
    optional feedback). A band written with `from:`/`below:` is exact: `from` is included, `below`
    is not (`max_excluded`), and a missing end is infinite; see engine.forms.scoring for the rules."""

    min: float
    max: float
    label: str
    feedback: str | None = None
    #: written with from/below: contains exactly min ≤ value (< or ≤) max, no integer rule
    exact: bool = False
    #: the upper bound is `below:` (not included)
    max_excluded: bool = False

    def contains(self, value: float) -> bool:
        """Whether a value lies in the band read exactly (min included, max unless `max_excluded`)."""
        return self.min <= value and (value < self.max if self.max_excluded else value <= self.max)


@dataclass(frozen=True)
class Computed:
    """A value computed from a form's answers (`computed:`), e.g. sleep efficiency: evaluated in order
    after the answers, so a later computed value, an alert or a band may use it; rounded to `round`
    decimals when given (what the patient reads is what the rules use) and shown with `label` and `unit`."""

    id: str
    expr: str
    label: str
    round: int | None = None
    unit: str | None = None
    bands: tuple[Band, ...] = ()
    location: Location | None = field(default=None, compare=False)
    #: shown as a trend chart (with a table of the same numbers) over the form's entries
    trend: bool = False


@dataclass(frozen=True)
class Holds:
    """What an alert keeps from the patient until its flag is handled (or the hold released by hand),
    and the plain-language `text` the patient sees meanwhile. Meddelanden are never held."""

    text: str
    forms: tuple[str, ...] = ()
    #: "module/step"
    steps: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Everything held, as golden tests list it: form ids, "module/step" and module ids."""
        return self.forms + self.steps + self.modules
