"""Benchmark: peak memory of streamed exports of many moments, against loading every row first.

Run from the repository root (a throw-away SQLite database in a temporary folder):

    .venv/bin/python bench/bench_export.py [--moments 100000]

Each moment has a patient and two submitted forms (Fagerström and the 3-month follow-up). The script
prints, for the answers export as CSV and XLSX and the moments export as CSV, the time and the peak
Python memory (tracemalloc) of the streamed export, and as the baseline measured in the same run
the peak memory of the same answers query loaded into a list (what a non-streaming export would hold).
Max RSS is the process high-water mark, so the baseline runs last.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from web import create_app
from commands.operators import database as manage  # noqa: E402


def seed(db, n: int) -> None:
    from web.models import CareUnit, Enrollment, FormResponse, Patient, Region, User
    from web.models import Membership

    start = datetime(2025, 1, 1, tzinfo=UTC)
    region = Region(name="Region Bench")
    unit = CareUnit(region=region, name="Bench")
    user = User(username="bench", name="Bench")
    user.memberships.append(Membership(care_unit=unit, roles="dataadmin"))
    db.session.add_all([region, unit, user])
    db.session.commit()
    follow = {"tobak_7_dagar": False, "stoppdag_satt": "ja", "anvant_sedan_stopp": False, "produkter_nu": ["ingen"],
              "kommentar": "Det går bra, tack för hjälpen under hela programmet."}
    batch = 5000
    for first in range(0, n, batch):
        ids = range(first, min(n, first + batch))
        db.session.execute(Patient.__table__.insert(), [
            {"id": i + 1, "personnummer": f"{190000000000 + i}", "first_name": "A", "last_name": "B",
             "notify_email": False, "notify_sms": False, "created_at": start} for i in ids])
        db.session.execute(Enrollment.__table__.insert(), [
            {"id": i + 1, "patient_id": i + 1, "program_id": "tobakshjalpen", "program_version": "1.0.0",
             "program_digest": "x" * 64, "care_unit_id": unit.id, "clinician_id": user.id, "status": "active",
             "started_at": start + timedelta(minutes=i), "linked": [], "batteries": []} for i in ids])
        rows = []
        for i in ids:
            at = start + timedelta(minutes=i, days=1)
            common = {"enrollment_id": i + 1, "status": "submitted", "questions": {}, "created_at": at,
                      "updated_at": at, "submitted_at": at, "module_id": "steg-1", "step_id": "x"}
            rows.append({**common, "form_id": "ftnd", "answers": {"svart_avsta": False}, "score": 4.0,
                         "band": "Lågt beroende", "form_title": "FTND"})
            rows.append({**common, "form_id": "uppfoljning-3m", "answers": follow, "score": None, "band": None,
                         "form_title": "Uppföljning"})
        db.session.execute(FormResponse.__table__.insert(), rows)
        db.session.commit()


def measure(label: str, fn) -> None:
    """Time without tracing (tracemalloc slows Python code several times), then the traced peak."""
    began = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - began
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<44} {seconds:7.1f} s   peak {peak / 2**20:7.1f} MiB traced, {rss:6.0f} MiB max RSS so far   {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moments", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="stegvis-bench-export-"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "DATA_DIR": str(folder)})
    manage.upgrade(app)
    with app.app_context():
        from web.extensions import db
        from web.services.operations import export

        began = time.perf_counter()
        seed(db, args.moments)
        print(f"seeded {args.moments} moments, {2 * args.moments} answers in {time.perf_counter() - began:.1f} s")
        now = datetime(2026, 3, 2, tzinfo=UTC)
        answers = export.ExportRequest(kind="answers", format="csv", program_id="tobakshjalpen")
        moments = export.ExportRequest(kind="moments", format="csv")

        def drain(chunks) -> str:
            size = 0
            for chunk in chunks:
                size += len(chunk)
            return f"{size / 2**20:.1f} MiB of text"

        measure("answers CSV, streamed", lambda: drain(export.csv_chunks(answers, now)))
        measure("moments CSV, streamed", lambda: drain(export.csv_chunks(moments, now)))
        out = folder / "svar.xlsx"
        measure("answers XLSX (xlsx_stream), streamed",
                lambda: (export.write_xlsx(answers, now, str(out)), f"{out.stat().st_size / 2**20:.1f} MiB file")[1])
        db.session.expunge_all()
        measure("baseline: answers query loaded into a list",
                lambda: f"{len(db.session.execute(export.answers_query(answers)).all())} rows")


if __name__ == "__main__":
    main()
