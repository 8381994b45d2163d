"""Interpretation bands read exactly (`from:`/`below:` and every band of a computed value): which band
a value falls in, how a band's bounds read, and the gaps, overlaps and uncovered ends of a list of bands.
The whole-number rule of closed score bands is in engine.forms.scoring."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from ..model import Band

#: totals are rounded so float noise (0.1 + 0.2) never moves a score into another band
_DIGITS = 9


def fmt(value: float | None) -> str:
    """A number for English messages: 3.0 → '3', 2.5 → '2.5'."""
    if value is None:
        return "none"
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(round(value, _DIGITS))


def round_half_up(value: float, digits: int) -> float:
    """A number rounded half up (84.5 → 85, not Python's 84) to `digits` decimals."""
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact)


def band_in(bands: tuple[Band, ...], value: float | None, *, whole: bool = False,
            exact: bool = False) -> Band | None:
    """The band a value falls in; `exact` (or any band written with from/below) reads every band exactly."""
    if value is None or not bands:
        return None
    if exact or any(b.exact for b in bands):
        return next((b for b in bands if b.contains(value)), None)
    ordered = sorted(bands, key=lambda b: (b.min, b.max))
    if whole:
        return next((b for b in ordered if b.min <= value <= b.max), None)
    last = ordered[-1]
    for band in ordered:
        if band.min <= value < band.max or (band is last and value == band.max):
            return band
    return None


#: how a band's bounds read: English for authors' messages, Swedish for the clinician's outline
_WORDS = {"en": ("{} to below {}", "below {}", "{} or more", "any value", "{}–{}", "{} or less"),
          "sv": ("{} till under {}", "under {}", "{} eller mer", "alla värden", "{}–{}", "{} eller mindre")}


def span(band: Band, language: str = "en") -> str:
    """A band's bounds: '0–7', 'below 85', '85 or more', '85 to below 95' (Swedish: 'under 85' …)."""
    words = _WORDS[language]
    low, high = fmt(band.min), fmt(band.max)
    if language == "sv":
        low, high = low.replace(".", ","), high.replace(".", ",")
    bounded_low, bounded_high = math.isfinite(band.min), math.isfinite(band.max)
    if band.max_excluded:
        return words[0].format(low, high) if bounded_low else words[1].format(high)
    if not bounded_high:
        return words[2].format(low) if bounded_low else words[3]
    return words[4].format(low, high) if bounded_low else words[5].format(high)


def span_sv(band: Band) -> str:
    """A band's bounds in Swedish: '0–7', 'under 85', '85 eller mer', '85 till under 95'."""
    return span(band, "sv")


def labelled_span(band: Band) -> str:
    """"'label' (bounds)" for English messages."""
    return f"'{band.label}' ({span(band)})"


def end_problems(first: Band, first_low: float, reach: Band, reach_high: float, included: bool,
                  bounds: tuple[float, float]) -> list[str]:
    """Bands that start above the lowest possible value or end below the highest."""
    lo, hi = bounds
    problems = []
    if first_low > lo:
        problems.append(f"bands start at {fmt(first.min)} but the lowest possible score is {fmt(lo)}")
    if reach_high < hi or (reach_high == hi and not included):
        problems.append(f"bands end {'below ' if reach.max_excluded else 'at '}{fmt(reach.max)} but the "
                        f"highest possible score is {fmt(hi)}")
    return problems


def exact_band_problems(bands: tuple[Band, ...], *, whole: bool = False,
                        bounds: tuple[float, float] | None = None) -> list[str]:
    """Empty bands, gaps and overlaps of bands read exactly (and uncovered ends when `bounds` is known)."""
    def low(b: Band) -> float:
        return math.ceil(b.min) if whole and math.isfinite(b.min) else b.min

    def high(b: Band) -> float:
        if not (whole and math.isfinite(b.max)):
            return b.max
        return math.ceil(b.max) - 1 if b.max_excluded else math.floor(b.max)

    def included(b: Band) -> bool:  # whether the band contains its high end
        return whole or not b.max_excluded

    if not bands:
        return []
    problems = [f"band {labelled_span(b)} ends before it starts" for b in bands
                if low(b) > high(b) or (low(b) == high(b) and not included(b))]
    if problems:
        return problems
    ordered = sorted(bands, key=lambda b: (low(b), high(b)))
    reach = ordered[0]
    for band in ordered[1:]:
        edge = high(reach) + 1 if whole else high(reach)
        if low(band) > edge:
            problems.append(f"bands leave a gap between {labelled_span(reach)} and {labelled_span(band)}")
        elif low(band) < edge or (not whole and low(band) == edge and included(reach)):
            problems.append(f"bands {labelled_span(reach)} and {labelled_span(band)} overlap")
        if high(band) > high(reach) or (high(band) == high(reach) and included(band)):
            reach = band
    if bounds is not None:
        problems += end_problems(ordered[0], low(ordered[0]), reach, high(reach), included(reach), bounds)
    return problems
