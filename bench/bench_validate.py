"""Benchmark: `stegvis validate PROGRAM` as a whole process vs a bare `yaml.safe_load` process.

Run from the repository root:

    .venv/bin/python bench/bench_validate.py [--program programs/tobakshjalpen.yaml] [--repeat 15]

Both sides are fresh Python processes, timed wall-clock from spawn to exit, alternating so that load on
the (shared) machine hits both alike:
- validate: `python -c "from cli import main; main()" validate PROGRAM` from the repository root, which is
  what the `stegvis` console script runs (`from cli import main`), with this checkout's code;
- baseline: `python -c "import yaml; …"` that `yaml.safe_load`s the program file and reads every other
  file the validation reads (the step Markdown, translated pages, PO catalogues) as text.
The baseline's file list is not guessed: a separate, untimed process runs `check_program` with an audit
hook and records every existing file it opens inside the repository outside the code (engine/, web/).
Bytecode: the children write and use __pycache__ (as an installed `stegvis` does; pip compiles on
install) even where PYTHONDONTWRITEBYTECODE is set; `--no-pyc` makes them compile every module from
source on every run instead (this is what a checkout sees with PYTHONDONTWRITEBYTECODE=1).
Prints best and median wall and CPU (user + system) time of each side, their ratios, and the load
average before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_LIST_FILES = r"""
import json, os, sys
root = os.path.realpath(os.getcwd())
code = tuple(os.path.join(root, d) + os.sep for d in ("engine", "web"))
from engine.loader import check_program
seen = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str):
        path = os.path.realpath(args[0])
        if path.startswith(root + os.sep) and not path.startswith(code) and path not in seen:
            seen.append(path)
sys.addaudithook(hook)
program, problems = check_program(sys.argv[1])
assert program is not None, [p.format() for p in problems]
print(json.dumps([os.path.relpath(p, root) for p in seen if os.path.isfile(p)]))
"""

_BASELINE = r"""
import sys
import yaml
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        if path.endswith((".yaml", ".yml")):
            yaml.safe_load(f)
        else:
            f.read()
"""

_VALIDATE = "import sys; from cli import main; sys.exit(main())"


def files_read(program: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _LIST_FILES, program], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one process: CPU (user + system) is steadier than wall on a loaded machine."""
    cpu = cpu_of_children()
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv[:3]}… exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return elapsed, cpu_of_children() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--program", default="programs/tobakshjalpen.yaml")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-pyc", action="store_true", help="Compile every module from source on every run.")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if args.no_pyc:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    files = files_read(args.program)
    kinds = {ext: sum(f.endswith(ext) for f in files) for ext in sorted({os.path.splitext(f)[1] for f in files})}
    print(f"files validate reads: {len(files)} ({', '.join(f'{n} {ext}' for ext, n in kinds.items())})")
    print("bytecode: " + ("compiled from source on every run" if args.no_pyc else "__pycache__ written and used"))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sides = {"validate": [sys.executable, "-c", _VALIDATE, "validate", args.program],
             "safe_load": [sys.executable, "-c", _BASELINE, *files]}
    for argv in sides.values():  # warm the page cache and __pycache__
        run(argv, env)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for _ in range(args.repeat):
        for name, argv in sides.items():
            times[name].append(run(argv, env))
    for what, index in (("wall", 0), ("CPU", 1)):
        v, b = ([t[index] for t in times[name]] for name in sides)
        for name, values in (("validate", v), ("safe_load", b)):
            print(f"{what:4} {name:10} best {min(values):.3f} s   median {statistics.median(values):.3f} s"
                  f"   (n={len(values)})")
        print(f"{what:4} ratio      best {min(v) / min(b):.2f}x   median {statistics.median(v) / statistics.median(b):.2f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
