"""Where the cheapest logged-in page's CPU goes, in process: Flask with our hooks, the session statement, the page.

Run from the repository root against a database kept by `bench/bench_pages.py --keep`:

    .venv/bin/python bench/floor_parts.py --database stegvis_bench_xxxxxxxx [--requests 300]

Each line is the fastest batch's process CPU per request (Flask's test client, as bench/inprocess_pages.py):
`/healthz` without and with a login cookie (the difference is opening the session: its row and owner in one
statement, with the pool's checkout, pre-ping and the rollback at the end), then the cheapest logged-in page,
and then the same two with the session statement's answer remembered from an earlier request (no statement:
what the page costs beside it), and with only the owner remembered while the session row is read by a real
Core statement (`web.services.core.reads.read`: what reading the owner as rows instead of ORM objects could
save at most). The remembered rows are an experiment of this script only; the app never reuses them across
requests. bench/pg_floor.py gives the same measure for minimal Flask pages and the peer.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages as bench_pages  # noqa: E402  (bench/pages.py, beside this script)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="A PostgreSQL database kept by bench_pages.py --keep.")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()

    from web import create_app
    from web.auth.core import sessions
    from web.extensions import db
    from web.models import WebSession
    from web.services.core import reads

    app = create_app({"DEMO": True, "SQLALCHEMY_DATABASE_URI": bench_pages.database_url(args.database),
                      "DATA_DIR": tempfile.mkdtemp(), "SECRET_KEY": "e" * 64})

    anonymous, staff, patient = (app.test_client(), bench_pages.logged_in_client(app, True),
                                 bench_pages.logged_in_client(app, False))

    def cpu(client, path: str) -> float:
        return bench_pages.cpu_per_request(client, path, args.requests, args.batches)

    floor = "/min-profil/losenord"
    print(f"load average before: {os.getloadavg()[0]:.1f}\n")
    print("| request | CPU ms per request |\n|---|---|")
    rows = [("/healthz, no cookie (Flask and our hooks)", anonymous, "/healthz"),
            ("/healthz, a staff member's cookie (+ opening the session)", staff, "/healthz"),
            ("/healthz, a patient's cookie", patient, "/healthz"),
            (f"the cheapest logged-in page ({floor})", staff, floor)]
    for label, client, path in rows:
        print(f"| {label} | {cpu(client, path):.2f} |", flush=True)
    read, remembered = sessions._session_row_with_owner, {}

    def remember(sid: str):
        if sid not in remembered:
            remembered[sid] = read(sid)
        return remembered[sid]

    row_only = db.select(*WebSession.__table__.c).where(WebSession.id == db.bindparam("digest"))

    def row_by_core(sid: str):
        return reads.read(row_only, {"digest": sessions._digest(sid)}).first(), remember(sid)[1]

    try:
        sessions._session_row_with_owner = remember
        for label, client, path in [("/healthz, a staff member's cookie, session statement remembered", staff, "/healthz"),
                                    ("the cheapest logged-in page, session statement remembered", staff, floor)]:
            print(f"| {label} | {cpu(client, path):.2f} |", flush=True)
        sessions._session_row_with_owner = row_by_core
        for label, client, path in [
                ("/healthz, a staff member's cookie, the row by a Core statement, the owner remembered", staff, "/healthz"),
                ("/healthz, a patient's cookie, the row by a Core statement, the owner remembered", patient, "/healthz"),
                ("the cheapest logged-in page, the row by a Core statement, the owner remembered", staff, floor)]:
            print(f"| {label} | {cpu(client, path):.2f} |", flush=True)
    finally:
        sessions._session_row_with_owner = read
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
