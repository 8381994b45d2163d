"""EXPLAIN ANALYZE of the overview and timeline queries on a seeded PostgreSQL database.

Run from the repository root against a database kept by `bench/bench_pages.py --keep` (or any
database seeded with `stegvis demo --moments N`):

    .venv/bin/python bench/explain_queries.py --database stegvis_bench_xxxxxxxx

The queries are the ones the services send (captured while they run, with their parameters), for
Marita's unit: Mina, Alla, Alla filtered by name, Avslutade, a deep and a middle page of Alla, Att göra,
the oldest-unhandled-first order (with and without a name filter) and the unhandled filter, and the
Tidslinje (Hela perioden and one week) of her busiest moment. Prints each plan as Markdown code blocks.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    args = parser.parse_args()

    from sqlalchemy import event
    from sqlalchemy.engine import make_url

    from web import create_app
    from web.extensions import db
    from web.models import Enrollment, Event, Membership, User
    from web.services.clinician.overview import overview_page
    from web.services.clinician.timeline import timeline
    from web.services.clinician.worklist import worklist_page

    url = make_url(PG_URL).set(database=args.database).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": tempfile.mkdtemp(), "SECRET_KEY": "e" * 64})
    with app.app_context():
        marita = db.session.execute(db.select(User).where(User.username == "marita.andersson")).scalar_one()
        membership = db.session.execute(db.select(Membership).where(Membership.user_id == marita.id)).scalars().first()
        busy = db.session.execute(
            db.select(Enrollment).join(Event, Event.enrollment_id == Enrollment.id)
            .where(Enrollment.clinician_id == marita.id, Enrollment.status == "active")
            .group_by(Enrollment.id).order_by(db.func.count(Event.id).desc()).limit(1)).scalar_one()
        total = overview_page(membership, tab="alla").total
        deep = max(2, total // 25 - 1)
        before_deep = overview_page(membership, tab="alla", page=deep - 1).last_id  # what Nästa there carries
        cases = [
            ("overview Mina", lambda: overview_page(membership, tab="mina")),
            ("overview Alla", lambda: overview_page(membership, tab="alla")),
            ("overview Alla, name filter", lambda: overview_page(membership, tab="alla", text="lind")),
            ("overview Alla, name filter Öberg", lambda: overview_page(membership, tab="alla", text="öberg")),
            ("overview Avslutade", lambda: overview_page(membership, tab="avslutade")),
            (f"overview Alla, page {deep} typed (OFFSET)", lambda: overview_page(membership, tab="alla", page=deep)),
            (f"overview Alla, page {deep // 2} typed (OFFSET, the middle)", lambda: overview_page(
                membership, tab="alla", page=deep // 2)),
            (f"overview Alla, page {deep} by Nästa (keyset)", lambda: overview_page(
                membership, tab="alla", page=deep, after=before_deep)),
            ("Att göra", lambda: worklist_page(membership)),
            ("Att göra, one event type", lambda: worklist_page(membership, flag_type="form_saved")),
            ("overview Alla, oldest unhandled event first", lambda: overview_page(membership, tab="alla", sort="aldsta")),
            ("overview Alla, oldest unhandled event first, name filter", lambda: overview_page(
                membership, tab="alla", sort="aldsta", text="lind")),
            ("overview Mina, oldest unhandled event first", lambda: overview_page(
                membership, tab="mina", sort="aldsta")),
            ("overview Alla, Har ohanterade händelser", lambda: overview_page(membership, tab="alla", unhandled=True)),
            ("Tidslinje, Hela perioden", lambda: timeline(busy, categories=None, start=None, end=None)),
            ("Tidslinje, Veckovis", lambda: timeline(
                busy, categories=None, start=datetime.now(UTC) - timedelta(days=7), end=datetime.now(UTC))),
        ]
        counts = db.session.execute(db.select(db.func.count(Enrollment.id))).scalar_one()
        print(f"{counts} moments; Marita's unit {membership.care_unit_id}: {total} active; busy moment {busy.id}\n")
        for label, run in cases:
            captured: list[tuple[str, object]] = []

            def capture(conn, cursor, statement, parameters, context, executemany):
                captured.append((statement, parameters))

            event.listen(db.engine, "before_cursor_execute", capture)
            try:
                run()
            finally:
                event.remove(db.engine, "before_cursor_execute", capture)
            for statement, parameters in captured:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                raw = db.session.connection().connection.driver_connection
                with raw.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = "\n".join(r[0] for r in cur.fetchall())
                print(f"### {label}\n\n```\n{' '.join(statement.split())[:400]}\n\n{plan}\n```\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
