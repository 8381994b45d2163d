"""Password policy for staff and patients (ASVS 2.1): at least 12 characters, at most 200, not one of
the 10 000 most common passwords (web/data/common-passwords.txt), not the user name or personnummer."""
from __future__ import annotations

from functools import lru_cache

from ...paths import DATA_DIR

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_FILE = DATA_DIR / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list, lower case."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def problem(password: str | None, *, personal: tuple[str, ...] = ()) -> str | None:
    """The Swedish reason a new password is refused, or None when it is acceptable."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Lösenordet måste ha minst {MIN_LENGTH} tecken."
    if len(password) > MAX_LENGTH:
        return f"Lösenordet får ha högst {MAX_LENGTH} tecken."
    lowered = password.lower()
    if len(set(lowered)) <= 2 or lowered in common_passwords() or lowered.rstrip("0123456789!.") in common_passwords():
        return "Lösenordet är för vanligt eller för enkelt. Välj ett längre lösenord, gärna flera ord."
    if any(p and len(p) >= 4 and p.lower() in lowered for p in personal):
        return "Lösenordet får inte innehålla ditt användarnamn eller personnummer."
    return None
