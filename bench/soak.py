"""Soak benchmark: minutes of mixed patient and clinician pages through `stegvis serve`, watching worker memory.

Run from the repository root (PostgreSQL at STEGVIS_TEST_PG_URL; a throw-away database is created and
dropped at the end, unless --database-url names one to seed instead, e.g. sqlite:////tmp/soak.db, or
one seeded already with --seeded, e.g. a copy of a 100 000-moment database kept by bench_pages.py --keep):

    .venv/bin/python bench/soak.py [--minutes 10] [--moments 5000] [--clients 8] [--workers 2]

It seeds the demo plus N moments (bench_pages.seed), starts `stegvis serve` (cli.py serve: gunicorn in
process, settings from STEGVIS_BIND/_WORKERS/_THREADS) on a free port of 127.0.0.1, logs in as Jane Doe
(invånare) and Marita (behandlare) and lets a bounded number of client threads (http.client, keep-alive)
request the patient pages (home, step, module, messages) and the clinician pages (overview Mina and Alla,
Hantera, Tidslinje, Händelser, Meddelanden) in turn. After a warm-up it reads each gunicorn worker's
VmRSS (/proc/<pid>/status of the master's children) at the start, the middle and the end, and its peak
since the start (VmHWM, reset then through clear_refs), and prints Markdown tables: throughput and p99
per third of the run, p50/p99 per page and page group, errors (non-2xx/3xx answers and connection
errors) and the verdict of the issue-27 target "RSS per worker flat (± 10 %)": every worker's middle and
end RSS within 10 % of its start (exit status 1 when not). The server is stopped and the temporary
folder and database removed on exit, on Ctrl-C and on SIGTERM.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench_pages  # noqa: E402  (bench/bench_pages.py: seed and login)
import pages as bench_page_list  # noqa: E402  (bench/pages.py: the measured pages)

PG_URL = os.environ.get("STEGVIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
#: the pages of bench/pages.py the soak mixes, with their group
PATIENT = ["patient home", "patient step", "patient module", "patient messages"]
CLINICIAN = ["overview Mina", "overview Alla", "Hantera", "Tidslinje, Veckovis", "Händelser", "Meddelanden (staff)"]
#: the target of issue 27: RSS per worker within this share of its start value
FLAT = 0.10


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, env: dict, log_path: Path) -> subprocess.Popen:
    """`stegvis serve` (cli.py serve) in its own process group; returns once /healthz answers and all workers run."""
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "serve"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()  # the child has its own descriptor
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"stegvis serve exited with {proc.returncode}:\n{tail(log_path)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200 and len(workers(proc.pid)) >= int(env["STEGVIS_WORKERS"]):
                conn.close()
                return proc
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"stegvis serve did not answer within 120 s:\n{tail(log_path)}")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (gunicorn's graceful stop), SIGKILL if it does not end."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=45)  # STEGVIS_TIMEOUT (30 s) is also gunicorn's graceful time
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 20) -> str:
    """The last lines of the server's log."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def workers(master: int) -> list[int]:
    """The pids of the gunicorn master's children (its workers), read from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended while we looked
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:  # the field after state is the ppid
            found.append(int(entry))
    return sorted(found)


def rss_mb(pid: int, field: str = "VmRSS") -> float | None:
    """VmRSS (or another /proc status field in kB, e.g. VmHWM: the peak) of a process in MB; None once ended."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak(pid: int) -> bool:
    """Reset a process's VmHWM to its current RSS (a fork inherits the master's peak); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def sample(master: int) -> dict[int, float]:
    """Worker pid → RSS in MB, now."""
    return {pid: mb for pid in workers(master) if (mb := rss_mb(pid)) is not None}


class Load:
    """Client threads requesting the plan's pages in turn until a deadline or a request count is reached."""

    def __init__(self, port: int, plan: list[tuple[str, str, str]], clients: int, max_requests: int):
        self.port, self.plan, self.clients = port, plan, clients
        self.budget = itertools.count()  # next() is atomic under the GIL: the shared request count
        self.max_requests = max_requests
        self.stop = threading.Event()
        self.origin = 0.0  # perf_counter of the measured start; requests before it are the warm-up
        #: (label, seconds since the measured start, latency in s, status; 0 = connection error, text)
        self.records: list[tuple[str, float, float, int, str]] = []
        self.threads: list[threading.Thread] = []

    def start(self, deadline: float) -> None:
        """Start the client threads; they stop at `deadline` (perf_counter), on stop or at max_requests."""
        for index in range(self.clients):
            thread = threading.Thread(target=self._client, args=(index, deadline), daemon=True,
                                      name=f"soak-client-{index}")
            thread.start()
            self.threads.append(thread)

    def join(self) -> None:
        """Stop the clients and wait for them (each ends after at most one request's timeout)."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=40)

    def _client(self, index: int, deadline: float) -> None:
        conn: http.client.HTTPConnection | None = None
        turn = index  # each client starts at another page, so every page is in flight all the time
        while not self.stop.is_set() and time.perf_counter() < deadline and next(self.budget) < self.max_requests:
            label, path, cookie = self.plan[turn % len(self.plan)]
            turn += 1
            started = time.perf_counter()
            status, note = 0, ""
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", path, headers={"Cookie": cookie})
                answer = conn.getresponse()
                answer.read()
                status = answer.status
                if answer.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                note = f"{type(exc).__name__}: {exc}"
                if conn is not None:
                    conn.close()
                conn = None
            done = time.perf_counter()
            self.records.append((label, started - self.origin, done - started, status, note))
        if conn is not None:
            conn.close()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def is_error(status: int) -> bool:
    """Not a 2xx or 3xx answer, or no answer at all."""
    return not 200 <= status < 400


def latency_cells(latencies: list[float]) -> str:
    """'p50 | p99 | max' in ms, or dashes."""
    if not latencies:
        return "– | – | –"
    return " | ".join(f"{value * 1000:.0f}" for value in
                      (percentile(latencies, 0.5), percentile(latencies, 0.99), max(latencies)))


def report(records: list, seconds: float, rss: dict[str, dict[int, float]], series: list,
           peaks: dict[int, float]) -> bool:
    """Print the tables; returns whether every worker's RSS stayed within ±10 % of its start."""
    measured = [r for r in records if 0 <= r[1] < seconds]
    group_of = {label: "patient" for label in PATIENT} | {label: "clinician" for label in CLINICIAN}
    errors = [r for r in measured if is_error(r[3])]
    print(f"\n{len(measured)} requests in {seconds:.0f} s: {len(measured) / seconds:.1f} req/s, "
          f"{len(errors)} errors, {sum(1 for r in measured if 300 <= r[3] < 400)} redirects\n")

    print("| part of the run | req/s | errors | patient p50 / p99 ms | clinician p50 / p99 ms |")
    print("|---|---|---|---|---|")
    for part, name in enumerate(("first third", "middle third", "last third")):
        low, high = seconds * part / 3, seconds * (part + 1) / 3
        rows = [r for r in measured if low <= r[1] < high]
        cells = []
        for group in ("patient", "clinician"):
            lat = [r[2] for r in rows if group_of[r[0]] == group and not is_error(r[3])]
            cells.append(f"{percentile(lat, 0.5) * 1000:.0f} / {percentile(lat, 0.99) * 1000:.0f}" if lat else "–")
        print(f"| {name} ({low / 60:.1f}–{high / 60:.1f} min) | {len(rows) / (high - low):.1f} "
              f"| {sum(1 for r in rows if is_error(r[3]))} | {cells[0]} | {cells[1]} |")

    print("\n| page | group | requests | errors | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for group, labels in (("patient", PATIENT), ("clinician", CLINICIAN)):
        for label in labels + [f"all {group} pages"]:
            rows = [r for r in measured if r[0] == label or (label.startswith("all ") and group_of[r[0]] == group)]
            ok = [r[2] for r in rows if not is_error(r[3])]
            name = f"**{label}**" if label.startswith("all ") else label
            print(f"| {name} | {group} | {len(rows)} | {sum(1 for r in rows if is_error(r[3]))} "
                  f"| {latency_cells(ok)} |")
    if errors:
        kinds: dict[str, int] = {}
        for r in errors:
            key = f"{r[0]}: {r[3] or r[4]}"
            kinds[key] = kinds.get(key, 0) + 1
        print("\nerrors: " + "; ".join(f"{key} × {n}" for key, n in sorted(kinds.items())))

    print("\n| worker pid | RSS MB before load | start (after warm-up) | middle | end | end vs start "
          "| peak since start (VmHWM) | within ±10 % |")
    print("|---|---|---|---|---|---|---|---|")
    flat = True
    for pid in sorted(set(rss["before"]) | set(rss["start"]) | set(rss["end"])):
        values = [rss[moment].get(pid) for moment in ("before", "start", "middle", "end")]
        start, middle, end = values[1:]
        if start is None or middle is None or end is None:
            verdict, change = "no (worker replaced during the run)", "–"
            flat = False
        else:
            worst = max(abs(middle - start), abs(end - start)) / start
            change = f"{(end - start) / start * 100:+.1f} %"
            verdict = "yes" if worst <= FLAT else f"no (largest change {worst * 100:.1f} %)"
            flat = flat and worst <= FLAT
        cells = " | ".join("–" if v is None else f"{v:.1f}" for v in values)
        peak = f"{peaks[pid]:.1f}" if pid in peaks else "–"
        print(f"| {pid} | {cells} | {change} | {peak} | {verdict} |")
    print(f"\nverdict: RSS per worker flat (±10 %) over the run: {'MET' if flat else 'NOT MET'}")
    if series:
        print("RSS samples (minute: MB per worker): "
              + "; ".join(f"{at / 60:.1f}: " + "/".join(f"{mb:.0f}" for _, mb in sorted(s.items()))
                          for at, s in series))
    return flat


def _interrupt(signum, frame) -> None:
    """SIGTERM ends the soak like Ctrl-C: through the cleanup."""
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="Length of the measured run (after warm-up).")
    parser.add_argument("--warmup", type=float, default=30.0, help="Seconds of load before the start sample.")
    parser.add_argument("--moments", type=int, default=5000, help="Moments seeded beside the demo.")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent client threads (connections).")
    parser.add_argument("--workers", type=int, default=2, help="STEGVIS_WORKERS of the server.")
    parser.add_argument("--threads", type=int, default=4, help="STEGVIS_THREADS of the server.")
    parser.add_argument("--rss-every", type=float, default=30.0, help="Seconds between RSS samples.")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="Stop after this many requests.")
    parser.add_argument("--database-url", help="Seed this (empty) database instead of a new PostgreSQL one; "
                                               "it is kept. E.g. sqlite:////tmp/soak.db")
    parser.add_argument("--seeded", action="store_true",
                        help="The database at --database-url is seeded already (e.g. kept by bench_pages.py --keep, "
                             "100 000 moments): use it as it is.")
    args = parser.parse_args()
    if args.seeded and not args.database_url:
        parser.error("--seeded needs --database-url")
    if not 0 < args.minutes <= 24 * 60 or not 1 <= args.clients <= 64 or args.warmup < 0 or args.rss_every <= 0:
        parser.error("--minutes must be 0–1440, --clients 1–64, --warmup 0 or more and --rss-every above 0")

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from commands.operators import demo_data as demo

    folder = Path(tempfile.mkdtemp(prefix="stegvis-soak-"))
    admin, name, proc, load = None, None, None, None
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    try:
        if args.database_url:
            url = args.database_url
        else:
            name = f"stegvis_soak_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        started = time.perf_counter()
        ids = bench_pages.seed(url, str(folder), args.moments, reuse=args.seeded)
        if args.seeded:  # its own size, not --moments (which a seeded database ignores)
            counter = create_engine(url)
            with counter.connect() as conn:
                moments = f"{conn.execute(text('SELECT count(*) FROM enrollment')).scalar_one()} moments in all"
            counter.dispose()
        else:
            moments = f"demo + {args.moments} moments"
            print(f"seeded the demo + {args.moments} moments in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "STEGVIS_DATA_DIR": str(folder), "SECRET_KEY": "s" * 64,
               "PYTHONPATH": str(ROOT), "STEGVIS_BIND": f"127.0.0.1:{port}", "STEGVIS_WORKERS": str(args.workers),
               "STEGVIS_THREADS": str(args.threads), "STEGVIS_METRICS_DIR": str(folder / "metrics")}
        proc = start_server(port, env, folder / "serve.log")
        rss = {"before": sample(proc.pid)}
        base = f"http://127.0.0.1:{port}"
        staff = bench_pages.login(base, "/logga-in", {"username": "marita.andersson", "password": demo.PASSWORD})
        patient = bench_pages.login(base, "/invanare/logga-in",
                                    {"personnummer": "19610831-2460", "password": demo.PASSWORD})
        found = {label: (label, path, who) for label, path, who in bench_page_list.pages(ids, staff, patient)}
        plan = [found[label] for pair in itertools.zip_longest(PATIENT, CLINICIAN) for label in pair if label]
        for label, path, cookie in plan:  # every page answers 200 before the soak starts
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path, headers={"Cookie": cookie})
            status = conn.getresponse().status
            conn.close()
            if status != 200:
                raise SystemExit(f"{label} ({path}) answered {status} before the soak")

        seconds = args.minutes * 60
        load_before = os.getloadavg()
        load = Load(port, plan, args.clients, args.max_requests)
        load.origin = time.perf_counter() + args.warmup
        load.start(load.origin + seconds)
        series: list[tuple[float, dict[int, float]]] = []
        marks = {"start": 0.0, "middle": seconds / 2}
        reset: set[int] = set()  # workers whose peak RSS counts from the start sample
        next_sample = 0.0
        while True:  # bounded: the clients end at origin + seconds, and so does this loop
            now = time.perf_counter() - load.origin
            for moment, at in list(marks.items()):
                if now >= at:
                    rss[moment] = sample(proc.pid)
                    if moment == "start":
                        reset = {pid for pid in rss["start"] if reset_peak(pid)}
                    del marks[moment]
            if now >= next_sample and now >= 0:
                series.append((now, sample(proc.pid)))
                next_sample += args.rss_every
            if now >= seconds or not any(t.is_alive() for t in load.threads):
                break
            if proc.poll() is not None:
                raise SystemExit(f"stegvis serve ended during the soak ({proc.returncode}):\n"
                                 f"{tail(folder / 'serve.log')}")
            time.sleep(0.25)
        rss["end"] = sample(proc.pid)  # before the clients wind down: still under load
        peaks = {pid: mb for pid in rss["end"] if pid in reset and (mb := rss_mb(pid, "VmHWM")) is not None}
        if not series or seconds - series[-1][0] > 1:
            series.append((seconds, rss["end"]))
        load.join()
        rss.setdefault("start", {}), rss.setdefault("middle", {})  # when the run was cut short
        ran = min(seconds, max(0.0, time.perf_counter() - load.origin))
        log_lines = (folder / "serve.log").read_text(errors="replace").splitlines()
        where = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        kind = "gthread" if args.threads > 1 else "sync"
        print(f"\n{where}, {moments}; stegvis serve: {args.workers} workers × {args.threads} "
              f"threads ({kind}); {args.clients} clients, {len(plan)} pages in turn; warm-up {args.warmup:.0f} s, "
              f"measured {ran / 60:.1f} min; load average before {load_before[0]:.1f} "
              f"(5 min {load_before[1]:.1f}), after {os.getloadavg()[0]:.1f}")
        flat = report(load.records, ran, rss, series, peaks)
        problems = [line for line in log_lines if '"level": "ERROR"' in line or "Traceback" in line]
        print(f"server log: {len(log_lines)} lines, {len(problems)} errors"
              + (f"; first: {problems[0][:300]}" if problems else ""))
        return 0 if flat else 1
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the server and cleaning up", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if load is not None:
            load.join()
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(folder, ignore_errors=True)
        if admin is not None and name:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
