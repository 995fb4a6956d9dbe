"""Where a vocoder call's time goes in OpenVINO, by layer type: each graph compiled with its
shape fixed and with a free length.

    .venv/bin/python bench/vocoder_layers.py [--frames 384] [--reps 9] [--hint f32]
        [--graphs vocoder-ov,vocoder-ov-free | --graphs /path/to/other.onnx,...]

`--graphs` takes names from the export (`cache.FILES`: `vocoder-ov` is the channels-last graph
the fixed shape runs, `vocoder-ov-free` the channels-first one the free length runs) or paths
to ONNX files. Per graph and kind: OpenVINO's own per-layer counters (`PERF_COUNT`) summed by
layer and kernel type over `--reps` calls (ms per call, and how many layers ran), the graphs
and kinds interleaved call by call. What is not a convolution is layout and element-wise
traffic: bench/README.md, "The eighth session", items 1 and 2.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=384)
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--hint", default="f32", choices=("f32", "bf16"))
    parser.add_argument("--graphs", default="vocoder-ov,vocoder-ov-free")
    args = parser.parse_args()

    import openvino as ov

    from synthesis.tts.runtime import cache, openvino_backend
    from synthesis.tts.runtime.onnx_backend import ensure_graphs

    config = {**openvino_backend.compile_config(2, args.hint), "PERF_COUNT": True}
    core = ov.Core()
    requests = {}
    for name in args.graphs.split(","):
        path = str(ensure_graphs() / cache.FILES[name]) if name in cache.FILES else name
        for kind in ("fixed", "free"):
            model = core.read_model(path)
            if kind == "fixed":
                model.reshape({"mel": [1, args.frames, 80]})
            requests[Path(name).name, kind] = core.compile_model(
                model, "CPU", config
            ).create_infer_request()
    rng = np.random.default_rng(0)
    feeds = {"mel": (rng.standard_normal((1, args.frames, 80)) * 2 - 4).astype(np.float32)}
    times = {key: collections.defaultdict(float) for key in requests}
    counts = {key: collections.Counter() for key in requests}
    for r in requests.values():
        r.infer(feeds)
    for _ in range(args.reps):
        for key, r in requests.items():
            r.infer(feeds)
            for layer in r.get_profiling_info():
                ms = layer.real_time.total_seconds() * 1e3 / args.reps
                kind = (layer.node_type, layer.exec_type)
                times[key][kind] += ms
                counts[key][kind] += ms > 0
    print(f"ms per {args.frames}-frame call ({args.hint}, 2 threads, {args.reps} calls)")
    for key, by_kind in times.items():
        total = sum(by_kind.values())
        convolutions = sum(ms for (node, _), ms in by_kind.items() if node == "Convolution")
        print(
            f"\n{key[0]} {key[1]}: {total:.1f} ms, of which not convolutions "
            f"{total - convolutions:.1f} ms"
        )
        for (node, exec_type), ms in sorted(by_kind.items(), key=lambda item: -item[1]):
            if ms >= 0.05:
                layers = counts[key][node, exec_type] // args.reps
                print(f"  {node:14s} {exec_type:26s} {ms:7.2f}  ({layers} layers)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
