"""The tick's passes run with the cyclic garbage collector paused (tick.collector_paused), and leave it as
they found it: on again after the passes, also when they fail; off if the caller had turned it off."""
from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest

from web.services.operations import tick
from web.services.operations.tick_batch import Passes

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
PASSES = ("raise_flags", "start_batteries", "queue_reminders")


@pytest.fixture
def seen(monkeypatch):
    """Whether the collector was on in each pass, by name (each pass then runs as it would)."""
    found: dict[str, bool] = {}
    for name in PASSES:
        def spy(self, *args, _name=name, _real=getattr(Passes, name), **kwargs):
            found[_name] = gc.isenabled()
            return _real(self, *args, **kwargs)
        monkeypatch.setattr(Passes, name, spy)
    return found


@pytest.fixture
def collector():
    """The collector on before the test, and put back as it was after it."""
    enabled = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if enabled else gc.disable)()


def test_every_pass_of_the_tick_runs_with_the_collector_off_and_it_is_on_again_after(app, seen, collector):
    with app.app_context():
        report = tick.evaluate(NOW)
    assert report.evaluated and not report.errors
    assert seen == {name: False for name in PASSES}
    assert gc.isenabled()


def test_a_failing_pass_leaves_the_collector_on(app, monkeypatch, collector):
    def fail(*args, **kwargs):
        assert not gc.isenabled()
        raise RuntimeError("the batteries pass failed")
    monkeypatch.setattr(Passes, "start_batteries", fail)
    with app.app_context(), pytest.raises(RuntimeError, match="batteries pass failed"):
        tick.evaluate(NOW)
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off_after_the_tick(app, seen, collector):
    gc.disable()
    with app.app_context():
        tick.evaluate(NOW)
    assert seen == {name: False for name in PASSES}
    assert not gc.isenabled()
