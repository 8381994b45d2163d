"""Structured logs: one JSON object per line, with the request id on every line.

Each request gets an id (the incoming `X-Request-Id` when it looks like one, else a new one); it is
returned in the `X-Request-Id` header, shown on the error pages, and added to every log line written
while the request is handled by `RequestIdFilter`. Lines outside a request carry "-".
"""
from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

HEADER = "X-Request-Id"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: attributes every LogRecord has; anything else passed with `extra=` goes into the JSON
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


def new_request_id() -> str:
    """The id for the current request: the proxy's X-Request-Id if well-formed, else a random one."""
    incoming = request.headers.get(HEADER, "")
    return incoming if _VALID.match(incoming) else uuid.uuid4().hex


def current_request_id() -> str:
    """The current request's id, or "-" outside a request."""
    if has_request_context():
        return g.get("request_id") or "-"
    return "-"


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", "request_id", …extra, "exception"} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(level: int = logging.INFO, stream=None) -> logging.Handler:
    """Send the root logger's lines to `stream` (stderr) as JSON with request ids; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old.formatter, JsonFormatter):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def gunicorn_logconfig() -> dict:
    """gunicorn's logging: everything to stderr through the root logger as JSON; no access log of its own."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "filters": ["request_id"], "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            # the app writes one line per request with its request id (web.ops.endpoints)
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            "alembic": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }
