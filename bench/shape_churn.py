"""RSS and CPU under many different input lengths (OpenVINO keeps kernels per shape).

    python bench/shape_churn.py [--backend bf16-openvino] [--threads 2]

Loads the engine, synthesizes the benchmark paragraph 6 times (median wall and CPU seconds of
the last 5), then 40 different substrings of it (40 new sets of pass lengths), and prints RSS
(MB, /proc/self/statm) after load, after the paragraphs and after the 40 texts, and the CPU
seconds per audio second over the 40 texts. See bench/README.md, "OpenVINO".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import PARAGRAPH  # noqa: E402


def rss_mb() -> int:
    with open("/proc/self/statm") as f:
        return round(int(f.read().split()[1]) * 4096 / 1e6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from synthesis.tts.builtin import create
    from synthesis.tts.types import SynthesisRequest

    engine = create(threads=args.threads, backend=args.backend)
    engine.load()
    after_load = rss_mb()
    request = SynthesisRequest(text=PARAGRAPH)
    engine.synthesize(request)
    walls, cpus = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        engine.synthesize(request)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    after_paragraph = rss_mb()
    texts = [PARAGRAPH[i : i + 7 + 3 * k] for k, i in enumerate(range(0, 120, 3))]
    c0, audio = time.process_time(), 0.0
    for text in texts:
        audio += engine.synthesize(SynthesisRequest(text=text)).duration
    churn_cpu = time.process_time() - c0
    print(
        f"backend {engine.backend}: RSS after load {after_load} MB, after the paragraphs "
        f"{after_paragraph} MB, after 40 different texts {rss_mb()} MB; paragraph "
        f"{statistics.median(walls):.3f} s wall, {statistics.median(cpus):.3f} CPU s; "
        f"40 texts {churn_cpu / audio:.4f} CPU s per audio s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
