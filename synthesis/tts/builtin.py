"""The built-in Mandarin voice: our frontend, FastSpeech2 and Multi-band MelGAN on the CPU."""

from __future__ import annotations

import json
import logging
import math
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from .audio import SAMPLE_RATES, apply_gain
from .engine import Engine
from .runtime import select as runtime_select
from .runtime import spans
from .styles import Prosody, load_styles, prosody_for
from .types import AudioChunk, InvalidRequest, NothingToSpeak, SynthesisRequest, Voice

log = logging.getLogger(__name__)

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
    # The frontend and acoustic model of pass n + 1 run on a thread while pass n is vocoded
    # (`_MelPipeline`); False computes each pass in turn (bench/README.md, "The third
    # session", item 5).
    pipeline: bool = True
    # Networks' runtime (synthesis/tts/runtime/select.py): "bf16-openvino" (default, the fastest
    # that passes tests/tts/test_fast_path.py; int8-onnx+ov on a CPU without bf16, int8-onnx
    # when openvino is missing), "int8-onnx", "fp32-onnx", or "fp32-torch" (the exact fp32
    # reference, the only one with dropout).
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

    def stream(
        self, request: SynthesisRequest, *, low_latency: bool = True
    ) -> Iterator[AudioChunk]:
        """Audio of each pass, vocoded in overlapping chunks so the first one comes quickly
        (`low_latency`: the first pass's first `first_chunk_frames` frames in a call of their
        own; without it, 10 short prompts −5 to −6 % CPU, −6 to −8 % wall on a Zen 4,
        `bench/short_texts.py`)."""
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
        if self.config.pipeline:
            mels = _MelPipeline(self, head, pending, prosody)
        else:
            mels = self._mels_in_turn(head, pending, prosody)
        try:
            for index, p, mel, total in mels:
                # A resampled pass is vocoded whole: resampling chunks apart would leave seams.
                first = low_latency and index == 0 and resample_ratio == 1.0
                pieces = list(self._chunk_spans(mel.shape[1], first=first))
                for span_no, (start, end) in enumerate(pieces):
                    samples = repitch(self._vocode_span(mel, start, end), resample_ratio)
                    last = span_no == len(pieces) - 1
                    if last and p.pause_after > 0:
                        pause = int(SAMPLE_RATE * p.pause_after * prosody.pause_scale)
                        samples = np.concatenate([samples, np.zeros(pause, np.float32)])
                    yield AudioChunk(
                        samples=apply_gain(samples, prosody.gain_db),
                        sample_rate=SAMPLE_RATE,
                        index=index,
                        # The pass count is known once the rest of the text is analysed, which
                        # is done before the first pass's last chunk.
                        total=total() if last or index else 0,
                        text_start=p.start,
                        text_end=p.end,
                        text=p.text,
                        last_of_clause=last,
                    )
                    if index == 0 and span_no == 0 and isinstance(mels, _MelPipeline):
                        # Only now: started before the first chunk is handed over, the
                        # producer's Python holds the GIL and delays it (13 -> 18 ms).
                        mels.first_chunk_made()
        finally:
            mels.close()  # both kinds close: the pipeline stops its thread

    def _mels_in_turn(self, head, pending, prosody):
        """(index, pass, mel, total) one pass after the other, in this thread; the rest of the
        text is analysed when the pass count is first asked for (the first pass's last chunk)."""
        passes = [head]
        analysed = False

        def total() -> int:
            nonlocal analysed
            if not analysed:
                passes.extend(pending)
                analysed = True
            return len(passes)

        index = 0
        while index == 0 or index < total():
            p = passes[index]
            yield index, p, self._pass_mel(p, prosody), total
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
            _release_load_pages(getattr(self._vocoder, "warming", None))
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

    def _pass_mel(self, p, prosody: Prosody) -> np.ndarray:
        return self._mel(self._frontend.ids(p), prosody)

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


def _release_load_pages(warming: threading.Thread | None) -> None:
    """Unmap the pages of libraries and compiled blobs that only loading used
    (`memory.release_file_pages`: peak RSS −68 MB on a Zen 4), now and again once the
    vocoder's background warm-up, which compiles more shapes, is done."""
    from ..memory import release_file_pages

    released = release_file_pages()
    log.debug("released %.1f MB of mapped files after load", released / 2**20)
    if warming is not None and warming.is_alive():

        def after_warm_up() -> None:
            warming.join()
            release_file_pages()

        threading.Thread(target=after_warm_up, name="release-file-pages", daemon=True).start()


class _MelPipeline:
    """(index, pass, mel, total) with the frontend and the acoustic model one pass ahead.

    The first pass's mel is made in the caller's thread, as without the pipeline, so the first
    chunk is not delayed. Once that chunk is made, a producer thread analyses the rest of the
    text and computes pass n + 1's mel while the caller vocodes pass n: the frontend and the
    glue between networks are single-threaded Python and the encoder's short runs use two
    threads poorly, so one core would otherwise idle through them (the networks release the
    GIL). At most `ahead` mels wait. Closing stops the producer after its current pass.
    """

    ahead = 1
    _DONE = object()

    def __init__(self, engine: BuiltinEngine, head, pending, prosody) -> None:
        self._engine, self._head, self._pending, self._prosody = engine, head, pending, prosody
        self._queue: queue.Queue = queue.Queue(maxsize=self.ahead)
        self._stop = threading.Event()
        self._analysed = threading.Event()
        self._count = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._produce, name="tts-mels", daemon=True)
                self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        engine = self._engine
        try:
            rest = list(self._pending)  # analysed while the first pass is vocoded
            self._count = 1 + len(rest)
            self._analysed.set()
            for index, p in enumerate(rest, 1):
                if self._stop.is_set():
                    return
                mel = engine._pass_mel(p, self._prosody)
                if not self._put((index, p, mel)):
                    return
            self._put(self._DONE)
        except BaseException as exc:  # handed to the caller, raised in its thread
            self._analysed.set()
            self._put(exc)

    def _total(self) -> int:
        self._start()
        self._analysed.wait()
        return self._count

    def first_chunk_made(self) -> None:
        """The first audio is out: the producer may take the GIL and the cores now."""
        self._start()

    def __iter__(self):
        engine = self._engine
        mel = engine._pass_mel(self._head, self._prosody)
        yield 0, self._head, mel, self._total
        self._start()
        while True:
            item = self._queue.get()
            if item is self._DONE:
                return
            if isinstance(item, BaseException):
                raise item
            index, p, mel = item
            yield index, p, mel, self._total

    def close(self) -> None:
        """Stop the producer and wait for it (at most its current pass), so an abandoned
        stream leaves nothing running to slow the next request down."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)


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


def create(
    *, threads: int = 2, dropout: str = "off", backend: str | None = None, pipeline: bool = True
) -> BuiltinEngine:
    config = EngineConfig(threads=threads, dropout=dropout, pipeline=pipeline)
    if backend is not None:  # else the configured default (EngineConfig.backend)
        config = replace(config, backend=backend)
    return BuiltinEngine(config)
