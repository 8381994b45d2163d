"""The long-running worker loop: one pass, wait the poll interval, repeat until asked to stop.

SIGTERM and SIGINT set a stop flag; the pass in progress finishes (so no notice is left
half-recorded) and the loop returns instead of being killed mid-send.
"""
from __future__ import annotations

import logging
import queue
import signal
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

log = logging.getLogger("stegvis.worker")


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Set `stop` on SIGTERM/SIGINT while inside (main thread only; elsewhere a no-op).

    The handler only puts the signal number on a SimpleQueue, whose put() is safe to call from a signal
    handler; a small thread sets `stop`. Setting the Event in the handler itself could deadlock: the
    handler runs in the main thread, between any two bytecodes, and `Event.set()` takes the lock that the
    main thread holds for a moment inside `stop.wait()`, so a SIGTERM landing there hung the worker.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals: queue.SimpleQueue[int | None] = queue.SimpleQueue()

    def relay() -> None:
        while (signum := signals.get()) is not None:
            log.info("signal %s: stopping after the current pass", signum)
            stop.set()

    def handler(signum, frame):
        signals.put(signum)

    relay_thread = threading.Thread(target=relay, name="stegvis-signals", daemon=True)
    relay_thread.start()
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        signals.put(None)
        relay_thread.join()


def run_loop(one_pass: Callable[[], object], *, poll_seconds: float, stop: threading.Event,
             on_error: Callable[[BaseException], None] | None = None) -> int:
    """Call `one_pass` every `poll_seconds` until `stop` is set; returns the number of passes.

    An exception in a pass is reported through `on_error` and the loop goes on: a database that
    is briefly unreachable must not end the worker.
    """
    passes = 0
    while not stop.is_set():
        try:
            one_pass()
        except Exception as exc:  # keep the worker alive; the next pass retries
            log.exception("worker pass failed")
            if on_error is not None:
                on_error(exc)
        passes += 1
        stop.wait(poll_seconds)
    return passes
