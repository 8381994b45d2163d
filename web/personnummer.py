"""Swedish personnummer and samordningsnummer: parse what a clinician types into 12 digits."""
from __future__ import annotations

import re
from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.se import personnummer

_SHAPE = re.compile(r"(\d{8})-?(\d{4})")
#: a samordningsnummer adds 60 to the day of birth
COORDINATION_OFFSET = 60


class PersonnummerError(ValueError):
    """The text is not a valid personnummer; the message says why, in Swedish."""


def parse(text: str) -> str:
    """Validate a personnummer or samordningsnummer given as 12 digits (hyphen optional); return the 12 digits."""
    compact = re.sub(r"\s", "", text or "")
    match = _SHAPE.fullmatch(compact)
    if match is None:
        raise PersonnummerError("Ange personnumret med 12 siffror, till exempel 19121212-1212.")
    digits = match.group(1) + match.group(2)
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    coordination = day > COORDINATION_OFFSET
    try:
        date(year, month, day - COORDINATION_OFFSET if coordination else day)
    except ValueError:
        raise PersonnummerError("Personnumret innehåller inget giltigt födelsedatum.") from None
    if not luhn.is_valid(digits[2:]):
        raise PersonnummerError("Kontrollsiffran stämmer inte. Kontrollera personnumret.")
    if not coordination:
        try:  # the library's own rules on top (it does not know samordningsnummer)
            personnummer.validate(digits)
        except ValidationError:
            raise PersonnummerError("Personnumret är inte giltigt.") from None
    return digits


def is_coordination_number(digits: str) -> bool:
    """True for a samordningsnummer (day of birth + 60)."""
    return int(digits[6:8]) > COORDINATION_OFFSET


def format_full(digits: str) -> str:
    """"19610831-2460"."""
    return f"{digits[:8]}-{digits[8:]}"
