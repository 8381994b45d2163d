"""Summarise a py-spy profile (`--format raw`, collapsed stacks) as the share of samples under each function.

    py-spy record -r 250 --format raw -o step.txt -- .venv/bin/python bench/inprocess_pages.py \\
        --database stegvis_bench_… --only "patient step" --requests 400
    .venv/bin/python bench/flame_summary.py step.txt [--match REGEX] [--top 40]

Each line: the percentage of all samples whose stack contains the function (inclusive time), then
the function as py-spy names it (line numbers dropped, so a function counts once per stack).
"""
from __future__ import annotations

import argparse
import re
from collections import Counter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile")
    parser.add_argument("--match", help="Only functions whose name or file matches this regular expression.")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    total = 0
    with open(args.profile, encoding="utf-8") as handle:
        for line in handle:
            stack, _, count = line.rstrip().rpartition(" ")
            n = int(count)
            total += n
            for frame in {re.sub(r":\d+\)$", ")", f) for f in stack.split(";")}:
                inclusive[frame] += n
    pattern = re.compile(args.match) if args.match else None
    shown = [(f, n) for f, n in inclusive.most_common() if pattern is None or pattern.search(f)][:args.top]
    print(f"{total} samples")
    for frame, n in shown:
        print(f"{100 * n / total:5.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
