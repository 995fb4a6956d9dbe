"""Listening-free measures of speech audio: pitch track, loudness and speaking rate."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _frames(samples: np.ndarray, sample_rate: int, frame_s: float, hop_s: float) -> np.ndarray:
    size, hop = int(frame_s * sample_rate), int(hop_s * sample_rate)
    if len(samples) < size:
        samples = np.pad(samples, (0, size - len(samples)))
    return sliding_window_view(samples.astype(np.float64), size)[::hop]


def speech_mask(samples: np.ndarray, sample_rate: int, *, floor_db: float = -35.0) -> np.ndarray:
    """Frames (10 ms hop) louder than `floor_db` under the loudest frame."""
    frames = _frames(samples, sample_rate, 0.025, 0.01)
    rms = np.sqrt(np.mean(frames**2, axis=1) + 1e-12)
    return 20 * np.log10(rms / rms.max()) > floor_db


def f0_track(
    samples: np.ndarray,
    sample_rate: int,
    *,
    fmin: float = 70.0,
    fmax: float = 600.0,
    threshold: float = 0.2,
) -> np.ndarray:
    """Per-frame f0 in Hz (10 ms hop), NaN where unvoiced; a YIN-style estimator."""
    frames = _frames(samples, sample_rate, 0.04, 0.01)
    size = frames.shape[1]
    min_lag, max_lag = int(sample_rate / fmax), min(int(sample_rate / fmin), size // 2)
    frames = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames, 2 * size, axis=1)
    acf = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, : max_lag + 1]
    diff = 2.0 * (acf[:, :1] - acf)  # the difference function, from the autocorrelation
    lags = np.arange(1, max_lag + 1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * lags / np.maximum(np.cumsum(diff[:, 1:], axis=1), 1e-12)
    loud = speech_mask(samples, sample_rate)[: len(frames)]
    f0 = np.full(len(frames), np.nan)
    for i, row in enumerate(cmnd):
        if i >= len(loud) or not loud[i]:
            continue
        below = np.nonzero(row[min_lag:] < threshold)[0]
        if len(below) == 0:
            continue
        lag = min_lag + below[0]
        while lag + 1 <= max_lag and row[lag + 1] < row[lag]:
            lag += 1
        f0[i] = sample_rate / lag
    return f0


def median_f0(samples: np.ndarray, sample_rate: int) -> float:
    return float(np.nanmedian(f0_track(samples, sample_rate)))


def f0_spread_semitones(samples: np.ndarray, sample_rate: int) -> float:
    """Standard deviation of the voiced pitch in semitones: how lively the intonation is."""
    f0 = f0_track(samples, sample_rate)
    f0 = f0[~np.isnan(f0)]
    return float(np.std(12 * np.log2(f0 / np.median(f0))))


def rms_dbfs(samples: np.ndarray, sample_rate: int) -> float:
    """Loudness of the speech frames only, so pauses do not dilute it."""
    frames = _frames(samples, sample_rate, 0.025, 0.01)
    mask = speech_mask(samples, sample_rate)[: len(frames)]
    power = np.mean(frames[mask] ** 2)
    return float(10 * np.log10(power + 1e-12))


def speech_seconds(samples: np.ndarray, sample_rate: int) -> float:
    return float(np.count_nonzero(speech_mask(samples, sample_rate)) * 0.01)


def syllables_per_second(samples: np.ndarray, sample_rate: int, syllables: int) -> float:
    return syllables / max(speech_seconds(samples, sample_rate), 1e-6)
