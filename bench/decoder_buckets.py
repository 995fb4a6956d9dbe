"""The decoder (+ postnet) on padded frames in OpenVINO, against ONNX Runtime, on the
benchmark paragraph's passes: time and mel error against fp32-torch.

    python bench/decoder_buckets.py [--runs 7] [--buckets 16,32,64]

Variants (exported here from the torch port into a temporary folder, besides the cache's):
`full` masks attention and every convolution (what `decoder.masked.fp32.onnx` is), `bias`
masks attention only, `none` pads without a mask (wrong past the real frames' edge, shown for
what the masks cost); `old` is the unpadded graph in OpenVINO (not servable: a new shape per
text), `ort` the int8-postnet decoder ONNX Runtime ran before. Needs torch (export).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import PARAGRAPH  # noqa: E402


def graphs(folder: Path) -> None:
    import torch

    from synthesis.tts.models.loader import load_acoustic
    from synthesis.tts.runtime.export import _export, fast_acoustic

    class Dec(torch.nn.Module):
        def __init__(self, m, mode):
            super().__init__()
            self.m, self.mode = m, mode

        def forward(self, frames, valid):
            m, n = self.m, frames.shape[1]
            x = frames + m.positions[1 : n + 1].unsqueeze(0)
            if self.mode == "full":
                x = m.decoder(x, valid > 0.5)
            elif self.mode == "bias":
                bias = ((1.0 - valid) * -1e9)[:, None, None, :]
                for layer in m.decoder.layers:
                    x = layer(x, None, bias)
            else:
                x = m.decoder(x, None)
            mel_before = m.mel_dense(x)
            mask = valid.unsqueeze(-1) if self.mode == "full" else None
            return mel_before, mel_before + m.postnet(mel_before, mask)

    ac = fast_acoustic(load_acoustic())
    for mode in ("full", "bias", "none"):
        _export(
            Dec(ac, mode),
            (torch.randn(1, 128, 256), torch.ones(1, 128)),
            folder / f"dec-{mode}.onnx",
            ["frames", "valid"],
            ["mel_before", "mel"],
            {"frames": {1: "F"}, "valid": {1: "F"}, "mel_before": {1: "F"}, "mel": {1: "F"}},
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--buckets", default="16,32,64")
    args = parser.parse_args()

    from synthesis.tts.assets import mapper_path
    from synthesis.tts.frontend import Frontend
    from synthesis.tts.runtime import cache, select
    from synthesis.tts.runtime.onnx_backend import (
        OnnxAcoustic,
        durations_from_log,
        ensure_graphs,
        session,
    )
    from synthesis.tts.runtime.openvino_backend import OvSession

    frontend = Frontend(json.loads(mapper_path().read_text(encoding="utf-8")))
    passes = frontend.analyze(PARAGRAPH, max_syllables=60, first_max_syllables=12)
    ids = [np.array([frontend.ids(p)], np.int64) for p in passes]
    folder = ensure_graphs()
    ort_acoustic = OnnxAcoustic(folder, precision="int8")
    adapt = session(folder / cache.FILES["adapt"], 2)
    reference = [select.load("fp32-torch", threads=2)[0](i).mel for i in ids]

    feeds = []
    for i in ids:
        h, log_dur, f0, energy = ort_acoustic._encoder.run(None, {"ids": i})
        index = np.repeat(
            np.arange(i.shape[1], dtype=np.int64), durations_from_log(log_dur, 1.0)[0]
        )
        tokens = {"h": h, "f0": f0, "energy": energy, "index": index}
        feeds.append((adapt.run(None, tokens)[0], tokens))

    def padded(bucket):
        out = []
        for frames, _ in feeds:
            n = frames.shape[1]
            total = -(-n // bucket) * bucket
            x = np.zeros((1, total, frames.shape[2]), np.float32)
            x[:, :n] = frames
            valid = np.zeros((1, total), np.float32)
            valid[:, :n] = 1.0
            out.append(({"frames": x, "valid": valid}, n))
        return out

    with tempfile.TemporaryDirectory() as tmp:
        graphs(Path(tmp))
        modes = ("full", "bias", "none")
        sessions = {m: OvSession(Path(tmp) / f"dec-{m}.onnx", 2, "bf16") for m in modes}
        buckets = [int(b) for b in args.buckets.split(",")]
        cases = [(m, b) for m in modes for b in buckets] + [("none", 1)]
        inputs = {b: padded(b) for b in {*buckets, 1}}
        old = OvSession(folder / cache.FILES["decoder-fp32"], 2, "bf16")
        times = {c: [] for c in [*cases, "old", "ort"]}
        errors = {}
        for _ in range(args.runs + 1):
            for mode, bucket in cases:
                t = time.perf_counter()
                mels = [sessions[mode].run(None, f)[1][:, :n] for f, n in inputs[bucket]]
                times[(mode, bucket)].append(time.perf_counter() - t)
                errors[(mode, bucket)] = max(
                    np.linalg.norm(a - b) / np.linalg.norm(b)
                    for a, b in zip(mels, reference, strict=True)
                )
            t = time.perf_counter()
            for _, tokens in feeds:
                old.run(None, tokens)
            times["old"].append(time.perf_counter() - t)
            t = time.perf_counter()
            for _, tokens in feeds:
                ort_acoustic._decoder.run(None, tokens)
            times["ort"].append(time.perf_counter() - t)
    print("variant | decoder ms (median) | mel rel err vs fp32-torch")
    for case, values in times.items():
        err = f"{errors[case]:.4f}" if case in errors else "-"
        print(f"{case} | {statistics.median(values[1:]) * 1000:.1f} | {err}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
