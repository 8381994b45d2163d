"""Where the app's own files are: a leaf module, so services and commands need not import the app package."""
from __future__ import annotations

from pathlib import Path

#: Alembic migrations (`stegvis db upgrade`)
MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
#: data files shipped with the app (the common-password list)
DATA_DIR = Path(__file__).parent / "data"
