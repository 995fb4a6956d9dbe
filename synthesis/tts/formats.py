"""Output formats and sample rates, without numpy: the web process and django-q2's helper
processes validate requests and serve files with these, and never load numpy (+17 MB RSS each).
The encoders are in `audio.py`."""

from __future__ import annotations

FORMATS: dict[str, tuple[str, str | None, str]] = {
    # name: (soundfile container, subtype, MIME type)
    "wav": ("WAV", "PCM_16", "audio/wav"),
    "flac": ("FLAC", "PCM_16", "audio/flac"),
    "ogg": ("OGG", "VORBIS", "audio/ogg"),
    "mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg"),
    # Ogg Opus (RFC 7845): a tenth of the WAV's size for speech, what browsers and
    # telephony stacks stream. The codec takes only these rates.
    "opus": ("OGG", "OPUS", "audio/ogg; codecs=opus"),
}
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
RATES_BY_FORMAT = {"opus": (8000, 16000, 24000, 48000)}


def rates_for(fmt: str) -> tuple[int, ...]:
    """The sample rates a format can be written at."""
    return RATES_BY_FORMAT.get(fmt, SAMPLE_RATES)


def content_type(fmt: str) -> str:
    return FORMATS[fmt][2]
