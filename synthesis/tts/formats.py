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
}
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)


def content_type(fmt: str) -> str:
    return FORMATS[fmt][2]
