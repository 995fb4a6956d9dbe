"""Plain data types shared by every speech engine and by the Django side that calls them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where audio is made, not by the web process
    import numpy as np


class TTSError(Exception):
    """Base class of every error an engine raises on purpose."""


class InvalidRequest(TTSError, ValueError):
    """The request cannot be synthesized as asked (unknown voice or emotion, bad control value)."""


class NothingToSpeak(InvalidRequest):
    """The text has no Chinese characters, letters or digits, so there is nothing to say."""


class EngineUnavailable(TTSError):
    """The engine cannot run here, e.g. its weights or a runtime package are not installed."""


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    language: str
    sample_rate: int
    emotions: tuple[str, ...]
    gender: str = "female"
    engine: str = "builtin"
    description: str = ""


@dataclass(frozen=True)
class SynthesisRequest:
    """What to say and how. Controls are validated by the engine (`InvalidRequest`)."""

    text: str
    voice: str = "baker"
    emotion: str = "neutral"
    intensity: float = 1.0  # 0 = neutral, 1 = the emotion preset, up to 2 = exaggerated
    speed: float = 1.0  # 0.5 .. 2.0, > 1 is faster
    pitch: float = 0.0  # semitones, -12 .. +12
    volume: float = 0.0  # gain in dB, -20 .. +12, the result is clipped safely
    sample_rate: int | None = None  # None: the voice's native rate


@dataclass
class Audio:
    samples: np.ndarray  # float32, mono, in [-1, 1]
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)


@dataclass
class AudioChunk:
    """One piece of a stream; `text_start:text_end` index the request text that it speaks."""

    samples: np.ndarray
    sample_rate: int
    index: int
    # Passes in the request; progress is (index + 1) / total when `last_of_clause`. A chunk
    # that is not the last of its pass may come before the text is fully analysed: 0 there.
    total: int
    text_start: int
    text_end: int
    text: str = ""
    last_of_clause: bool = True
    extra: dict = field(default_factory=dict)
