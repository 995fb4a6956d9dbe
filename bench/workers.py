"""Two engine processes (the qcluster shape) synthesizing the paragraph at once.

    python bench/workers.py [--backend int8-onnx] [--threads 1] [--repeats 3]

Prints total audio seconds per wall second for both workers together, and each worker's RSS and
PSS (MB) after its paragraphs, and their sums.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = r"""
import sys, time
sys.path.insert(0, %(root)r); sys.path.insert(0, %(root)r + "/bench")
from engine import PARAGRAPH
from synthesis.tts.builtin import create
from synthesis.tts.types import SynthesisRequest
engine = create(threads=%(threads)d, backend=%(backend)r)
engine.load()
request = SynthesisRequest(text=PARAGRAPH)
engine.synthesize(request)
print("ready", flush=True)
sys.stdin.readline()
audio = 0.0
for _ in range(%(repeats)d):
    audio += engine.synthesize(request).duration
print(audio, flush=True)
sys.stdin.readline()
"""


def rss_pss_mb(pid: int) -> tuple[float, float]:
    rss = pss = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss / 1024, pss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="int8-onnx")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    code = WORKER % {
        "root": str(ROOT),
        "threads": args.threads,
        "backend": args.backend,
        "repeats": args.repeats,
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    audio = sum(float(p.stdout.readline()) for p in procs)
    wall = time.perf_counter() - started
    mem = [rss_pss_mb(p.pid) for p in procs]
    for p in procs:
        p.stdin.write("end\n")
        p.stdin.flush()
        p.wait(timeout=30)
    print(
        f"backend {args.backend}, {args.threads} thread(s) per worker: "
        f"{audio / wall:.1f} audio s per wall s; "
        f"RSS {' + '.join(f'{r:.0f}' for r, _ in mem)} = {sum(r for r, _ in mem):.0f} MB, "
        f"PSS {sum(p for _, p in mem):.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
