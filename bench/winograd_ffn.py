"""One decoder FFN in ONNX Runtime: the direct kernel-3 convolutions against Winograd F(4, 3).

    .venv/bin/python bench/winograd_ffn.py [--frames 75,150,420,740] [--reps 25] [--layer 0]

The real weights of decoder layer `--layer`, as `export.FastFeedForward` (what the graph had)
and `export.WinogradFeedForward` (what `decoder.*.onnx` has now), each exported alone and run
by ONNX Runtime with the engine's session options (2 threads), interleaved rep by rep on
random frames; medians (minima) in ms, and the largest relative difference between the two.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", default="75,150,420,740")
    parser.add_argument("--reps", type=int, default=25)
    parser.add_argument("--layer", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    from synthesis.tts.models.loader import load_acoustic
    from synthesis.tts.runtime import export
    from synthesis.tts.runtime.onnx_backend import session

    _, _, FastFeedForward, WinogradFeedForward, _ = export._rewrites()
    ffn = load_acoustic().decoder.layers[args.layer].ffn
    variants = {"direct": FastFeedForward(ffn).eval(), "winograd": WinogradFeedForward(ffn).eval()}
    sessions = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, module in variants.items():
            path = Path(tmp) / f"{name}.onnx"
            export._export(module, (torch.randn(1, 100, 256),), path, ["x"], ["y"], {"x": {1: "T"}})
            sessions[name] = session(path, args.threads)
    rng = np.random.default_rng(0)
    print(f"frames | direct ms | Winograd ms | max relative difference ({args.reps} reps)")
    for frames in map(int, args.frames.split(",")):
        x = rng.standard_normal((1, frames, 256)).astype(np.float32)
        outs = {name: s.run(None, {"x": x})[0] for name, s in sessions.items()}
        diff = np.abs(outs["winograd"] - outs["direct"]).max() / np.abs(outs["direct"]).max()
        times: dict[str, list[float]] = {name: [] for name in sessions}
        for _ in range(args.reps):
            for name, s in sessions.items():
                t = time.perf_counter()
                s.run(None, {"x": x})
                times[name].append(1000 * (time.perf_counter() - t))
        cells = [f"{statistics.median(t):.2f} ({min(t):.2f})" for t in times.values()]
        print(f"{frames} | {cells[0]} | {cells[1]} | {diff:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
