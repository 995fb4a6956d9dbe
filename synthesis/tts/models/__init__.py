"""PyTorch networks of the built-in voice (FastSpeech2 + multi-band MelGAN), ported from
the shipped TFLite graphs. `loader.load_acoustic()` / `loader.load_vocoder()` build them."""

from .fastspeech2 import AcousticOutput, FastSpeech2, FastSpeech2Config
from .mb_melgan import MBMelGAN, MBMelGANConfig, PQMFSynthesis, vocode_chunked

__all__ = [
    "AcousticOutput",
    "FastSpeech2",
    "FastSpeech2Config",
    "MBMelGAN",
    "MBMelGANConfig",
    "PQMFSynthesis",
    "vocode_chunked",
]
