"""ModelScope's Sambert-Hifigan as an engine, for users who have its model on local disk.

Its pipeline needs `ttsfrd` and `kantts` from ModelScope's own wheel index (the PyPI packages of
those names are empty placeholders). Nothing here downloads: the model must already be on disk.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from .audio import apply_gain
from .engine import Engine
from .types import AudioChunk, EngineUnavailable, InvalidRequest, SynthesisRequest, Voice

# Our emotion names → the SSML categories of Sambert's multi-emotion voices.
EMOTION_CATEGORIES = {
    "neutral": "neutral",
    "happy": "happy",
    "sad": "sad",
    "angry": "angry",
    "surprised": "surprise",
    "fearful": "fear",
}


class ModelScopeEngine(Engine):
    name = "modelscope"
    version = "sambert-hifigan"

    def __init__(self, model_dir: str | Path, *, threads: int = 2, pipeline_factory=None) -> None:
        self.model_dir = Path(model_dir)
        self.threads = threads
        self._pipeline_factory = pipeline_factory or self._default_pipeline
        self._pipeline = None
        self._lock = threading.Lock()
        self._voices = self._read_voices()

    def _read_voices(self) -> list[Voice]:
        if not self.model_dir.is_dir():
            raise EngineUnavailable(f"ModelScope model folder {self.model_dir} does not exist")
        names: list[str] = []
        listing = self.model_dir / "voices" / "voices.json"
        if listing.is_file():
            names = list(json.loads(listing.read_text(encoding="utf-8")).get("voices", []))
        config = self.model_dir / "configuration.json"
        rate = 16000
        if config.is_file():
            text = config.read_text(encoding="utf-8")
            rate = 24000 if "24k" in text or "24000" in text else 16000
        names = names or ["zhitian_emo"]
        return [
            Voice(
                id=f"sambert-{name}",
                name=f"Sambert {name}",
                language="zh-CN",
                sample_rate=rate,
                emotions=tuple(EMOTION_CATEGORIES) if name.endswith("_emo") else ("neutral",),
                engine=self.name,
                description="ModelScope Sambert-Hifigan (local model)",
            )
            for name in names
        ]

    def voices(self) -> list[Voice]:
        return list(self._voices)

    def validate(self, request: SynthesisRequest) -> None:
        voice = self.voice(request.voice)
        if not request.text.strip():
            raise InvalidRequest("text is empty")
        if request.emotion not in voice.emotions:
            raise InvalidRequest(
                f"voice {voice.id} does not speak {request.emotion!r}; "
                f"choose one of {', '.join(voice.emotions)}"
            )
        if request.speed != 1.0 or request.pitch != 0.0:
            raise InvalidRequest(f"voice {voice.id} does not support speed or pitch controls")

    def _default_pipeline(self):
        try:
            from modelscope.pipelines import pipeline
            from modelscope.utils.constant import Tasks
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EngineUnavailable(f"modelscope is not installed: {exc}") from exc
        try:
            return pipeline(task=Tasks.text_to_speech, model=str(self.model_dir))
        except Exception as exc:  # the pipeline's import of ttsfrd/kantts fails here
            raise EngineUnavailable(
                "ModelScope's TTS pipeline could not load; it needs ttsfrd and kantts from "
                f"ModelScope's own wheel index: {exc}"
            ) from exc

    def stream(
        self, request: SynthesisRequest, *, low_latency: bool = True
    ) -> Iterator[AudioChunk]:
        import soundfile

        self.validate(request)
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._pipeline_factory()
            category = EMOTION_CATEGORIES[request.emotion]
            text = escape(request.text)
            ssml = (
                f'<speak><emotion category="{category}" intensity="{request.intensity:g}">'
                f"{text}</emotion></speak>"
                if self.voice(request.voice).emotions != ("neutral",)
                else text
            )
            output = self._pipeline(input=ssml, voice=request.voice.removeprefix("sambert-"))
        samples, rate = soundfile.read(io.BytesIO(output["output_wav"]), dtype="float32")
        yield AudioChunk(
            samples=apply_gain(np.asarray(samples, dtype=np.float32), request.volume),
            sample_rate=int(rate),
            index=0,
            total=1,
            text_start=0,
            text_end=len(request.text),
            text=request.text,
        )
