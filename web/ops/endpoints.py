"""Operations endpoints and hooks: /healthz, /readyz, /metrics, request ids, JSON-ready logs, 503 on a lost database.

- /healthz: the process answers (no database).
- /readyz: 200 when the database is reachable, migrations are current, programs are loaded and a
  worker beat recently; else 503. Both answer JSON for load balancers; /readyz names its checks and
  what is wrong only with the metrics token (the public answer is ready or not ready).
- /metrics: Prometheus text, only with `Authorization: Bearer $STEGVIS_METRICS_TOKEN` (404 without a token set).
- Every request gets an id (web.ops.logs), a latency observation per route, and one log line.
- A database that is down or restarting gives a Swedish 503 page with Retry-After, never a 500.
"""
from __future__ import annotations

import hmac
import logging
import os
import time
from datetime import timedelta

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request, session
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from .. import clock
from . import logs
from ..config import ConfigError
from .metrics import REQUEST_LATENCY, exposition
from ..services.operations.readiness import readiness

bp = Blueprint("ops", __name__)
log = logging.getLogger("stegvis.request")
#: seconds a client is asked to wait while the database is unreachable
RETRY_AFTER_SECONDS = 15


@bp.route("/healthz")
def healthz():
    """The process is alive and answers; checks nothing else."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """Ready for traffic: database, migrations, programs, worker heartbeat (503 if not); the checks and their
    problems only with the metrics token, so the public learns nothing about the inside."""
    result = readiness(clock.now(), timedelta(seconds=current_app.config["HEARTBEAT_MAX_AGE"]))
    body = result.to_dict() if _has_metrics_token() else {"status": "ready" if result.ready else "not ready"}
    return jsonify(body), (200 if result.ready else 503)


def _has_metrics_token() -> bool:
    """The request carries `Authorization: Bearer $STEGVIS_METRICS_TOKEN` (False when no token is set)."""
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@bp.route("/metrics")
def metrics():
    """Prometheus metrics, behind a bearer token."""
    if not current_app.config.get("METRICS_TOKEN"):
        return render_template("error.html", code=404, title="Sidan finns inte",
                               text="Sidan du söker finns inte, eller så har du inte tillgång till den."), 404
    if not _has_metrics_token():
        return Response("Unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'},
                        mimetype="text/plain")
    body, content_type = exposition()
    return Response(body, 200, content_type=content_type)


def _settings(app: Flask) -> None:
    """METRICS_TOKEN and HEARTBEAT_MAX_AGE from the environment unless given; raises ConfigError."""
    app.config.setdefault("METRICS_TOKEN", os.environ.get("STEGVIS_METRICS_TOKEN") or None)
    raw = app.config.get("HEARTBEAT_MAX_AGE", os.environ.get("STEGVIS_HEARTBEAT_MAX_AGE"))
    if raw in (None, ""):
        app.config["HEARTBEAT_MAX_AGE"] = max(120, 3 * int(app.config["WORKER_POLL_SECONDS"]))
        return
    try:
        value = int(raw)
        if isinstance(raw, bool) or not 10 <= value <= 86400:
            raise ValueError
    except (TypeError, ValueError):
        raise ConfigError([f"STEGVIS_HEARTBEAT_MAX_AGE: expected seconds (10–86400), received {raw!r}"]) from None
    app.config["HEARTBEAT_MAX_AGE"] = value


def init_app(app: Flask) -> None:
    """Register the blueprint, the request hooks and the error pages for 500 and a lost database."""
    _settings(app)
    app.register_blueprint(bp)

    @app.context_processor
    def request_id_value():
        return {"request_id": logs.current_request_id()}

    @app.before_request
    def start_request():
        g.request_id = logs.new_request_id()
        g.request_started = time.perf_counter()
        if getattr(session, "unavailable", False) and request.blueprint != "ops":
            return unavailable()  # the session store (the database) could not be reached

    @app.after_request
    def finish_request(response: Response) -> Response:
        response.headers[logs.HEADER] = logs.current_request_id()
        started = g.pop("request_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        REQUEST_LATENCY.labels(route, request.method, str(response.status_code)).observe(seconds)
        if route not in ("/healthz", "/metrics"):
            log.info("%s %s %s", request.method, request.path, response.status_code,
                     extra={"method": request.method, "path": request.path, "route": route,
                            "status": response.status_code, "duration_ms": round(seconds * 1000, 1)})
        return response

    app.register_error_handler(DBAPIError, _database_error)
    # other 500s: web.ops.robustness (the Swedish page with the request id as its reference)


def _database_error(error: DBAPIError):
    """A lost or restarting database → 503 with Retry-After; any other database error → the 500 page."""
    from ..extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it (pool_pre_ping)
        pass
    if isinstance(error, (OperationalError, InterfaceError)) or error.connection_invalidated:
        log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
        return unavailable()
    log.exception("database error", exc_info=error)
    return _server_error(error)


def unavailable() -> Response:
    """The Swedish 503 page, rendered without context processors (they may need the database)."""
    html = current_app.jinja_env.get_template("unavailable.html").render(
        request_id=logs.current_request_id())
    return Response(html, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}, mimetype="text/html")


def _server_error(error):
    """The 500 page with the request id (plain text if even the page cannot be rendered)."""
    text = "Ett oväntat fel inträffade. Försök igen om en stund. Om felet kvarstår, ange felkoden."
    try:
        return render_template("error.html", code=500, title="Något gick fel", text=text), 500
    except Exception:  # the page itself failed (e.g. a context processor needs the database)
        log.exception("the error page could not be rendered")
        return Response(f"Något gick fel. {text} Felkod: {logs.current_request_id()}\n", 500,
                        mimetype="text/plain")
