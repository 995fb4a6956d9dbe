"""The built-in Mandarin voice: our frontend, FastSpeech2 and Multi-band MelGAN on the CPU."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .audio import SAMPLE_RATES, apply_gain
from .engine import Engine
from .runtime import select as runtime_select
from .runtime import spans
from .styles import Prosody, load_styles, prosody_for
from .types import AudioChunk, InvalidRequest, NothingToSpeak, SynthesisRequest, Voice

VOICE_ID = "baker"
SAMPLE_RATE = 24000
HOP = 300  # samples per mel frame
MAX_FRAMES = 2048

# Pitch control. The model's f0 input is normalised per speaker; shifting it moves the voice's
# pitch with its formants intact, but only so far: measured with bench/calibrate_pitch.py, an
# offset of ±0.5 moves the median pitch by about ±1.35 semitones and larger offsets saturate
# (+1.5 gives only +2.9). So the model carries up to MODEL_PITCH_LIMIT semitones and the rest is
# done by rendering the pass longer by the pitch ratio and resampling it back to its duration.
SEMITONES_PER_F0_UNIT = 2.7
MODEL_PITCH_LIMIT = 1.5

SPEED_RANGE = (0.5, 2.0)
PITCH_RANGE = (-12.0, 12.0)
VOLUME_RANGE = (-20.0, 12.0)


@dataclass(frozen=True)
class EngineConfig:
    threads: int = 2
    # Dropout on the f0/energy embeddings, which upstream leaves on at inference: off, or seeded.
    dropout: str = "off"
    seed: int = 1234
    # Streaming: the first pass is vocoded in a small chunk and then the rest, so audio starts at
    # once; later passes are vocoded whole, which costs no overlap (they are ahead of playback).
    # 8 frames = 100 ms of audio; the rest of the pass follows ~20 ms later. 16 frames cost
    # 2 ms more before the first audio (29.8 vs 28.0 ms median, bench/README.md "Zen 3").
    first_chunk_frames: int = 8
    context_frames: int = 24
    max_syllables: int = 60
    first_max_syllables: int = 12
    # Longest span vocoded in one call (frames, 0 = no limit) by runtimes that take any shape
    # (ONNX Runtime, torch); OpenVINO's fixed shapes set their own (`OvVocoder.call_shape`).
    # Longer passes are vocoded in pieces with `context_frames` either side (exact: seams
    # measure 1e-8; runtime/spans.py). It bounds the vocoder's activation memory (peak RSS
    # −50 MB) and is faster despite the overlap (760 frames: 114 ms in two spans vs 137 ms
    # whole; the activations stay in cache). bench/README.md
    max_vocoder_frames: int = 384
    # Networks' runtime (synthesis/tts/runtime/select.py): "bf16-openvino" (default, the fastest
    # that passes tests/tts/test_fast_path.py; int8-onnx when openvino is missing), "int8-onnx",
    # "fp32-onnx", or "fp32-torch" (the exact fp32 reference, the only one with dropout).
    # $TTS_BUILTIN_BACKEND overrides the default.
    backend: str = field(default_factory=runtime_select.default_backend)


class BuiltinEngine(Engine):
    name = "builtin"
    version = "fastspeech2-baker+mbmelgan/1"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self._styles = load_styles()
        self._load_lock = threading.Lock()
        self._acoustic = None
        self._vocoder = None
        self._frontend = None
        self.load_seconds: float | None = None
        self.backend: str | None = None  # the networks' runtime actually loaded (load())

    # --- the interface ---------------------------------------------------------------------------
    def voices(self) -> list[Voice]:
        return [
            Voice(
                id=VOICE_ID,
                name="标贝女声 Baker · Mandarin female",
                language="zh-CN",
                sample_rate=SAMPLE_RATE,
                emotions=tuple(self._styles),
                gender="female",
                engine=self.name,
                description="FastSpeech2 + Multi-band MelGAN, Baker corpus, 24 kHz, built in.",
            )
        ]

    def validate(self, request: SynthesisRequest) -> None:
        self.voice(request.voice)
        if not request.text or not request.text.strip():
            raise InvalidRequest("text is empty")
        checks = (
            ("speed", request.speed, SPEED_RANGE),
            ("pitch", request.pitch, PITCH_RANGE),
            ("volume", request.volume, VOLUME_RANGE),
        )
        for name, value, (low, high) in checks:
            if not isinstance(value, int | float) or math.isnan(value) or not low <= value <= high:
                raise InvalidRequest(f"{name} must be between {low:g} and {high:g}")
        if request.sample_rate is not None and request.sample_rate not in SAMPLE_RATES:
            rates = ", ".join(map(str, SAMPLE_RATES))
            raise InvalidRequest(f"sample rate must be one of {rates}")
        self._prosody(request)

    def stream(self, request: SynthesisRequest) -> Iterator[AudioChunk]:
        """Audio of each pass, vocoded in overlapping chunks so the first one comes quickly."""
        self.validate(request)
        self.load()
        prosody = self._prosody(request)
        _, resample_ratio = pitch_split(prosody.pitch_semitones)
        # Slow speech and resampled pitch stretch each pass: shrink the passes to stay in range.
        stretch = max(1.0, prosody.duration_scale * resample_ratio)
        # Lazily: the first pass's audio starts before the rest of a long text is analysed
        # (the paragraph's analysis is 12 ms of a 36 ms first chunk on a Zen 3); the rest is
        # analysed right after the first chunk, before any chunk that reports progress.
        pending = self._frontend.iter_analyze(
            request.text,
            max_syllables=max(4, int(self.config.max_syllables / stretch)),
            first_max_syllables=max(4, int(self.config.first_max_syllables / stretch)),
        )
        head = next(pending, None)
        if head is None:
            raise NothingToSpeak("text has nothing to speak (no Chinese, letters or digits)")
        passes = [head]
        total = 0  # not known until the rest is analysed
        index = 0
        while index < len(passes):
            p = passes[index]
            mel = self._mel(self._frontend.ids(p), prosody)
            # A resampled pass is vocoded whole: resampling chunks apart would leave seams.
            first = index == 0 and resample_ratio == 1.0
            spans = list(self._chunk_spans(mel.shape[1], first=first))
            for span_no, (start, end) in enumerate(spans):
                samples = repitch(self._vocode_span(mel, start, end), resample_ratio)
                last = span_no == len(spans) - 1
                if last and not total:
                    passes.extend(pending)
                    total = len(passes)
                if last and p.pause_after > 0:
                    pause = int(SAMPLE_RATE * p.pause_after * prosody.pause_scale)
                    samples = np.concatenate([samples, np.zeros(pause, np.float32)])
                yield AudioChunk(
                    samples=apply_gain(samples, prosody.gain_db),
                    sample_rate=SAMPLE_RATE,
                    index=index,
                    total=total,
                    text_start=p.start,
                    text_end=p.end,
                    text=p.text,
                    last_of_clause=last,
                )
            index += 1

    # --- internals -------------------------------------------------------------------------------
    def load(self) -> None:
        """Load the frontend and both networks once; later calls return at once."""
        if self._vocoder is not None:
            return
        with self._load_lock:
            if self._vocoder is not None:
                return
            started = time.perf_counter()
            from ..memory import map_large_blocks
            from .assets import mapper_path

            map_large_blocks()  # activations go back to the OS when freed (peak RSS −15 MB)
            from .frontend import Frontend

            # The segmenter's and pinyin dictionaries load in a thread while the networks load,
            # so the first request does not pay for them.
            warmup = Frontend.start_warmup()
            backend = runtime_select.check(self.config.backend)
            if self.config.dropout != "off":
                backend = "fp32-torch"  # dropout exists only in the torch port
            mapper = json.loads(mapper_path().read_text(encoding="utf-8"))
            self._frontend = Frontend(
                mapper,
                max_syllables=self.config.max_syllables,
                first_max_syllables=self.config.first_max_syllables,
            )
            # Torch-free unless the backend is fp32-torch: the ONNX graphs come from the cache
            # (exported by scripts/install.sh, or here once, in a subprocess, if missing).
            self._acoustic, self._vocoder, self.backend = runtime_select.load_with_fallback(
                backend, threads=self.config.threads
            )
            warmup.join()
            self.load_seconds = time.perf_counter() - started

    def frontend(self):
        self.load()
        return self._frontend

    def _prosody(self, request: SynthesisRequest) -> Prosody:
        return prosody_for(
            request.emotion,
            intensity=request.intensity,
            speed=request.speed,
            pitch=request.pitch,
            volume_db=request.volume,
            styles=self._styles,
        )

    def _generator(self):
        if self.config.dropout == "off":
            return None
        import torch  # dropout runs only on the fp32-torch backend

        return torch.Generator().manual_seed(self.config.seed)

    def _mel(self, ids: list[int], prosody: Prosody) -> np.ndarray:
        """Mel frames [1, F, 80] of one pass, with the prosody applied inside the model."""
        model_semitones, resample_ratio = pitch_split(prosody.pitch_semitones)
        out = self._acoustic(
            np.asarray([ids], dtype=np.int64),
            # Rendered longer by the ratio that resampling will take away again.
            speed_ratio=prosody.duration_scale * resample_ratio,
            f0_ratio=prosody.f0_spread,
            f0_shift=model_semitones / SEMITONES_PER_F0_UNIT,
            energy_ratio=prosody.energy,
            dropout_generator=self._generator(),
        )
        return out.mel

    def _chunk_spans(self, frames: int, *, first: bool) -> Iterator[tuple[int, int]]:
        split = self.config.first_chunk_frames
        ctx = self.config.context_frames
        start = 0
        # Splitting pays only when the rest is long enough to be worth its overlap.
        if first and frames - split >= ctx:
            yield 0, split
            start = split
        yield from spans.plan(frames, start, context=ctx, shape=self._call_shape())

    def _call_shape(self) -> spans.CallShape:
        """How long one vocoder call may be: the runtime's own fixed shapes (OpenVINO), else
        `max_vocoder_frames` plus context either side."""
        shape = getattr(self._vocoder, "call_shape", None)
        if shape is not None:
            return shape
        limit = self.config.max_vocoder_frames
        return spans.CallShape(limit + 2 * self.config.context_frames if limit > 0 else 0)

    def _vocode_span(self, mel: np.ndarray, start: int, end: int) -> np.ndarray:
        ctx = self.config.context_frames
        lo, hi = max(0, start - ctx), min(mel.shape[1], end + ctx)
        wav = self._vocoder(mel[:, lo:hi], final=hi == mel.shape[1])[0]
        keep = wav[(start - lo) * HOP : (end - lo) * HOP]
        return keep.astype(np.float32, copy=False)


def pitch_split(semitones: float) -> tuple[float, float]:
    """(semitones the model carries, resampling ratio for the rest) of a pitch shift."""
    model = max(-MODEL_PITCH_LIMIT, min(MODEL_PITCH_LIMIT, semitones))
    return model, 2.0 ** ((semitones - model) / 12.0)


def repitch(samples: np.ndarray, ratio: float) -> np.ndarray:
    """Raise the pitch by `ratio` by playing the samples faster (FFT resampling)."""
    if ratio == 1.0 or len(samples) == 0:
        return samples
    from scipy.signal import resample

    return resample(samples, int(round(len(samples) / ratio))).astype(np.float32)


def create(*, threads: int = 2, dropout: str = "off", backend: str | None = None) -> BuiltinEngine:
    if backend is None:  # the configured default (EngineConfig.backend)
        return BuiltinEngine(EngineConfig(threads=threads, dropout=dropout))
    return BuiltinEngine(EngineConfig(threads=threads, dropout=dropout, backend=backend))
