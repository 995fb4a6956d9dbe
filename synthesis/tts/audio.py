"""Audio post-processing and encoding: resampling, gain, and wav/flac/ogg/mp3 bytes."""

from __future__ import annotations

import io
from math import gcd

import numpy as np

from .formats import FORMATS, SAMPLE_RATES, content_type, rates_for
from .types import Audio, InvalidRequest

__all__ = ["FORMATS", "SAMPLE_RATES", "content_type", "resample", "apply_gain", "encode"]


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased); a no-op when the rates match."""
    if rate_in == rate_out or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(rate_in, rate_out)
    return resample_poly(samples, rate_out // g, rate_in // g).astype(np.float32)


def soft_limit(samples: np.ndarray, knee: float = 0.9) -> np.ndarray:
    """Leave samples under `knee` alone and bend louder ones smoothly towards 1.0.

    It works sample by sample, so streamed chunks limit exactly as the whole utterance would.
    """
    out = samples.astype(np.float32, copy=True)
    loud = np.abs(out) > knee
    if np.any(loud):
        excess = (np.abs(out[loud]) - knee) / (1.0 - knee)
        out[loud] = np.sign(out[loud]) * (knee + (1.0 - knee) * np.tanh(excess))
    return out


def apply_gain(samples: np.ndarray, gain_db: float) -> np.ndarray:
    """Gain in dB with a soft limit, so a loud setting never wraps around or clips hard."""
    if gain_db != 0.0:
        samples = samples * np.float32(10.0 ** (gain_db / 20.0))
    return soft_limit(samples)


def encode(audio: Audio, fmt: str = "wav", sample_rate: int | None = None) -> bytes:
    """Encode float samples to a complete file in memory."""
    if fmt not in FORMATS:
        raise InvalidRequest(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rate = sample_rate or audio.sample_rate
    if rate not in rates_for(fmt):
        choices = ", ".join(map(str, rates_for(fmt)))
        raise InvalidRequest(f"{fmt} cannot be written at {rate} Hz; choose one of {choices}")
    samples = np.clip(resample(audio.samples, audio.sample_rate, rate), -1.0, 1.0)
    import soundfile

    container, subtype, _ = FORMATS[fmt]
    buf = io.BytesIO()
    soundfile.write(buf, samples, rate, format=container, subtype=subtype)
    return buf.getvalue()
