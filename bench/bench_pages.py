"""Benchmark: every page's throughput as a ratio to a hello-world Flask app under the same gunicorn.

Run from the repository root (needs `wrk` — `apt-get install wrk` — and PostgreSQL at
STEGVIS_TEST_PG_URL; a throw-away database is created and dropped):

    .venv/bin/pip install -e '.[test]'
    .venv/bin/python bench/bench_pages.py [--moments 100000] [--seconds 10] [--connections 16] [--sqlite]

`--keep` keeps the seeded PostgreSQL database (its name is printed) and `--database NAME` runs
against such a database again without seeding (migrations are still applied), so a run after a
change need not seed 100 000 moments again.

It seeds the demo plus N moments (web.services.operations.seed), starts the app and bench/hello.py
each under `gunicorn -w 2` (sync workers), logs in as Marita (behandlare) and as Jane Doe (invånare)
and runs wrk against each page and against hello-world right before it, so the ratio compares
the same machine load. Prints a Markdown table: requests/s, ratio to hello-world, p99 latency.
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

PG_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def seed(url: str, data_dir: str, moments: int, reuse: bool = False) -> dict:
    """Migrate, seed the demo and `moments` more (not when `reuse`: seeded before); returns ids for the URLs."""
    from web import create_app, demo, manage
    from web.extensions import db
    from web.models import Enrollment, Patient, User
    from web.programs import get_program
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
        jane = db.session.execute(db.select(Enrollment.id).join(Patient).where(
            Patient.personnummer == demo.JANE)).scalar_one()
        marita = db.session.execute(db.select(User.id).where(User.username == "marita.andersson")).scalar_one()
        from web.models import Membership

        db.session.execute(db.update(Membership).where(Membership.user_id == marita).values(
            roles="behandlare forfattare"))  # the author preview outside the demo
        db.session.commit()
        # the busiest of Marita's active moments (not Jane's, whose step views the patient pages record)
        from web.models import Event

        busy = db.session.execute(
            db.select(Enrollment.id).join(Event, Event.enrollment_id == Enrollment.id)
            .where(Enrollment.clinician_id == marita, Enrollment.status == "active", Enrollment.id != jane)
            .group_by(Enrollment.id).order_by(db.func.count(Event.id).desc()).limit(1)).scalar_one()
        total = db.session.execute(db.select(db.func.count(Enrollment.id)).where(
            Enrollment.care_unit_id == db.session.get(Enrollment, jane).care_unit_id,
            Enrollment.status == "active")).scalar_one()
        deep = max(2, total // 25 - 1)
        # the moment on the last row of the page before: what the Nästa link there carries
        from web.services.clinician.overview import overview_page

        member = db.session.get(User, marita).membership(db.session.get(Enrollment, jane).care_unit_id)
        before_deep = overview_page(member, tab="alla", page=deep - 1).last_id
        db.engine.dispose()
    return {"jane": jane, "busy": busy, "deep_page": deep, "before_deep": before_deep}


def serve(app_spec: str, port: int, env: dict) -> subprocess.Popen:
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken: stop what listens there first")
    proc = subprocess.Popen([GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
                            cwd=ROOT, env=env, start_new_session=True)
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
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from web import demo

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
        procs.append(serve("web:create_app()", 8101, env))
        procs.append(serve("hello:app", 8102, {**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"}))
        app, hello = "http://127.0.0.1:8101", "http://127.0.0.1:8102/"
        staff = login(app, "/logga-in", {"username": "marita.andersson", "password": demo.PASSWORD})
        patient = login(app, "/invanare/logga-in", {"personnummer": "19610831-2460", "password": demo.PASSWORD})
        jane, busy = ids["jane"], ids["busy"]
        p = f"/stod-och-behandling/{jane}"
        pages = [
            ("patient step", f"{p}/modul/steg-1/motivation", patient),
            ("patient home", f"{p}/", patient),
            ("patient module", f"{p}/modul/steg-1/", patient),
            ("patient messages", f"{p}/meddelanden/", patient),
            ("overview Mina", "/oversikt/mina", staff),
            ("overview Alla", "/oversikt/alla", staff),
            ("overview Alla, name filter", "/oversikt/alla?q=lind", staff),
            ("overview Alla, name filter Öberg", "/oversikt/alla?q=%C3%B6berg", staff),
            ("overview Avslutade", "/oversikt/avslutade", staff),
            (f"overview Alla, page {ids['deep_page']} by Nästa",
             f"/oversikt/alla?sida={ids['deep_page']}&efter={ids['before_deep']}", staff),
            (f"overview Alla, page {ids['deep_page']} typed", f"/oversikt/alla?sida={ids['deep_page']}", staff),
            ("Hantera", f"/moment/{busy}/hantera", staff),
            ("Tidslinje, Veckovis", f"/moment/{busy}/tidslinje?period=vecka", staff),
            ("Tidslinje, Hela perioden", f"/moment/{busy}/tidslinje", staff),
            ("Händelser", f"/moment/{busy}/handelser", staff),
            ("Meddelanden (staff)", f"/moment/{busy}/meddelanden", staff),
            ("floor: Byt lösenord (session + layout)", "/min-profil/losenord", staff),
            ("author preview", "/author/tobakshjalpen/modul/steg-1/motivation", staff),
        ]
        if args.only:
            pages = [pg for pg in pages if args.only.lower() in pg[0].lower()]
        load = os.getloadavg()[0]
        print(f"\n{'SQLite' if args.sqlite else 'PostgreSQL'}, demo + {args.moments} moments; "
              f"gunicorn -w 2, wrk -c {args.connections} -d {args.seconds}s; load average before: {load:.1f}\n")
        print("| page | req/s | hello-world req/s | ratio | p99 ms |")
        print("|---|---|---|---|---|")
        for label, path, cookie in pages:
            wrk(app + path, 2, args.connections, cookie)  # warm up (caches, connections)
            base, _ = wrk(hello, args.seconds, args.connections)
            rps, p99 = wrk(app + path, args.seconds, args.connections, cookie)
            print(f"| {label} | {rps:.0f} | {base:.0f} | {rps / base:.2f} | {p99:.0f} |", flush=True)
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
