"""Configuration is validated at start, with every problem named at once."""
import pytest

from datetime import UTC, datetime

from engine import localtime
from web import clock, create_app
from web.config import ConfigError, build_config, normalise_database_url

GOOD_KEY = "k" * 40


def test_secret_key_is_required_outside_demo_and_tests(tmp_path):
    with pytest.raises(ConfigError) as info:
        build_config({"DATA_DIR": str(tmp_path)}, env={"STEGVIS_DATA_DIR": str(tmp_path)})
    assert info.value.problems[0].startswith("SECRET_KEY: expected a random string of at least 24 characters")


def test_a_short_secret_key_is_refused_with_its_length(tmp_path):
    with pytest.raises(ConfigError) as info:
        build_config(env={"SECRET_KEY": "short", "STEGVIS_DATA_DIR": str(tmp_path)})
    assert info.value.problems == ["SECRET_KEY: expected at least 24 characters, received 5"]


def test_demo_mode_runs_without_a_configured_secret_key(tmp_path):
    config = build_config({"DEMO": True}, env={"STEGVIS_DATA_DIR": str(tmp_path)})
    assert len(config["SECRET_KEY"]) >= 24


def test_all_problems_are_reported_together(tmp_path):
    with pytest.raises(ConfigError) as info:
        build_config({"PROGRAMS_DIR": str(tmp_path / "nowhere")},
                     env={"DATABASE_URL": "mysql://x/y", "STEGVIS_DATA_DIR": str(tmp_path)})
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == ["SECRET_KEY", "DATABASE_URL", "STEGVIS_PROGRAMS_DIR"]
    assert "received mysql://" in problems[1]
    assert problems[2].endswith(str(tmp_path / "nowhere"))


def test_the_web_counts_local_time_in_the_engines_time_zone(tmp_path):
    config = build_config(env={"SECRET_KEY": GOOD_KEY, "STEGVIS_DATA_DIR": str(tmp_path)})
    assert "TIMEZONE" not in config  # one zone for the rules and the screens: not configurable
    app = create_app({"SECRET_KEY": GOOD_KEY, "DATA_DIR": str(tmp_path), "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tz.db'}"})
    with app.app_context():
        assert clock.tz() is localtime.TZ
        winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
        assert clock.format_datetime(winter) == "2026-01-15 13:00" == localtime.fmt(winter)


def test_sqlite_lives_in_the_data_folder_by_default(tmp_path):
    config = build_config(env={"SECRET_KEY": GOOD_KEY, "STEGVIS_DATA_DIR": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'stegvis.db'}"


def test_postgres_urls_use_the_psycopg3_driver(tmp_path):
    config = build_config(env={"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgres://u@h/db", "STEGVIS_DATA_DIR": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_create_app_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("STEGVIS_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError):
        create_app()


def test_postgresql_connections_compile_no_jit_and_keep_given_connect_options(tmp_path):
    env = {"STEGVIS_DATA_DIR": str(tmp_path), "SECRET_KEY": GOOD_KEY}
    pg = build_config({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db", "SQLALCHEMY_ENGINE_OPTIONS": {
        "pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000", "connect_timeout": 3}}},
        env=env)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert pg["pool_pre_ping"] is True and pg["connect_args"]["connect_timeout"] == 3
    assert pg["connect_args"]["options"] == "-c statement_timeout=5000 -c jit=off"
    # an operator's own jit setting wins; SQLite gets no PostgreSQL options
    own = build_config({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db", "SQLALCHEMY_ENGINE_OPTIONS": {
        "connect_args": {"options": "-c jit=on"}}}, env=env)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert own["connect_args"]["options"] == "-c jit=on"
    # the app's cursor class (web.ops.pg_cursor) unless an operator chose one
    from psycopg import ClientCursor

    from web.ops.pg_cursor import LazyDescriptionCursor

    assert pg["connect_args"]["cursor_factory"] is LazyDescriptionCursor
    chosen = build_config({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db", "SQLALCHEMY_ENGINE_OPTIONS": {
        "connect_args": {"cursor_factory": ClientCursor}}}, env=env)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert chosen["connect_args"]["cursor_factory"] is ClientCursor
    assert "connect_args" not in build_config(env=env)["SQLALCHEMY_ENGINE_OPTIONS"]


def test_the_apps_postgresql_sessions_run_without_jit(app, backend):
    from sqlalchemy import text

    from web.extensions import db

    with app.app_context():
        if backend == "postgresql":
            assert db.session.execute(text("SHOW jit")).scalar_one() == "off"
        else:
            assert db.engine.dialect.name == "sqlite"
