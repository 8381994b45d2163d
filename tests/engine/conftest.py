"""Fixtures for engine tests. Helpers that tests call directly live in moment_builders.py."""
from __future__ import annotations

import pytest

from engine.moment import lifecycle
from moment_builders import CLINICIAN, build_program, sthlm


@pytest.fixture
def program():
    """The small hand-built program (see moment_builders.build_program)."""
    return build_program()


@pytest.fixture
def started(program):
    """A moment started 2026-03-02 09:00 Stockholm time by CLINICIAN: (state, start events)."""
    t = lifecycle.start(program, now=sthlm(2026, 3, 2, 9), clinician=CLINICIAN)
    return t.state, list(t.events)
