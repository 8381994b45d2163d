"""Benchmark: one `stegvis tick` evaluation over many moments, against evaluating every moment.

Run from the repository root (PostgreSQL at STEGVIS_TEST_PG_URL; a throw-away database is created
and dropped):

    .venv/bin/python bench/bench_tick.py [--moments 100000] [--sample 200] [--repeat 3] [--sqlite]
                                         [--keep] [--profile DIR]

The responsible clinician subscribes, for all her moments, to Invånare inaktivitet (7 days),
Påminnelse på modul (Steg 1, 2 days before) and Moment snart slut (30 days). Moments start spread
over the last 400 days; most patients were active yesterday. The script prints:
- the first tick (raises what is due) and a steady-state tick (nothing due: the common case), each with
  the CPU time of this process (the rest is PostgreSQL, or waiting for a core on a shared machine);
  on PostgreSQL the statistics are refreshed (ANALYZE) after seeding and after the first tick, as
  autovacuum would do shortly after such bulk writes;
- the baseline measured in the same run: asking the engine about every moment (as a loop over all
  moments would), timed on a sample and scaled to all moments;
- the ratio baseline / steady-state tick, which is what the set-based queries buy.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


#: CPU seconds of this process during the last best_of call's best run (the machine may be shared)
CPU = {"last": 0.0}


def best_of(repeat: int, fn) -> tuple[float, object]:
    """Smallest wall time of `repeat` calls, and the last result (the CPU time of that run in CPU["last"])."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        if time.perf_counter() - start < best:
            best, CPU["last"] = time.perf_counter() - start, time.process_time() - cpu
    return best, result


def analyze() -> None:
    """PostgreSQL: refresh the planner's statistics after bulk writes, as autovacuum soon would."""
    from web.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def profiled(folder: str | None, name: str, fn):
    """`fn()`, under cProfile when `folder` is given (stats written to folder/name.prof)."""
    if not folder:
        return fn()
    import cProfile

    Path(folder).mkdir(parents=True, exist_ok=True)
    profile = cProfile.Profile()
    try:
        return profile.runcall(fn)
    finally:
        profile.dump_stats(str(Path(folder) / f"{name}.prof"))


def bulk(model, rows: list[dict]) -> None:
    """Insert rows: COPY on PostgreSQL (as the demo seeder), Core executemany on SQLite."""
    from web.extensions import db
    from web.services.operations.seed_rows import _copy

    if db.session.get_bind().dialect.name == "postgresql":
        _copy(model.__table__, rows)
    else:
        db.session.execute(insert(model), rows)


def seed(n: int, now: datetime) -> list[int]:
    """A unit, Marita with three global subscriptions, and `n` moments inserted in bulk; returns their ids."""
    from web.extensions import db
    from web.models import CareUnit, Enrollment, EnrollmentModule, FlagSubscription, Patient, Region
    from web.content.programs import get_program
    from web.services.clinician.staff import create_staff

    program = get_program("tobakshjalpen")
    region = Region(name="Region Jönköpings län")
    unit = CareUnit(region=region, name="Utbildningsenhet")
    db.session.add_all([region, unit])
    db.session.commit()
    user = create_staff(unit, username="marita.andersson", name="Marita Andersson", password=None,
                        roles=["behandlare"], email="marita.andersson@example.se")
    for flag_type, params in (("patient_inactivity", {"days": 7}),
                              ("module_reminder", {"module": "steg-1", "days_before": 2}),
                              ("moment_ending_soon", {"days": 30})):
        db.session.add(FlagSubscription(user_id=user.id, enrollment_id=None, type=flag_type, params=params,
                                        created_at=now - timedelta(days=500)))
    rng = random.Random(7)
    patients = [{"personnummer": f"{i:012d}", "first_name": "P", "last_name": str(i), "created_at": now}
                for i in range(n)]
    bulk(Patient, patients)
    patient_ids = db.session.execute(db.select(Patient.id).order_by(Patient.id)).scalars().all()
    moments = []
    for pid in patient_ids:
        started = now - timedelta(days=rng.uniform(1, 400))
        active = rng.random() < 0.97
        moments.append({"patient_id": pid, "program_id": program.id, "program_version": program.version,
                        "program_digest": program.digest, "care_unit_id": unit.id, "clinician_id": user.id,
                        "status": "active", "started_at": started, "linked": [], "batteries": [],
                        "last_active": max(started, now - timedelta(days=1)) if active else None})
    bulk(Enrollment, moments)
    ids = db.session.execute(db.select(Enrollment.id, Enrollment.started_at).order_by(Enrollment.id)).all()
    modules = []
    for eid, started in ids:
        for position, m in enumerate(program.modules):
            current = m.starts_with_moment
            modules.append({"enrollment_id": eid, "module_id": m.id, "position": position,
                            "state": "current" if current else "upcoming",
                            "status": "read_write" if current else "hidden", "days": m.default_days or 0,
                            "activated_at": started if current else None})
    bulk(EnrollmentModule, modules)
    db.session.commit()
    return [eid for eid, _ in ids]


def main() -> int:
    """Seed, tick, measure the baseline, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moments", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true", help="Use a SQLite file instead of PostgreSQL.")
    parser.add_argument("--keep", action="store_true",
                        help="Keep the PostgreSQL database after the run (its name is printed; drop it yourself).")
    parser.add_argument("--profile", metavar="DIR",
                        help="Write cProfile stats of the first and a steady tick to DIR (first.prof, steady.prof).")
    args = parser.parse_args()

    from web import create_app
    from web.extensions import db
    from web.services.core.flags import raise_flags as raise_due_flags
    from web.services.operations.tick import evaluate

    name = f"stegvis_bench_tick_{uuid.uuid4().hex[:8]}"
    admin = None
    folder = tempfile.mkdtemp()
    if args.sqlite:
        url = f"sqlite:///{folder}/bench.db"
    else:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": folder})
        with app.app_context():
            db.create_all()
            now = datetime.now(UTC)
            t0 = time.perf_counter()
            ids = seed(args.moments, now)
            seeded = time.perf_counter() - t0
            analyze()
            first, report = best_of(1, lambda: profiled(args.profile, "first", lambda: evaluate(now)))
            first_cpu = CPU["last"]
            analyze()  # the first tick wrote a flag or two per moment
            steady, idle = best_of(args.repeat, lambda: evaluate(now))
            steady_cpu = CPU["last"]
            if args.profile:
                profiled(args.profile, "steady", lambda: evaluate(now))
            sample = random.Random(1).sample(ids, min(args.sample, len(ids)))

            def every_sampled_moment():
                from web.models import Enrollment

                for eid in sample:
                    raise_due_flags(db.session.get(Enrollment, eid), now)
                db.session.rollback()

            per_sample, _ = best_of(1, every_sampled_moment)
            baseline = per_sample / len(sample) * len(ids)
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None and args.keep:
            print(f"kept database {name}")
        elif admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"{backend}, {len(ids)} moments (seeded in {seeded:.1f} s)")
    print(f"  first tick:        {first * 1000:8.1f} ms  (CPU {first_cpu * 1000:.0f} ms; {report.flags} flags raised, "
          f"{report.flag_candidates} candidates, {report.batteries} batteries started)")
    print(f"  steady-state tick: {steady * 1000:8.1f} ms  (CPU {steady_cpu * 1000:.0f} ms; {idle.flags} flags, "
          f"{idle.flag_candidates} candidates; best of {args.repeat})")
    print(f"  baseline, engine over every moment: {baseline * 1000:8.1f} ms  "
          f"(measured on {len(sample)} moments, scaled)")
    print(f"  ratio baseline / steady-state tick: {baseline / steady:8.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
