"""Distances used to bound the fast paths against the exact fp32 path (numpy only)."""

from __future__ import annotations

import numpy as np


def log_spectral_distance(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    n_fft: int = 1024,
    hop: int = 256,
    floor_db: float = -80.0,
) -> float:
    """Mean over frames of the RMS difference of the log power spectra, in dB.

    Powers are floored at `floor_db` under the reference's peak bin so that near-silence
    (where any float noise is a huge *relative* error) does not dominate.
    """
    n = min(len(reference), len(test))
    window = np.hanning(n_fft).astype(np.float64)

    def power(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x[:n], dtype=np.float64)
        frames = 1 + max(0, (n - n_fft) // hop)
        idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
        return np.abs(np.fft.rfft(x[idx] * window, axis=1)) ** 2

    p, q = power(reference), power(test)
    floor = p.max() * 10.0 ** (floor_db / 10.0)
    d = 10.0 * np.log10(np.maximum(p, floor)) - 10.0 * np.log10(np.maximum(q, floor))
    return float(np.mean(np.sqrt(np.mean(d**2, axis=1))))


def relative_error(reference: np.ndarray, test: np.ndarray) -> float:
    """||test - reference|| / ||reference|| (Frobenius)."""
    reference = np.asarray(reference, np.float64)
    return float(
        np.linalg.norm(np.asarray(test, np.float64) - reference) / np.linalg.norm(reference)
    )
