"""A deterministic test engine: a short tone per clause, steered by markers in the text.

`[fail]` raises an engine error mid-stream, `[sleep=0.3]` sleeps that long per clause (to test
progress and cancelling). Registered in the test process by conftest and in a qcluster
subprocess through TTS_EXTRA_ENGINES=test=tests.engines:create.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Iterator

import numpy as np

from synthesis.tts.engine import Engine
from synthesis.tts.types import AudioChunk, InvalidRequest, NothingToSpeak, SynthesisRequest, Voice

ENGINE_NAME = "test"
VOICE_ID = "test-tone"
SAMPLE_RATE = 16000
EMOTIONS = ("neutral", "happy", "sad", "angry")
RANGES = {"speed": (0.5, 2.0), "pitch": (-12.0, 12.0), "volume": (-20.0, 12.0)}
MARKER = re.compile(r"\[(fail|sleep=[0-9.]+)\]")
CLAUSE = re.compile(r"[^。！？；，,.!?;]+")


class ToneEngine(Engine):
    name = ENGINE_NAME
    version = "tone/1"

    def voices(self) -> list[Voice]:
        return [
            Voice(
                id=VOICE_ID,
                name="Test tone",
                language="zh-CN",
                sample_rate=SAMPLE_RATE,
                emotions=EMOTIONS,
                engine=self.name,
            )
        ]

    def validate(self, request: SynthesisRequest) -> None:
        self.voice(request.voice)
        if not request.text.strip():
            raise InvalidRequest("text is empty")
        if request.emotion not in EMOTIONS:
            raise InvalidRequest(f"unknown emotion {request.emotion!r}")
        for name, (low, high) in RANGES.items():
            value = getattr(request, name)
            if math.isnan(value) or not low <= value <= high:
                raise InvalidRequest(f"{name} must be between {low:g} and {high:g}")
        if not 0.0 <= request.intensity <= 2.0:
            raise InvalidRequest("intensity must be between 0 and 2")

    def stream(
        self, request: SynthesisRequest, *, low_latency: bool = True
    ) -> Iterator[AudioChunk]:
        self.validate(request)
        markers = MARKER.findall(request.text)
        sleep = next((float(m.split("=")[1]) for m in markers if m.startswith("sleep")), 0.0)
        clauses = [c for c in CLAUSE.findall(MARKER.sub("", request.text)) if c.strip()]
        if not clauses:
            raise NothingToSpeak("text has nothing to speak")
        freq = 440.0 * 2 ** (request.pitch / 12) * (1 + 0.25 * EMOTIONS.index(request.emotion))
        seconds = 0.1 / request.speed
        t = np.arange(int(SAMPLE_RATE * seconds), dtype=np.float32) / SAMPLE_RATE
        tone = (0.3 * 10 ** (request.volume / 20) * np.sin(2 * np.pi * freq * t)).astype(np.float32)
        for index, clause in enumerate(clauses):
            if sleep:
                time.sleep(sleep)
            if "fail" in markers and index == len(clauses) // 2:
                raise RuntimeError("the tone generator broke down")
            yield AudioChunk(
                samples=tone.copy(),
                sample_rate=SAMPLE_RATE,
                index=index,
                total=len(clauses),
                text_start=0,
                text_end=len(clause),
                text=clause,
            )


def create() -> ToneEngine:
    # TONE_ENGINE_LOG: append this process id each time an engine is built (a test checks
    # that a worker process builds its engine once, not once per task).
    log = os.environ.get("TONE_ENGINE_LOG")
    if log:
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
    return ToneEngine()
