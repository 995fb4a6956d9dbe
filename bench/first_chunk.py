"""Where the first chunk's time goes: analysis, encoder, first pass, first vocoder window.

    .venv/bin/python bench/first_chunk.py [--runs 15] [--backend B]

Times `next(engine.stream(paragraph))` and, separately, each stage it is made of (median of
the runs, warm engine). `analysis (whole text)` is what the first chunk paid before the frontend
became lazy (`Frontend.iter_analyze`); `analysis (first pass)` is what it pays now.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import PARAGRAPH  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--backend", default=None)
    args = parser.parse_args()

    from synthesis.tts.builtin import create
    from synthesis.tts.types import SynthesisRequest

    engine = create(backend=args.backend)
    engine.load()
    request = SynthesisRequest(text=PARAGRAPH)
    frontend, acoustic, vocoder = engine._frontend, engine._acoustic, engine._vocoder
    context = engine.config.first_chunk_frames + engine.config.context_frames
    times: dict[str, list[float]] = {
        k: []
        for k in (
            "first chunk from stream()",
            "analysis (whole text)",
            "analysis (first pass)",
            "encoder",
            "acoustic model, first pass",
            f"vocoder, {context} frames",
        )
    }
    keys = list(times)

    def timed(key, fn):
        t = time.perf_counter()
        out = fn()
        times[key].append(time.perf_counter() - t)
        return out

    for run in range(args.runs + 3):
        stream = engine.stream(request)
        timed(keys[0], lambda: next(stream))  # noqa: B023
        stream.close()
        timed(keys[1], lambda: frontend.analyze(PARAGRAPH))
        first = timed(keys[2], lambda: next(frontend.iter_analyze(PARAGRAPH)))
        ids = np.asarray([frontend.ids(first)], dtype=np.int64)
        if hasattr(acoustic, "_encoder"):
            timed(keys[3], lambda: acoustic._encoder.run(None, {"ids": ids}))  # noqa: B023
        out = timed(keys[4], lambda: acoustic(ids))  # noqa: B023
        timed(keys[5], lambda: vocoder(out.mel[:, :context]))  # noqa: B023
        if run < 3:  # warm-up rounds
            for v in times.values():
                v.clear()
    print(f"backend {engine.backend}, first pass {first.text!r}, {out.mel.shape[1]} frames")
    for key, values in times.items():
        if values:
            print(f"{key}: {1000 * statistics.median(values):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
