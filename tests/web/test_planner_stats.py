"""Planner statistics are never missing (issue 27): a bulk seed ends with ANALYZE of what it wrote, and
/readyz and `stegvis serve` warn about a large table that was never analyzed."""
import pytest
from sqlalchemy import text

from commands.operators import demo_data as demo
from web.ops import server as serve
from web.content.programs import get_program
from web.services.operations import planner_stats
from web.services.operations.readiness import beat
from web.services.operations.seed import SEEDED_TABLES, seed_moments

BIG = ("event", "flag", "enrollment", "enrollment_module", "step_progress", "form_response", "message", "patient")


def _stats(db, sql: str, **params) -> dict:
    db.session.execute(text("SELECT pg_stat_clear_snapshot()"))  # read the statistics as they are now
    return dict(db.session.execute(text(sql), params).all())


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_bulk_seed_leaves_planner_statistics_for_the_big_tables(app, db, clock):
    assert set(BIG) <= set(SEEDED_TABLES)
    demo.seed(app, clock())
    # forget earlier analyses in this test database, so only the seed's own ANALYZE can set them
    db.session.execute(text("SELECT pg_stat_reset()"))
    db.session.execute(text("DELETE FROM pg_statistic WHERE starelid = ANY(CAST(:names AS regclass[]))"),
                       {"names": list(BIG)})
    db.session.commit()
    before = _stats(db, "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(:names)",
                    names=list(BIG))
    assert set(before) == set(BIG) and not any(before.values())

    seed_moments(get_program("tobakshjalpen"), 20, clock(), seed=1)

    analyzed = _stats(db, "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(:names)",
                      names=list(BIG))
    assert [name for name in BIG if analyzed[name] is None] == []
    columns = _stats(db, "SELECT tablename, count(*) FROM pg_stats WHERE tablename = ANY(:names) GROUP BY tablename",
                     names=list(BIG))
    assert [name for name in BIG if not columns.get(name)] == []
    # the tables the seed wrote (statistics of other tests' tables may still be flushed after the reset)
    assert [name for name, _ in planner_stats.never_analyzed(threshold=0) if name in SEEDED_TABLES] == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_bulk_seed_analyzes_sqlite_too(app, db, clock):
    demo.seed(app, clock())
    seed_moments(get_program("tobakshjalpen"), 5, clock(), seed=1)
    tables = set(db.session.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
    assert {"event", "flag", "enrollment"} <= tables


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.app_config(METRICS_TOKEN="s3cret-token")
def test_readyz_and_serve_warn_about_a_large_table_never_analyzed(app, db, client, clock, monkeypatch):
    monkeypatch.setattr(planner_stats, "LARGE_TABLE_ROWS", 100)
    beat(clock(), name="host:1")
    db.session.execute(text("SELECT pg_stat_force_next_flush()"))  # the inserts counted at commit (PostgreSQL 15)
    db.session.execute(text("CREATE TABLE bulk_probe AS SELECT g FROM generate_series(1, 200) AS g"))
    db.session.commit()
    try:
        response = client.get("/readyz", headers={"Authorization": "Bearer s3cret-token"})  # the operator's view
        body = response.get_json()
        assert response.status_code == 200 and body["ready"] is True  # a warning, not unready
        [warning] = body["warnings"]
        assert "bulk_probe (200 rows)" in warning and "vacuumdb --analyze-in-stages" in warning
        said: list[str] = []
        settings, problems = serve.check(lambda: app, {}, said.append)
        assert problems == [] and settings is not None
        assert len(said) == 1 and "bulk_probe (200 rows)" in said[0]

        db.session.execute(text("ANALYZE bulk_probe"))
        db.session.commit()
        assert client.get("/readyz", headers={"Authorization": "Bearer s3cret-token"}).get_json()["warnings"] == []
        said.clear()
        serve.check(lambda: app, {}, said.append)
        assert said == []
    finally:
        db.session.rollback()
        db.session.execute(text("DROP TABLE IF EXISTS bulk_probe"))
        db.session.commit()
