"""Benchmark: espeak-ng + lame synthesis time for the pages of one module (default Steg 1).

Run from the repository root:

    .venv/bin/python bench/bench_audio.py [PROGRAM] [--module steg-1] [--repeat 3]

For every step it prints the words read, the best-of-N time of espeak-ng alone (to WAV) and of the
whole backend (espeak-ng + lame to MP3), and the audio length. Times are compared with baselines
measured in the same run, so the numbers mean the same on a slow or a busy machine: the real-time
factor (synthesis time / audio length) and lame's share of the whole pipeline.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.loader import load_program  # noqa: E402
from engine.authoring.speech import speech_text  # noqa: E402
from web.content.audio import EspeakBackend  # noqa: E402


def best_of(repeat: int, fn) -> tuple[float, object]:
    """Smallest wall time of `repeat` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def espeak_only(text: str, voice: str, folder: str) -> float:
    """Run espeak-ng to a WAV file and return the audio length in seconds."""
    wav = os.path.join(folder, "bench.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-w", wav], input=text.encode(), check=True)
    with wave.open(wav) as w:
        return w.getnframes() / w.getframerate()


def main() -> int:
    """Measure each step of the chosen module and print a table and totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("program", nargs="?", default="programs/tobakshjalpen.yaml")
    parser.add_argument("--module", default="steg-1")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    program = load_program(args.program)
    module = program.module(args.module)
    if module is None:
        print(f"no module '{args.module}' in {args.program}", file=sys.stderr)
        return 1
    voice = program.language or "sv"
    backend = EspeakBackend()

    print(f"{'step':<28} {'words':>6} {'espeak s':>9} {'+lame s':>8} {'audio s':>8} {'RTF':>6}")
    totals = {"words": 0, "espeak": 0.0, "full": 0.0, "audio": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        for step in module.steps:
            text = speech_text(step.title, step.text)
            words = len(text.split())
            t_espeak, audio_len = best_of(args.repeat, lambda: espeak_only(text, voice, folder))
            t_full, mp3 = best_of(args.repeat, lambda: backend.synthesize(text, voice))
            rtf = t_full / audio_len if audio_len else float("nan")
            print(f"{step.number + ' ' + step.id:<28} {words:>6} {t_espeak:>9.3f} {t_full:>8.3f} "
                  f"{audio_len:>8.1f} {rtf:>6.3f}")
            totals["words"] += words
            totals["espeak"] += t_espeak
            totals["full"] += t_full
            totals["audio"] += audio_len
    print(f"{'total':<28} {totals['words']:>6} {totals['espeak']:>9.3f} {totals['full']:>8.3f} "
          f"{totals['audio']:>8.1f} {totals['full'] / max(totals['audio'], 1e-9):>6.3f}")
    if totals["full"]:
        print(f"lame's share of the pipeline: {1 - totals['espeak'] / totals['full']:.0%}; "
              f"synthesis runs {totals['audio'] / totals['full']:.0f}× faster than real time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
