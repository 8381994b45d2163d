"""Benchmark: the first tick of bench_tick.py's world, seeded once and ticked on fresh copies (PostgreSQL).

Seeding 100 000 moments takes minutes; a copy of a seeded database (CREATE DATABASE … TEMPLATE) takes
seconds. So: seed once, then tick a new copy as often as needed, with one code version or another,
and compare what each wrote.

    .venv/bin/python bench/bench_tick_clone.py seed stegvis_tick_20k --moments 20000
    .venv/bin/python bench/bench_tick_clone.py tick stegvis_tick_20k [--profile first.prof]
    py-spy record -r 100 --format raw -o first.txt -- .venv/bin/python bench/bench_tick_clone.py tick stegvis_tick_20k

`tick` prints the first tick's wall and CPU time (of this process), what it raised, a digest of the
rows it left (flag, event, notice, enrollment, enrollment_module: count and the md5 of the rows' md5s in id
order, which stays under PostgreSQL's 1 GB string limit at 100 000 moments — equal
digests from two code versions mean identical rows), then a steady tick at the same time (`--steady N`:
and N − 1 more, a minute apart). Any seeded database works as the template if its comment holds the
time to tick at (ISO), e.g. the demo's world: `stegvis demo --seed-only --moments 20000` into a new
database, then `COMMENT ON DATABASE … IS '<time>'`. The copy
is `<name>_c`, replaced on each run; drop both databases yourself when done.
"""
from __future__ import annotations

import argparse
import cProfile
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.bench_tick import PG_URL, analyze, seed  # noqa: E402

#: the tables the tick writes, compared by digest
TABLES = ("flag", "event", "notice", "enrollment", "enrollment_module")


def url_of(database: str) -> str:
    """The PostgreSQL URL of `database` on the server of STEGVIS_TEST_PG_URL."""
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def main() -> int:
    """Seed a database, or tick a fresh copy of it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["seed", "tick"])
    parser.add_argument("database")
    parser.add_argument("--moments", type=int, default=20_000)
    parser.add_argument("--profile", metavar="FILE", help="cProfile (CPU time) of the first tick to FILE.")
    parser.add_argument("--no-digest", action="store_true", help="Skip the digests (a minute at 100 000 moments).")
    parser.add_argument("--steady", type=int, default=1, metavar="N",
                        help="Steady ticks after the first: one at the same time, then one a minute later each.")
    args = parser.parse_args()

    from web import create_app
    from web.extensions import db
    from web.services.operations.tick import evaluate

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    target = args.database if args.what == "seed" else f"{args.database}_c"
    with admin.connect() as conn:
        if args.what == "seed":
            conn.execute(text(f'CREATE DATABASE "{target}"'))
        else:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{args.database}"'))
    admin.dispose()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url_of(target), "DATA_DIR": "/tmp"})
    with app.app_context():
        if args.what == "seed":
            db.create_all()
            now = datetime.now(UTC)
            seed(args.moments, now)
            # the seeding time, kept with the database (a utility statement takes no parameters; ISO has no quotes)
            db.session.execute(text(f"COMMENT ON DATABASE \"{target}\" IS '{now.isoformat()}'"))
            db.session.commit()
            analyze()
            print(f"seeded {args.moments} moments into {target} at {now.isoformat()}")
            return 0
        now = datetime.fromisoformat(db.session.execute(text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :d"),
            {"d": args.database}).scalar_one())
        analyze()  # a copy starts without statistics
        profile = cProfile.Profile(time.process_time) if args.profile else None
        start, cpu = time.perf_counter(), time.process_time()
        report = profile.runcall(evaluate, now) if profile else evaluate(now)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        if profile:
            profile.dump_stats(args.profile)
        print(f"first tick: {wall:.2f} s (CPU {cpu:.2f} s); {report.flags} flags, {report.batteries} batteries, "
              f"{report.reminders} reminders, {report.flag_candidates} candidates, {len(report.errors)} errors")
        for table in () if args.no_digest else TABLES:
            print(f"  {table}: " + str(db.session.execute(text(
                f"SELECT count(*) || ' ' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY x.id)), '-') "
                f"FROM {table} x")).scalar_one()))
        analyze()
        for i in range(args.steady):
            at = now + timedelta(minutes=i)
            start, cpu = time.perf_counter(), time.process_time()
            report = evaluate(at)
            print(f"steady tick (+{i} min): {time.perf_counter() - start:.2f} s (CPU {time.process_time() - cpu:.2f} s); "
                  f"{report.flags} flags, {report.reminders} reminders, {report.flag_candidates} flag / "
                  f"{report.reminder_candidates} reminder candidates")
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
