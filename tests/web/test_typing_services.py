"""web/services/core passes mypy in its default (non-strict) mode (issue 22; the engine is strict)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_passes_on_the_services_core():
    # --config-file= : the project's [tool.mypy] is the engine's strict setup; this check is the default mode
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file=", "--python-version", "3.11",
                             "--disable-error-code", "import-untyped", "--follow-imports=silent", "web/services/core"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
