"""The names, personnummer and message lines seeded moments are made of (seed.py, seed_rows.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

FIRST_NAMES = ("Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kerstin", "Ingrid", "Linnea", "Elin",
               "Johanna", "Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Nils", "Mikael", "Jonas", "Oskar",
               "Ahmed", "Ali", "Fatima", "Mohammed", "Olle", "Gunnar", "Astrid", "Sven")
LAST_NAMES = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
              "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson",
              "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg",
              "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Mattsson", "Berglund", "Fredriksson",
              "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson")
PATIENT_LINES = ("Hej! Jag har läst avsnitten. Suget är starkast efter maten.",
                 "Tack för svaret. Det går bättre nu.", "Jag hade ett återfall i helgen, hur gör jag nu?",
                 "Kan vi ses på mottagningen nästa vecka?")
CLINICIAN_LINES = ("Hej! Välkommen till Tobakshjälpen. Hör av dig om du har frågor.",
                   "Bra jobbat hittills! Fortsätt med nästa avsnitt när du känner dig redo.",
                   "Ett återfall betyder inte att du misslyckats. Titta på din plan igen och hör av dig.")


def _luhn(digits: str) -> int:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def personnummer(index: int) -> str:
    """A valid-looking, unique personnummer for the index-th seeded patient (serials 500–999, born 1940–2003)."""
    born = datetime(1940, 1, 1) + timedelta(days=index % 23000)
    serial = 500 + index // 23000
    ten = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}{serial:03d}{_luhn(ten)}"
