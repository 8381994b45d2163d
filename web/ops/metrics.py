"""Prometheus metrics (prometheus-client): defined once per process, exposed by web.ops.endpoints at /metrics.

Under `stegvis serve` every gunicorn worker writes its values to PROMETHEUS_MULTIPROC_DIR
(multiprocess mode, set up by web.ops.server before this module is imported) and /metrics adds them up.
`stegvis worker` serves its own metrics (tick duration, notices sent/failed, flags raised) on
STEGVIS_WORKER_METRICS_PORT.
"""
from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

REQUEST_LATENCY = Histogram(
    "stegvis_request_seconds", "Time to answer a request, per route (Flask endpoint) and method.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
NOTICES = Counter(
    "stegvis_notices", "Notices by outcome: queued, sent, retried, failed, postponed.", ["outcome"])
TICK_DURATION = Histogram(
    "stegvis_tick_seconds", "Duration of one tick (evaluation and delivery).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
FLAGS_RAISED = Counter("stegvis_flags_raised", "Flags raised by the tick.")


def exposition() -> tuple[bytes, str]:
    """The metrics text of this process, or of every gunicorn worker in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def count_notices(report) -> None:
    """Add a delivery report's outcomes to the notice counter."""
    for outcome in ("sent", "retried", "failed", "postponed"):
        value = getattr(report, outcome, 0)
        if value:
            NOTICES.labels(outcome).inc(value)
