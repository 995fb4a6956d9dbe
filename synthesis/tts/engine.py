"""The interface every speech engine implements: voices, synthesize, stream."""

from __future__ import annotations

import abc
from collections.abc import Iterator

from .types import Audio, AudioChunk, SynthesisRequest, Voice


class Engine(abc.ABC):
    """One loaded speech engine. Load once per process; calls may come from several threads."""

    name: str = "engine"
    version: str = "0"

    @abc.abstractmethod
    def voices(self) -> list[Voice]:
        """The voices this engine speaks, with their emotions."""

    @abc.abstractmethod
    def validate(self, request: SynthesisRequest) -> None:
        """Raise `InvalidRequest` with a readable message when the request cannot be served."""

    @abc.abstractmethod
    def stream(
        self, request: SynthesisRequest, *, low_latency: bool = True
    ) -> Iterator[AudioChunk]:
        """Yield audio as it is made, in order, each chunk with the text span it speaks.

        `low_latency`: make the first chunk as soon as possible, even at some cost in total
        time (a listener is waiting for it). False when only the whole is wanted (a file, a
        job): the same audio, within the seam tolerance of chunked vocoding, made with fewer
        and cheaper calls where the engine can."""

    def synthesize(self, request: SynthesisRequest) -> Audio:
        """The whole utterance at once; by default the concatenated stream."""
        import numpy as np

        chunks = list(self.stream(request, low_latency=False))
        if not chunks:
            rate = request.sample_rate or self.voice(request.voice).sample_rate
            return Audio(np.zeros(0, dtype=np.float32), rate)
        samples = np.concatenate([c.samples for c in chunks]).astype(np.float32, copy=False)
        return Audio(samples, chunks[0].sample_rate)

    def voice(self, voice_id: str) -> Voice:
        for voice in self.voices():
            if voice.id == voice_id:
                return voice
        from .types import InvalidRequest

        known = ", ".join(v.id for v in self.voices())
        raise InvalidRequest(f"unknown voice {voice_id!r}; available: {known}")
