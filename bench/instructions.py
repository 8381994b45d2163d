"""Machine instructions per request (valgrind's callgrind), for pages in one or more checkouts side by side.

CPU time on a shared two-core VM moves by 10–30 % between batches of the same code, so a 5 % change cannot be
seen in it. The instructions a request executes (Python, its C extensions, psycopg and libpq; not the database
server's) are the same to within a fraction of a percent from run to run. Each checkout runs its own app under
callgrind with instrumentation off until the page is warm; then only the requests are counted.

    apt-get install -y valgrind   # a benchmark tool only, as wrk
    .venv/bin/python bench/instructions.py --database stegvis_bench_xxxxxxxx --checkouts ../before,. \\
        --requests 5 "patient step" "Hantera"

Page names are bench/pages.py's (`--list` prints them). Before/after: the first checkout is the base.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
PG_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def worker(url: str) -> None:
    """In a checkout's root, under callgrind: 'warm PAGE' (three requests), 'run PAGE N'; answers 'ok'."""
    sys.path[:0] = [os.getcwd(), os.path.join(os.getcwd(), "bench")]
    import pages as bench_pages  # the checkout's own bench/pages.py

    from commands.operators import demo_data as demo
    from web import create_app

    app = create_app({"DEMO": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": tempfile.mkdtemp(),
                      "SECRET_KEY": "e" * 64})

    def client(staff: bool):
        c = app.test_client()
        path = "/logga-in" if staff else "/invanare/logga-in"
        token = bench_pages.csrf_token(c.get(path).get_data(as_text=True))
        who = {"username": "marita.andersson"} if staff else {"personnummer": "19610831-2460"}
        answer = c.post(path, data={**who, "password": demo.PASSWORD, "csrf_token": token})
        assert answer.status_code == 302, answer.status_code
        return c

    with app.app_context():
        ids = bench_pages.page_ids()
    staff, patient = client(True), client(False)

    def search(text: str) -> str:
        token = bench_pages.csrf_token(staff.get("/oversikt/alla").get_data(as_text=True))
        return staff.post("/oversikt/alla", data={"q": text, "csrf_token": token}).location

    pages = {label: (path, c) for label, path, c in bench_pages.pages(ids, staff, patient, None, search=search)}
    print("ready " + "\t".join(pages), flush=True)
    for line in sys.stdin:
        command, rest = line.rstrip("\n").split(" ", 1)
        label, _, n = rest.rpartition(" ") if command == "run" else (rest, "", "3")
        path, c = pages[label]
        for _ in range(int(n)):
            assert c.get(path).status_code == 200, (label, path)
        print("ok", flush=True)


class Counted:
    """One checkout's app under callgrind, instrumented only while a page's requests run."""

    def __init__(self, checkout: Path, url: str, out: str, index: int):
        self.out = out
        self.process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/cg.{index}.%p",
             sys.executable, str(HERE), "--worker", url],
            cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": str(checkout)})
        first = self.process.stdout.readline().rstrip("\n")
        if not first.startswith("ready "):
            raise SystemExit(f"{checkout}: the app did not start under valgrind")
        self.pages = first[len("ready "):].split("\t")

    def _ask(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "ok"

    def _control(self, *args: str) -> None:
        subprocess.run(["callgrind_control", *args, str(self.process.pid)], capture_output=True, check=True)

    def per_request(self, label: str, requests: int) -> float:
        self._ask(f"warm {label}")
        self._control("-z")
        self._control("-i", "on")
        self._ask(f"run {label} {requests}")
        before = set(glob.glob(f"{self.out}/*"))
        self._control("-d")
        self._control("-i", "off")
        (dump,) = set(glob.glob(f"{self.out}/*")) - before
        text = Path(dump).read_text()
        os.remove(dump)
        found = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        assert found, dump
        return int(found.group(1)) / requests

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="Page names (bench/pages.py); all when none.")
    parser.add_argument("--database", help="A PostgreSQL database kept by bench_pages.py --keep.")
    parser.add_argument("--url", help="Any database URL instead (e.g. sqlite:////tmp/demo/stegvis.db).")
    parser.add_argument("--checkouts", default=".", help="Comma-separated checkout folders (default: this one).")
    parser.add_argument("--requests", type=int, default=5, help="Requests counted per page (after three warm ones).")
    parser.add_argument("--list", action="store_true", help="Print the page names and stop.")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return 0
    if not (args.database or args.url):
        parser.error("--database or --url is required")
    from sqlalchemy.engine import make_url

    url = args.url or make_url(PG_URL).set(database=args.database).render_as_string(hide_password=False)
    out = tempfile.mkdtemp()
    checkouts = [Path(c).resolve() for c in args.checkouts.split(",")]
    counted = [Counted(c, url, out, i) for i, c in enumerate(checkouts)]
    try:
        labels = args.pages or counted[0].pages
        if args.list:
            print("\n".join(labels))
            return 0
        print("| page | " + " | ".join(c.name for c in checkouts) + (" | change |" if len(checkouts) > 1 else ""))
        print("|---" * (len(checkouts) + 1 + (len(checkouts) > 1)) + "|")
        for label in labels:
            row = [c.per_request(label, args.requests) for c in counted]
            change = f" {(row[-1] / row[0] - 1) * 100:+.1f} % |" if len(row) > 1 else ""
            print(f"| {label} | " + " | ".join(f"{n / 1e6:.2f} M" for n in row) + " |" + change, flush=True)
    finally:
        for c in counted:
            c.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
