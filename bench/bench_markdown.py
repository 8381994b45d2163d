"""Benchmark: staff Markdown (welcome texts) through markdown-it-py vs Python-Markdown.

Run from the repository root:

    .venv/bin/python bench/bench_markdown.py [--sizes 2500,5000,10000,20000]

Prints the best-of-3 time of `web.content.text.render_user_markdown` (markdown-it-py + nh3) for adversarial
inputs at each size, and Python-Markdown's time for the smallest size (it is quadratic on `[`), so the
growth per doubling shows whether rendering stays linear.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import markdown  # noqa: E402

from web.content.text import render_user_markdown  # noqa: E402

PATTERNS = {"[": "[", "![": "![", "[a](": "[a](", "*a": "*a", "<": "<", "`": "`", "text": "ord "}


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2500,5000,10000,20000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(f"{'input':8} " + " ".join(f"{n:>9}" for n in sizes) + "   python-markdown@" + str(sizes[0]))
    for name, unit in PATTERNS.items():
        times = [best_of(3, lambda n=n: render_user_markdown(unit * (n // len(unit)))) for n in sizes]
        old = best_of(1, lambda: markdown.markdown(unit * (sizes[0] // len(unit))))
        print(f"{name:8} " + " ".join(f"{t * 1000:8.0f}ms" for t in times) + f"   {old * 1000:8.0f}ms")


if __name__ == "__main__":
    main()
