"""Vocoder time by the longest span it is given (`EngineConfig.max_vocoder_frames`).

    .venv/bin/python bench/vocoder_spans.py [--runs 5] [--limits 0,256,384,512,768]

The paragraph's passes (real mels from the engine's acoustic model) are vocoded in equal spans
of at most `limit` frames with the engine's 24 frames of context on each side (0 = whole
passes), limits interleaved run by run. Prints frames vocoded (overlap included), wall and CPU
seconds (medians).
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limits", default="0,256,384,512,768")
    parser.add_argument("--backend", default=None)
    args = parser.parse_args()

    from synthesis.tts.builtin import create
    from synthesis.tts.types import SynthesisRequest

    engine = create(backend=args.backend)
    engine.load()
    prosody = engine._prosody(SynthesisRequest(text=PARAGRAPH))
    frontend = engine.frontend()
    mels = [engine._mel(frontend.ids(p), prosody) for p in frontend.analyze(PARAGRAPH)]
    ctx = engine.config.context_frames
    vocoder = engine._vocoder

    def run(limit: int) -> int:
        frames = 0
        for mel in mels:
            n = mel.shape[1]
            pieces = max(1, -(-n // limit)) if limit else 1
            bounds = [round(i * n / pieces) for i in range(pieces + 1)]
            for start, end in zip(bounds[:-1], bounds[1:], strict=True):
                lo, hi = max(0, start - ctx), min(n, end + ctx)
                frames += hi - lo
                vocoder(mel[:, lo:hi])
        return frames

    limits = [int(x) for x in args.limits.split(",")]
    wall = {lim: [] for lim in limits}
    cpu = {lim: [] for lim in limits}
    frames = {lim: run(lim) for lim in limits}  # warm-up
    for _ in range(args.runs):
        for lim in limits:
            t, c = time.perf_counter(), time.process_time()
            run(lim)
            wall[lim].append(time.perf_counter() - t)
            cpu[lim].append(time.process_time() - c)
    print(f"backend {engine.backend}, passes {[m.shape[1] for m in mels]}")
    print("limit | frames vocoded | wall s | CPU s")
    for lim in limits:
        print(
            f"{lim or 'whole'} | {frames[lim]} | {statistics.median(wall[lim]):.3f} | "
            f"{statistics.median(cpu[lim]):.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
