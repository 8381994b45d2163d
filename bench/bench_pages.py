"""Benchmark: every page's throughput as a ratio to the peer page and to hello-world under the same gunicorn.

Run from the repository root (needs `wrk` — `apt-get install wrk` — and PostgreSQL at
STEGVIS_TEST_PG_URL; a throw-away database is created and dropped):

    .venv/bin/pip install -e '.[test]'
    .venv/bin/python bench/bench_pages.py [--moments 100000] [--seconds 10] [--connections 16] [--sqlite]

The peer page is the Flask tutorial's logged-in blog index with 25 posts (issue 27): the idiomatic
minimal database-backed Flask page. Its app is kept outside the project (--peer, default
../shared/peers/flask-tutorial beside the checkout, BSD-3-Clause) and run from a temporary copy, as its
README there says; nothing of it is copied into the project.

`--keep` keeps the seeded PostgreSQL database (its name is printed) and `--database NAME` runs
against such a database again without seeding (migrations are still applied), so a run after a
change need not seed 100 000 moments again.

It seeds the demo plus N moments (web.services.operations.seed), starts the app and bench/hello.py
and the peer each under `gunicorn -w 2` (sync workers), logs in as Marita (behandlare) and as Jane Doe
(invånare) and runs wrk against each page with hello-world and the peer measured right before it, so
the ratios compare the same machine load. Prints a Markdown table: requests/s and p99 of each, the
page's ratio to the peer and to hello-world.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pages as bench_pages  # noqa: E402  (bench/pages.py, beside this script)
import peer as bench_peer  # noqa: E402  (bench/peer.py)

PG_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def seed(url: str, data_dir: str, moments: int, reuse: bool = False) -> dict:
    """Migrate, seed the demo and `moments` more (not when `reuse`: seeded before); returns ids for the URLs."""
    from web import create_app
    from commands.operators import demo_data as demo
    from commands.operators import database as manage
    from web.extensions import db
    from web.models import User
    from web.content.programs import get_program
    from web.services.operations.seed import seed_moments

    app = create_app({"DEMO": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir})
    manage.upgrade(app)
    now = datetime.now(UTC)
    if not reuse:
        demo.seed(app, now)
    with app.app_context():
        t0 = time.perf_counter()
        if not reuse:
            seed_moments(get_program("tobakshjalpen"), moments, now, seed=1,
                         progress=lambda done: print(f"\r  seeded {done}/{moments}", end="", file=sys.stderr))
            print(f"\n  seeding took {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        from web.models import Membership

        marita = db.session.execute(db.select(User.id).where(User.username == "marita.andersson")).scalar_one()
        db.session.execute(db.update(Membership).where(Membership.user_id == marita).values(
            roles="behandlare forfattare"))  # the author preview outside the demo
        db.session.commit()
        ids = bench_pages.page_ids()
        db.engine.dispose()
    return ids


def serve(app_spec: str, port: int, env: dict, cwd: Path = ROOT) -> subprocess.Popen:
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken: stop what listens there first")
    proc = subprocess.Popen([GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
                            cwd=cwd, env=env, start_new_session=True)
    import requests

    for _ in range(300):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=30)
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit(f"gunicorn on port {port} did not start")


def login(base: str, path: str, data: dict) -> str:
    """POST a login form (with its CSRF token); returns the Cookie header value."""
    import requests

    s = requests.Session()
    page = s.get(base + path).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    r = s.post(base + path, data={**data, "csrf_token": token.group(1) if token else ""}, allow_redirects=False)
    if r.status_code != 302:
        raise SystemExit(f"login at {path} failed: {r.status_code}")
    return "; ".join(f"{k}={v}" for k, v in s.cookies.items())


def searcher(base: str, cookie: str):
    """`search(text)` for bench/pages.py: post the overview's name filter with this login; the path it redirects to."""
    import requests
    from urllib.parse import urlsplit

    def search(text: str) -> str:
        headers = {"Cookie": cookie}
        page = requests.get(base + "/oversikt/alla", headers=headers, timeout=60).text
        r = requests.post(base + "/oversikt/alla", data={"q": text, "csrf_token": bench_pages.csrf_token(page)},
                          headers=headers, allow_redirects=False, timeout=60)
        if r.status_code != 302 or "sok=" not in r.headers.get("Location", ""):
            raise SystemExit(f"posting the name filter {text!r} failed: {r.status_code}")
        parts = urlsplit(r.headers["Location"])
        return f"{parts.path}?{parts.query}"

    return search


def wrk(url: str, seconds: int, connections: int, cookie: str | None = None) -> tuple[float, float]:
    """(requests per second, p99 latency in ms); non-2xx answers abort the run."""
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{url} answered non-2xx:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    return rps, float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moments", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sqlite", action="store_true", help="A SQLite file instead of PostgreSQL.")
    parser.add_argument("--only", help="Run only pages whose name contains this text.")
    parser.add_argument("--keep", action="store_true", help="Keep the seeded PostgreSQL database.")
    parser.add_argument("--database", help="Use this database seeded by an earlier --keep run (no seeding).")
    parser.add_argument("--peer", type=Path, default=bench_peer.DEFAULT,
                        help="The Flask tutorial app (its folder; run from a temporary copy).")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from commands.operators import demo_data as demo

    folder = tempfile.mkdtemp()
    name = args.database or f"stegvis_bench_{uuid.uuid4().hex[:8]}"
    admin = None
    if args.sqlite:
        url = f"sqlite:///{folder}/bench.db"
    else:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        if not args.database:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    procs = []
    try:
        ids = seed(url, folder, args.moments, reuse=bool(args.database))
        env = {**os.environ, "DATABASE_URL": url, "STEGVIS_DATA_DIR": folder, "SECRET_KEY": "b" * 64,
               "PYTHONPATH": str(ROOT)}
        procs.append(serve("web.ops.server:wsgi_app()", 8101, env))  # as `stegvis serve` builds it
        procs.append(serve("hello:app", 8102, {**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"}))
        peer_folder = bench_peer.prepare(args.peer, Path(folder))
        procs.append(serve(bench_peer.APP, 8103, bench_peer.environment(peer_folder), cwd=peer_folder))
        app, hello, peer = "http://127.0.0.1:8101", "http://127.0.0.1:8102/", "http://127.0.0.1:8103"
        peer_cookie = bench_peer.log_in_with_posts(peer)
        staff = login(app, "/logga-in", {"username": "marita.andersson", "password": demo.PASSWORD})
        patient = login(app, "/invanare/logga-in", {"personnummer": "19610831-2460", "password": demo.PASSWORD})
        pages = bench_pages.pages(ids, staff, patient, args.only, search=searcher(app, staff))
        load = os.getloadavg()[0]
        print(f"\n{'SQLite' if args.sqlite else 'PostgreSQL'}, demo + {args.moments} moments; "
              f"gunicorn -w 2, wrk -c {args.connections} -d {args.seconds}s; load average before: {load:.1f}\n")
        print("| page | req/s | p99 ms | share of the peer | share of hello-world "
              "| peer req/s (p99 ms) | hello-world req/s (p99 ms) |")
        print("|---|---|---|---|---|---|---|")
        wrk(peer + "/", 2, args.connections, peer_cookie)  # warm up
        ceilings, bases = [], []
        for label, path, cookie in pages:
            wrk(app + path, 2, args.connections, cookie)  # warm up (caches, connections)
            base, base_p99 = wrk(hello, args.seconds, args.connections)
            ceiling, ceiling_p99 = wrk(peer + "/", args.seconds, args.connections, peer_cookie)
            rps, p99 = wrk(app + path, args.seconds, args.connections, cookie)
            ceilings.append((ceiling, ceiling_p99))
            bases.append((base, base_p99))
            print(f"| {label} | {rps:.0f} | {p99:.0f} | {rps / ceiling:.2f} | {rps / base:.2f} "
                  f"| {ceiling:.0f} ({ceiling_p99:.0f}) | {base:.0f} ({base_p99:.0f}) |", flush=True)
        (peer_rps, peer_p99), (hello_rps, hello_p99) = (sorted(runs)[len(runs) // 2] for runs in (ceilings, bases))
        print(f"| the peer page (median of its runs) | {peer_rps:.0f} | {peer_p99:.0f} | 1 "
              f"| {peer_rps / hello_rps:.2f} | | |")
        print(f"| hello-world (median of its runs) | {hello_rps:.0f} | {hello_p99:.0f} | — | 1 | | |")
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
        if admin is not None and (args.keep or args.database):
            print(f"kept database {name}", file=sys.stderr)
        elif admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
