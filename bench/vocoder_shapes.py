"""The OpenVINO vocoder by call length: time per frame and the RSS each new shape adds.

    python bench/vocoder_shapes.py 64,128,192,256,320,384 [--hint bf16]

Shapes are compiled in the order given, in one process; RSS is read after each (OpenVINO keeps
buffers per shape, which is what limits `OvVocoder.largest` and its bucket).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shapes", help="comma-separated mel lengths in frames")
    parser.add_argument("--hint", default="bf16")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from synthesis.tts.runtime import cache
    from synthesis.tts.runtime.onnx_backend import ensure_graphs
    from synthesis.tts.runtime.openvino_backend import OvSession

    session = OvSession(ensure_graphs() / cache.FILES["vocoder-fp32"], args.threads, args.hint)
    print(f"RSS after compiling: {rss_mb():.0f} MB")
    rng = np.random.default_rng(0)
    for n in (int(x) for x in args.shapes.split(",")):
        mel = (rng.standard_normal((1, n, 80)) - 4).astype(np.float32)
        session.run(None, {"mel": mel})
        times = []
        for _ in range(5):
            t = time.perf_counter()
            session.run(None, {"mel": mel})
            times.append(time.perf_counter() - t)
        ms = statistics.median(times) * 1000
        print(f"{n:5d} frames: {ms:6.1f} ms, {ms / n * 1000:5.1f} µs/frame, RSS {rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
