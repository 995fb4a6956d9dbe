"""Whole engines side by side in one process, run by run, so the shared box's load hits them alike.

    .venv/bin/python bench/engines_ab.py [--engines int8-onnx,int8-onnx+ov] [--runs 9]
    .venv/bin/python bench/engines_ab.py --engines int8-onnx+ov,int8-onnx+ov@/tmp/old-graphs
    .venv/bin/python bench/engines_ab.py --text "您好，您的验证码是482913。" --runs 21

Each engine is `backend` or `backend@folder` (`folder`: another export's ONNX graphs, e.g. a
copy of the cache made before changing the exporter). Per run and engine: the paragraph of
bench/engine.py or `--text` (wall and CPU seconds), then the first chunk of `stream()` after a
short idle gap (so its threads have gone to sleep, as between a service's requests). Medians
and minima.
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


def load(spec: str):
    from synthesis.tts.builtin import create
    from synthesis.tts.runtime import onnx_backend

    backend, _, folder = spec.partition("@")
    engine = create(backend=backend)
    if not folder:
        engine.load()
        return engine
    original = onnx_backend.ensure_graphs
    onnx_backend.ensure_graphs = lambda *args, **kwargs: Path(folder)
    try:
        engine.load()
    finally:
        onnx_backend.ensure_graphs = original
    return engine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="int8-onnx,int8-onnx+ov")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--gap", type=float, default=0.05, help="idle seconds before a stream")
    parser.add_argument("--text", default=PARAGRAPH, help="instead of the paragraph")
    args = parser.parse_args()

    from synthesis.tts.types import SynthesisRequest

    engines = {spec: load(spec) for spec in args.engines.split(",")}
    time.sleep(1.0)  # background warm-ups finish
    request = SynthesisRequest(text=args.text)
    keys = ("wall", "cpu", "first")
    times = {spec: {k: [] for k in keys} for spec in engines}
    for run in range(args.runs + 1):
        for spec, engine in engines.items():
            t0, c0 = time.perf_counter(), time.process_time()
            engine.synthesize(request)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            time.sleep(args.gap)
            t0 = time.perf_counter()
            stream = engine.stream(request)
            next(stream)
            first = time.perf_counter() - t0
            stream.close()
            if run:  # run 0 warms up
                for key, value in zip(keys, (wall, cpu, first), strict=True):
                    times[spec][key].append(value)
    for spec, engine in engines.items():
        t = times[spec]
        print(
            f"{spec}: backend {engine.backend}, text {statistics.median(t['wall']):.3f} s "
            f"(min {min(t['wall']):.3f}), CPU {statistics.median(t['cpu']):.3f} s, first chunk "
            f"{1000 * statistics.median(t['first']):.1f} ms (min {1000 * min(t['first']):.1f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
