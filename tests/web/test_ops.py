"""/healthz, /readyz, /metrics, request ids, the 503 page for an unreachable database, serve's settings."""
from __future__ import annotations

from datetime import timedelta

import pytest

from web import create_app
from commands.operators import database as manage
from web.ops.server import server_settings
from web.services.operations.readiness import beat


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert len(response.headers["X-Request-Id"]) == 32


def test_request_id_from_the_proxy_is_kept_and_shown_on_the_error_page(client):
    response = client.get("/finns-inte", headers={"X-Request-Id": "proxy-1234abcd"})
    assert response.status_code == 404
    assert response.headers["X-Request-Id"] == "proxy-1234abcd"
    assert "Felkod: <code>proxy-1234abcd</code>" in response.get_data(as_text=True)


TOKEN = {"Authorization": "Bearer s3cret-token"}


@pytest.mark.app_config(METRICS_TOKEN="s3cret-token")
def test_readyz_answers_the_public_ready_or_not_and_the_details_only_with_the_token(app, client, clock):
    assert client.get("/readyz").get_json() == {"status": "not ready"}
    assert client.get("/readyz", headers={"Authorization": "Bearer wrong"}).get_json() == {"status": "not ready"}
    with app.app_context():
        beat(clock(), name="host:1")
    public = client.get("/readyz")
    assert public.status_code == 200 and public.get_json() == {"status": "ready"}
    assert set(client.get("/readyz", headers=TOKEN).get_json()["checks"]) == {"database", "migrations", "programs",
                                                                              "worker"}


@pytest.mark.app_config(METRICS_TOKEN="s3cret-token")
def test_readyz_needs_a_recent_worker_heartbeat(app, client, clock):
    body = client.get("/readyz", headers=TOKEN).get_json()
    assert client.get("/readyz").status_code == 503
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    assert body["checks"]["worker"].startswith("no heartbeat")
    with app.app_context():
        beat(clock(), name="host:1")
    assert client.get("/readyz").status_code == 200
    clock.advance(seconds=app.config["HEARTBEAT_MAX_AGE"] + 1)
    late = client.get("/readyz", headers=TOKEN)
    assert late.status_code == 503 and late.get_json()["checks"]["worker"].startswith("last heartbeat")


def test_readyz_unready_while_migrations_are_pending(tmp_path, programs, clock):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
                      "PROGRAMS": programs, "CLOCK": clock, "METRICS_TOKEN": "s3cret-token"})
    manage.upgrade(app, "0002")
    pending = app.test_client().get("/readyz", headers=TOKEN)
    assert pending.status_code == 503
    assert "received 0002" in pending.get_json()["checks"]["migrations"]
    manage.upgrade(app)
    with app.app_context():
        beat(clock(), name="host:1")
    assert app.test_client().get("/readyz").status_code == 200


def test_database_down_gives_the_swedish_503_page_with_retry_after(programs):
    app = create_app({"TESTING": True, "PROGRAMS": programs, "WTF_CSRF_ENABLED": False, "METRICS_TOKEN": "s3cret-token",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    client = app.test_client()
    response = client.post("/logga-in", data={"username": "marita", "password": "x"})
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "15"
    assert "Tjänsten är tillfälligt otillgänglig" in text and "Traceback" not in text
    ready = client.get("/readyz", headers=TOKEN)
    assert ready.status_code == 503 and ready.get_json()["checks"]["database"].startswith("unreachable")
    assert client.get("/healthz").status_code == 200


def test_metrics_need_the_token(app_config):
    app = create_app({**app_config, "METRICS_TOKEN": "s3cret-token"})
    client = app.test_client()
    client.get("/healthz")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    text = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).get_data(as_text=True)
    assert 'stegvis_request_seconds_count{method="GET",route="/healthz",status="200"}' in text


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_serve_settings_list_every_problem():
    settings, problems = server_settings({"STEGVIS_WORKERS": "0", "STEGVIS_THREADS": "many",
                                          "STEGVIS_BIND": "8000", "STEGVIS_TIMEOUT": "30"})
    assert settings is None
    assert problems == [
        "STEGVIS_WORKERS: expected a number of processes (1–64), received '0'",
        "STEGVIS_THREADS: expected a number of threads (1–64), received 'many'",
        "STEGVIS_BIND: expected host:port (e.g. 127.0.0.1:8000) or unix:/path, received '8000'",
    ]
    settings, problems = server_settings({"STEGVIS_BIND": "0.0.0.0:8080", "STEGVIS_TRUSTED_PROXIES": "1"})
    assert problems == [] and settings.gunicorn_options()["bind"] == ["0.0.0.0:8080"]
    assert settings.gunicorn_options()["worker_class"] == "gthread" and settings.workers == 2
