"""In-process cost of each page: SQL statements, CPU ms and wall ms per request (Flask test client).

Run from the repository root against a database kept by `bench/bench_pages.py --keep`:

    .venv/bin/python bench/inprocess_pages.py --database stegvis_bench_xxxxxxxx [--requests 20]

No gunicorn and no wrk: it isolates what one request costs in this process from how a loaded
machine schedules workers, and runs the same way on any checkout (for before/after comparisons).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages as bench_pages  # noqa: E402  (bench/pages.py, beside this script)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="A PostgreSQL database kept by bench_pages.py --keep.")
    parser.add_argument("--url", help="Any database URL instead (e.g. sqlite:////tmp/bench.db).")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", help="Run only pages whose name contains this text.")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="Print each page's N most expensive functions (cProfile, own time; "
                             "PROFILE_SORT=cumulative in the environment sorts by time with callees).")
    parser.add_argument("--batches", type=int, default=1,
                        help="Time this many batches of --requests and report the fastest (CPU time on a "
                             "shared machine varies by tens of percent between batches).")
    args = parser.parse_args()

    from sqlalchemy import event

    from web import create_app
    from web.extensions import db

    if not (args.database or args.url):
        parser.error("--database or --url is required")
    url = args.url or bench_pages.database_url(args.database)
    # DEMO as bench_pages.py serves it (every demo staff member may open the author preview)
    app = create_app({"DEMO": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": tempfile.mkdtemp(), "SECRET_KEY": "e" * 64})

    with app.app_context():
        ids = bench_pages.page_ids()
        statements = [0]
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    staff, patient = bench_pages.logged_in_client(app, True), bench_pages.logged_in_client(app, False)

    def search(text: str) -> str:
        token = bench_pages.csrf_token(staff.get("/oversikt/alla").get_data(as_text=True))
        answer = staff.post("/oversikt/alla", data={"q": text, "csrf_token": token})
        assert answer.status_code == 302 and "sok=" in answer.location, (text, answer.status_code)
        return answer.location

    pages = bench_pages.pages(ids, staff, patient, args.only, search=search)
    print(f"load average before: {os.getloadavg()[0]:.1f}\n")
    print("| page | statements | Python calls | CPU ms/request | wall ms/request |")
    print("|---|---|---|---|---|")
    n = args.requests
    for label, path, c in pages:
        for _ in range(2):
            assert c.get(path).status_code == 200, (label, path)
        # Python function calls of one request (cProfile): exact and repeatable, unlike CPU time
        counter = cProfile.Profile()
        counter.runcall(c.get, path)
        calls = pstats.Stats(counter).total_calls
        best = None
        for _ in range(max(1, args.batches)):
            statements[0] = 0
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(n):
                c.get(path)
            taken = ((time.process_time() - cpu) / n * 1000, (time.perf_counter() - wall) / n * 1000)
            best = taken if best is None or taken[0] < best[0] else best
        print(f"| {label} | {statements[0] / n:.0f} | {calls} | {best[0]:.1f} | {best[1]:.1f} |", flush=True)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(n):
                c.get(path)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(args.profile)
            print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()), "\n")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
