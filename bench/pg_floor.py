"""How close a Flask page that reads PostgreSQL can come to the peer page on this machine (issue 27's floor).

bench_pages.py compares each of our pages with the peer (the Flask tutorial's logged-in index on SQLite in its
own process). This measures what the comparison leaves to our code: minimal Flask pages (bench/pg_floor_app.py)
that render one small template and read one row of PostgreSQL — not at all, through a raw autocommit psycopg
connection, through SQLAlchemy's pool without and with pre-ping (as the app's engine), and five rows with
pre-ping. They and the peer run under the same `gunicorn -w 2` and wrk as in bench_pages.py, interleaved for
`--rounds` rounds; each page's median req/s and p99 is given as a share of the peer's median. Then the CPU each
costs per request in process (Flask's test client, the best of `--batches` batches), the peer's too, to set
beside bench/inprocess_pages.py.

    .venv/bin/python bench/pg_floor.py [--rounds 3] [--seconds 5]      # wrk, gunicorn, PostgreSQL at STEGVIS_TEST_PG_URL
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pages  # noqa: E402  (bench/, beside this script)
import pages as bench_page_list  # noqa: E402
import peer as bench_peer  # noqa: E402

BENCH = Path(__file__).resolve().parent


def _create(admin, name: str) -> str:
    """A throw-away database with an `account` table of 1 000 rows; its URL."""
    from sqlalchemy import create_engine, text

    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = bench_page_list.database_url(name)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL)"))
        conn.execute(text("INSERT INTO account SELECT n, 'Användare ' || n FROM generate_series(1, 1000) AS n"))
        conn.execute(text("ANALYZE account"))
    engine.dispose()
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=200, help="Requests per in-process batch.")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--peer", type=Path, default=bench_peer.DEFAULT)
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    admin = create_engine(bench_page_list.PG_URL, isolation_level="AUTOCOMMIT")
    name = f"stegvis_floor_{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp())
    procs = []
    try:
        url = _create(admin, name)
        os.environ["PG_FLOOR_URL"] = url
        import pg_floor_app

        procs.append(bench_pages.serve("pg_floor_app:app", 8104, {**os.environ, "PYTHONPATH": str(BENCH)}, cwd=BENCH))
        copy = bench_peer.prepare(args.peer, folder)
        procs.append(bench_pages.serve(bench_peer.APP, 8105, bench_peer.environment(copy), cwd=copy))
        peer_cookie = bench_peer.log_in_with_posts("http://127.0.0.1:8105")
        runs = [("the peer page", "http://127.0.0.1:8105/", peer_cookie)] + [
            (label, "http://127.0.0.1:8104" + path, None) for label, path in pg_floor_app.PAGES]
        print(f"gunicorn -w 2, wrk -c {args.connections} -d {args.seconds}s, {args.rounds} interleaved rounds; "
              f"load average before: {os.getloadavg()[0]:.1f}\n")
        measured: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in runs}
        for _ in range(args.rounds):
            for label, address, cookie in runs:
                bench_pages.wrk(address, 1, args.connections, cookie)  # warm up
                measured[label].append(bench_pages.wrk(address, args.seconds, args.connections, cookie))
        peer = statistics.median(rps for rps, _ in measured["the peer page"])
        print("| page | req/s (median; each round) | share of the peer | p99 ms (median) |")
        print("|---|---|---|---|")
        for label, results in measured.items():
            rps = statistics.median(r for r, _ in results)
            rounds = " / ".join(f"{r:.0f}" for r, _ in results)
            print(f"| {label} | {rps:.0f} ({rounds}) | {rps / peer:.2f} | {statistics.median(p for _, p in results):.0f} |")
        print(f"\nIn process (Flask test client, best of {args.batches} × {args.requests} requests):\n")
        print("| page | CPU ms per request |\n|---|---|")
        # a copy of its own: the served one's index shows the posts of the user logged in there
        own = bench_peer.in_process_client(bench_peer.prepare(args.peer, Path(tempfile.mkdtemp())))
        print(f"| the peer page | {bench_page_list.cpu_per_request(own, '/', args.requests, args.batches):.2f} |")
        client = pg_floor_app.app.test_client()
        for label, path in pg_floor_app.PAGES:
            print(f"| {label} | {bench_page_list.cpu_per_request(client, path, args.requests, args.batches):.2f} |")
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")
        pg_floor_app.with_ping.dispose()
        pg_floor_app.without_ping.dispose()
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
