"""Where a page's CPU goes under load: the app's gunicorn workers, PostgreSQL, and wrk, in ms per request.

bench_pages.py gives each page's rate as a share of the peer's; on two cores the app, PostgreSQL and wrk share
the CPUs, so a share says little about which of them to make cheaper. This runs the app and the peer under
`gunicorn -w 2` as bench_pages.py does, puts each page under wrk, and divides the CPU time each side used
(/proc/<pid>/stat of the app's process group and of every `postgres` process; wrk's own rusage) by the
requests answered.

    .venv/bin/python bench/cpu_split.py --database stegvis_bench_xxxxxxxx --seconds 5 "patient step" "Hantera"
"""
from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_pages  # noqa: E402  (bench/, beside this script)
import pages as bench_page_list  # noqa: E402
import peer as bench_peer  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pids: list[str]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _processes(keep) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if keep(pid):
                found.append(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def _in_group(pgid: int):
    return lambda pid: os.getpgid(int(pid)) == pgid


def _postgres(pid: str) -> bool:
    return Path(f"/proc/{pid}/comm").read_text().startswith("postgres")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="Page names (bench/pages.py); all when none.")
    parser.add_argument("--database", required=True, help="A PostgreSQL database kept by bench_pages.py --keep.")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    from sqlalchemy.engine import make_url

    from commands.operators import demo_data as demo
    from web import create_app
    from web.extensions import db

    folder = tempfile.mkdtemp()
    url = make_url(bench_pages.PG_URL).set(database=args.database).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "STEGVIS_DATA_DIR": folder, "SECRET_KEY": "b" * 64,
           "PYTHONPATH": str(bench_pages.ROOT)}
    app_server = bench_pages.serve("web.ops.server:wsgi_app()", 8101, env)
    peer_folder = bench_peer.prepare(bench_peer.DEFAULT, Path(folder))
    peer_server = bench_pages.serve(bench_peer.APP, 8103, bench_peer.environment(peer_folder), cwd=peer_folder)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": folder, "SECRET_KEY": "b" * 64})
        with app.app_context():
            ids = bench_page_list.page_ids()
            db.engine.dispose()
        base, peer = "http://127.0.0.1:8101", "http://127.0.0.1:8103"
        staff = bench_pages.login(base, "/logga-in", {"username": "marita.andersson", "password": demo.PASSWORD})
        patient = bench_pages.login(base, "/invanare/logga-in",
                                    {"personnummer": "19610831-2460", "password": demo.PASSWORD})
        runs = [("the peer page", peer + "/", bench_peer.log_in_with_posts(peer), peer_server)]
        for label, path, cookie in bench_page_list.pages(ids, staff, patient, None,
                                                         search=bench_pages.searcher(base, staff)):
            if not args.pages or label in args.pages:
                runs.append((label, base + path, cookie, app_server))
        print(f"gunicorn -w 2, wrk -c {args.connections} -d {args.seconds}s; load average {os.getloadavg()[0]:.1f}\n")
        print("| page | req/s | app CPU ms/request | PostgreSQL CPU ms/request | wrk CPU ms/request | sum |")
        print("|---|---|---|---|---|---|")
        for label, address, cookie, server in runs:
            bench_pages.wrk(address, 2, args.connections, cookie)  # warm up
            app_pids, pg_pids = _processes(_in_group(server.pid)), _processes(_postgres)
            app0, pg0 = _cpu_ticks(app_pids), _cpu_ticks(pg_pids)
            wrk0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            out = subprocess.run(["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s",
                                  "-H", f"Cookie: {cookie}", address], capture_output=True, text=True, check=True).stdout
            app1, pg1 = _cpu_ticks(app_pids), _cpu_ticks(pg_pids)
            wrk1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            answered = int(next(line for line in out.splitlines() if "requests in" in line).split()[0])
            ms = [(app1 - app0) / TICKS * 1000 / answered, (pg1 - pg0) / TICKS * 1000 / answered,
                  ((wrk1.ru_utime + wrk1.ru_stime) - (wrk0.ru_utime + wrk0.ru_stime)) * 1000 / answered]
            print(f"| {label} | {answered / args.seconds:.0f} | " + " | ".join(f"{m:.2f}" for m in ms)
                  + f" | {sum(ms):.2f} |", flush=True)
    finally:
        for server in (app_server, peer_server):
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
