"""Statistik at scale: wall ms and SQL statements per variant of /statistik and of the Export downloads.

Run from the repository root against a seeded PostgreSQL database (`bench/bench_pages.py --keep`):

    .venv/bin/python bench/bench_statistics.py --database stegvis_bench_xxxxxxxx [--requests 3] [--explain]

Strictly read-only: the connection runs with `default_transaction_read_only=on`, the sessions are
signed cookies instead of WebSession rows, and the user is put in the session directly (no login
rows). The Export downloads are timed through the service (rows counted and streamed, the same
generators the view uses) without `log_export`, which would write an ExportLog row.
`--explain` prints EXPLAIN (ANALYZE, BUFFERS) of every statement of the default page.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
VARIANTS = (
    ("default (this year, unit + region + all)", ""),
    ("Vårdenhet: Ingen (region + all)", "?enhet=0"),
    ("Behandlare: own clinician", "?behandlare={clinician}"),
    ("Program: tobakshjalpen", "?program=tobakshjalpen"),
    ("last calendar year", f"?period={datetime.now(UTC).year - 1}"),
    ("Ladda ner CSV (default filters)", "?format=csv"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--user", default="marita.andersson")
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    args = parser.parse_args()

    from flask.sessions import SecureCookieSessionInterface
    from sqlalchemy import event, text
    from sqlalchemy.engine import make_url

    from web import create_app
    from web.extensions import db
    from web.models import Membership, User

    url = make_url(PG_URL).set(database=args.database).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": tempfile.mkdtemp(), "SECRET_KEY": "e" * 64,
                      "TOTP_REQUIRED_ROLES": "", "SQLALCHEMY_ENGINE_OPTIONS": {
                          "connect_args": {"options": "-c default_transaction_read_only=on"}}})
    app.session_interface = SecureCookieSessionInterface()
    statements: list[tuple[str, object, float]] = []
    started: dict[int, float] = {}
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == args.user)).scalar_one()
        membership = db.session.execute(db.select(Membership).where(Membership.user_id == user.id)
                                        .order_by(Membership.id)).scalars().first()
        user_id, unit_id = user.id, membership.care_unit_id
        moments = db.session.execute(text("select count(*) from enrollment")).scalar_one()
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            started[id(cursor)] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters, (time.perf_counter() - started.pop(id(cursor))) * 1000))

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"staff:{user_id}"
        session["_fresh"] = True
        session["unit_id"] = unit_id
    print(f"{moments} moments; {os.getloadavg()[0]:.2f} load average; user {args.user}, unit {unit_id}")
    for label, query in () if args.skip_pages else VARIANTS:
        path = "/statistik" + query.format(clinician=user_id)
        answer = client.get(path)  # warm-up
        assert answer.status_code == 200, (path, answer.status_code)
        walls = []
        for _ in range(args.requests):
            statements.clear()
            t0 = time.perf_counter()
            client.get(path)
            walls.append((time.perf_counter() - t0) * 1000)
        sql = sum(ms for _, _, ms in statements)
        print(f"\n{label}: {path}\n  wall ms per request: {', '.join(f'{w:.0f}' for w in walls)}; "
              f"last request {len(statements)} statements, {sql:.0f} ms in SQL")
        for statement, _, ms in sorted(statements, key=lambda s: -s[2])[:8]:
            print(f"    {ms:9.1f} ms  {' '.join(statement.split())[:150]}")
        if args.explain and not query:
            with app.app_context():
                conn = db.session.connection()
                for statement, parameters, _ in list(statements):
                    if statement.lstrip().upper().startswith("SET"):  # the page's own settings (no JIT)
                        conn.exec_driver_sql(statement, parameters)
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
                    print("\n```\n" + " ".join(statement.split())[:300] + "\n" + "\n".join(r[0] for r in plan)
                          + "\n```")
                db.session.rollback()
    if not args.skip_export:
        _exports(app, unit_id)
    return 0


def _exports(app, unit_id: int) -> None:
    """The Export page's downloads at the same size, through the service (no ExportLog row)."""
    from web.services.operations import export, fhir

    now = datetime.now(UTC)
    print()
    with app.test_request_context():
        for kind, fmt in (("moments", "csv"), ("moments", "xlsx"), ("answers", "csv"), ("answers", "xlsx"),
                          ("answers", "fhir")):
            req = export.ExportRequest(kind=kind, format=fmt, unit_id=unit_id)
            t0 = time.perf_counter()
            rows = export.count_rows(req)
            if fmt == "xlsx":
                chunks = export.xlsx_chunks(req, now)
            else:
                chunks = export.csv_chunks(req, now) if fmt == "csv" else fhir.ndjson_lines(req)
            size, first = 0, None
            for chunk in chunks:
                size += len(chunk if isinstance(chunk, bytes) else chunk.encode())
                first = first if first is not None else time.perf_counter() - t0
            wall = time.perf_counter() - t0
            print(f"export {kind} {fmt}: {rows} rows, {size / 1e6:.1f} MB in {wall:.1f} s "
                  f"({rows / wall:.0f} rows/s), first byte after {first or 0:.2f} s")


if __name__ == "__main__":
    raise SystemExit(main())
