"""Run the exported ONNX graphs with OpenVINO's CPU plugin (numpy in, numpy out, no torch).

Backend `bf16-openvino` (select.py) = `OvBucketAcoustic` (encoder in ONNX Runtime fp32, the
decoder + postnet in OpenVINO on padded, masked frames) + `OvVocoder` (the fp32 vocoder graph
on a few fixed shapes), both with INFERENCE_PRECISION_HINT bf16 (convolutions and matmuls in
bfloat16 with fp32 accumulation, on CPUs with AVX512_BF16 / AMX). bench/README.md, "OpenVINO"
and "The third session", has the numbers; `f32-openvino` is the same graphs in f32.

    acoustic = OvBucketAcoustic(folder, hint="bf16", threads=2)
    vocoder = OvVocoder(folder, precision="fp32", hint="bf16", threads=2)
    vocoder.warm_up()                      # compile the few shapes it will ever see
    wav = vocoder(acoustic(ids).mel)       # [1, F, 80] -> [1, F * 300]

OpenVINO keeps compiled kernels and buffers for every input shape it has seen, so nothing here
is run on free shapes in serving: `OvAcoustic` (exact shapes) is for experiments only.
Compiled blobs are cached next to the graphs (`<graph folder>/openvino`).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

from . import cache, spans
from .onnx_backend import OnnxAcoustic, OnnxVocoder, session

_core = None
_core_lock = threading.Lock()


def available() -> bool:
    try:
        import openvino  # noqa: F401
    except Exception:
        return False
    return True


def core():
    global _core
    with _core_lock:
        if _core is None:
            import openvino as ov

            _core = ov.Core()
        return _core


def _cache_dir(graph: Path) -> str | None:
    """Compiled blobs next to the graphs they come from (`<graph folder>/openvino`), so a new
    export never meets stale blobs (OpenVINO also keys them by model, config and version)."""
    folder = graph.parent / "openvino"
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        return None  # read-only cache: compile every load (≈ 1 s) rather than fail
    return str(folder) if os.access(folder, os.W_OK) else None


def _ir_graph(
    graph: Path, shape: dict[str, list[int]] | None = None, *, half: bool = False
) -> Path:
    """`graph` as OpenVINO IR, saved once next to the compiled blobs: with fixed input shapes
    (`shape`), and with its weights stored in float16 (`half`, for a bf16 hint only).

    Compiled from a file, OpenVINO memory-maps the weights and finds its blob cache by path;
    that costs ≈ 3 MB less than compiling a reshaped in-memory model (80.6 vs 83.9 MB for the
    384-frame vocoder after its first call, `bench/vocoder_graphs.py --memory`). The mapped
    weights (and the blob's) stay in the process's memory after compiling: in float16 they are
    half as large, −25 MB per process for the bf16 graphs on a Xeon with AMX (bench/README.md,
    "The sixth session"). A bf16 hint rounds them to bfloat16 anyway, so float16 (3 more
    mantissa bits, range checked by OpenVINO's compression) changes no result measurably."""
    import openvino as ov

    tags = ["x".join(map(str, dims)) for dims in (shape or {}).values()]
    tags += ["f16"] if half else []
    folder = Path(_cache_dir(graph) or tempfile.gettempdir())
    # The export's folder name carries its cache key: a read-only cache falls back to the
    # temp dir, where an older export's graph must not be taken for this one.
    target = folder / f"{graph.parent.name}.{graph.stem}.{'-'.join(tags)}.xml"
    if not (target.is_file() and target.with_suffix(".bin").is_file()):
        model = core().read_model(str(graph))
        if shape:
            model.reshape(shape)
        tmp = Path(tempfile.mkdtemp(dir=folder))
        try:
            ov.save_model(model, str(tmp / target.name), compress_to_fp16=half)
            os.replace(tmp / target.with_suffix(".bin").name, target.with_suffix(".bin"))
            os.replace(tmp / target.name, target)  # the .xml last: it marks a complete pair
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def cpu_flags() -> set[str] | None:
    """The CPU's feature flags from /proc/cpuinfo (Linux), or None where that is unreadable."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return None


def amx_supported() -> bool:
    """Whether the CPU has AMX tiles for bfloat16 (Intel Xeon since Sapphire Rapids)."""
    flags = cpu_flags()
    return bool(flags and "amx_bf16" in flags)


def on_amx(hint: str) -> bool:
    """Whether graphs compiled with `hint` compute on AMX tiles, where oneDNN keeps code per
    input shape in proportion to its length (bench/README.md, "The sixth session")."""
    return hint == "bf16" and amx_supported()


def bf16_supported() -> bool:
    """Whether the CPU computes in bfloat16 (AVX512_BF16 or AMX). Read from /proc/cpuinfo
    first, so a CPU without it never imports openvino (+40 MB RSS, +0.3 s load for nothing)."""
    flags = cpu_flags()
    if flags is not None:
        return bool(flags & {"avx512_bf16", "amx_bf16"})
    if not available():
        return False
    return "BF16" in core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def compile_config(threads: int, hint: str) -> dict:
    """The CPU plugin's settings for one graph (also what the bench scripts compile with)."""
    return {
        "INFERENCE_PRECISION_HINT": hint,
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_NUM_THREADS": threads,
        "NUM_STREAMS": 1,
        # A shared box: do not pin threads to cores other processes are using.
        "ENABLE_CPU_PINNING": False,
    }


class OvSession:
    """`onnxruntime.InferenceSession.run`'s shape over an OpenVINO compiled model.

    An infer request per call in flight (two calls at once must not share buffers), kept
    for reuse; outputs are copied out of the request's buffers."""

    def __init__(
        self, path: Path, threads: int, hint: str = "f32", shape: dict[str, list[int]] | None = None
    ):
        """`shape`: compile for these input shapes only (static shapes let OpenVINO fuse and
        lay out more than a dynamic graph: 10 – 15 % faster for the vocoder on a Zen 4)."""
        config = compile_config(threads, hint)
        cache_dir = _cache_dir(path)
        if cache_dir:
            config["CACHE_DIR"] = cache_dir
        if shape is not None or hint == "bf16":
            path = _ir_graph(path, shape, half=hint == "bf16")
        self.compiled = core().compile_model(str(path), "CPU", config)
        self._names = [p.get_any_name() for p in self.compiled.inputs]
        # Infer requests are reused by whichever thread runs next (the engine's pipeline
        # threads come and go); as many exist as calls have ever run at once.
        self._lock = threading.Lock()
        self._idle: list = []

    def _request(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self.compiled.create_infer_request()

    def run(self, _output_names, feeds: dict) -> list[np.ndarray]:
        request = self._request()
        try:
            request.infer({name: feeds[name] for name in self._names})
            return [
                np.array(request.get_output_tensor(i).data, copy=True)
                for i in range(len(self.compiled.outputs))
            ]
        finally:
            with self._lock:
                self._idle.append(request)


class OvAcoustic(OnnxAcoustic):
    """Experiments only (`bench/variants.py --variants ov:<graph>-<hint>/...`): encoder and
    decoder in OpenVINO on their exact shapes. Not servable: every new shape keeps ≈ 1.8 MB."""

    def __init__(
        self, folder: Path, *, decoder: str = "fp32", hint: str = "bf16", threads: int = 2
    ):
        self.precision = f"{decoder}/{hint}"
        self._encoder = OvSession(folder / cache.FILES["encoder"], threads, "f32")
        self._decoder = OvSession(folder / cache.FILES[f"decoder-{decoder}"], threads, hint)


class OvBucketAcoustic(OnnxAcoustic):
    """The acoustic model with its frame-rate part (decoder + postnet, ≈ 75 % of its time) in
    OpenVINO on a few padded lengths.

    The encoder and the token-rate `adapt` graph stay in ONNX Runtime (fp32: durations stay
    exactly the reference's, and their shapes are free there). The frames are padded to
    `bucket_for(n)` and masked (`decoder.masked.fp32.onnx`, then `postnet.masked.*.onnx`), so
    OpenVINO compiles at most len(buckets()) shapes, each compiled when first met (6 – 25 ms,
    once). Memory: ≈ 100 MB for the compiled graphs and their first run, then a few MB per
    shape (bench/README.md, "The third session", item 2).
    - In bf16 the decoder runs ≈ 30 % faster than ONNX Runtime's int8-postnet decoder.
    - With hint bf16 on a CPU without AMX, the postnet's three 512-channel convolutions are
      static int8 (VNNI): the acoustic model's time per paragraph 0.204 → 0.187 s on a Zen 4
      (the whole paragraph −4 %, `bench/openvino_postnet.py`), mel error 0.57 → 0.69 % and
      chain LSD 0.94 → 0.98 dB on the reference paragraph (bounds 1.5 % and 1.6 dB;
      bench/README.md, "The fourth session").
    - With AMX the postnet stays in bf16 (`postnet_precision`): AMX's bf16 is faster there
      than its int8 (4.6 vs 8.0 ms at 1024 frames on a Xeon), and its int8 convolutions keep
      ≈ 18 kB of generated code per frame of every bucket they have run (+450 MB once all
      24 buckets have been met; bench/README.md, "The sixth session").
    - With AMX, where each shape keeps code in proportion to its length, the frames are
      padded to a sparser ladder above 256 (`amx_ladder`, 10 shapes instead of 24): a worker
      that has met every length holds 80 instead of 135 MB for them, and the paragraph's
      peak is 5 – 8 MB lower, for ≈ 1 % more decoder work on it (bench/README.md, "The sixth
      session").
    - With hint f32 everything is f32, to check the padding.
    """

    # Multiples of 64 up to 256 (first passes and short prompts), then ≈ 1.5 × apart.
    amx_ladder = (64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
    ladder: tuple[int, ...] = ()  # the shapes frames are padded to; () = `bucket_for`

    def __init__(
        self, folder: Path, *, hint: str = "bf16", threads: int = 2, postnet: str | None = None
    ):
        postnet = postnet or self.postnet_precision(hint)
        self.ladder = self.default_ladder(hint)
        self.precision = f"masked-fp32+postnet-{postnet}/{hint}"
        self._encoder = session(folder / cache.FILES["encoder"], threads)
        self._adapt = session(folder / cache.FILES["adapt"], threads)
        self._decoder = OvSession(folder / cache.FILES["decoder-masked-fp32"], threads, hint)
        self._postnet = OvSession(folder / cache.FILES[f"postnet-masked-{postnet}"], threads, hint)

    @staticmethod
    def postnet_precision(hint: str) -> str:
        """The postnet graph for `hint`: int8 where bf16 means AVX512_BF16, else fp32."""
        return "int8" if hint == "bf16" and not on_amx(hint) else "fp32"

    @staticmethod
    def bucket_for(frames: int) -> int:
        """Multiples of 64 up to 1024 frames, of 128 up to 2048: 24 shapes, fewer than 64
        frames (under 12.5 %) of padding."""
        step = 64 if frames <= 1024 else 128
        return max(step, -(-frames // step) * step)

    @classmethod
    def buckets(cls) -> list[int]:
        return sorted({cls.bucket_for(n) for n in range(1, 2049)})

    @classmethod
    def default_ladder(cls, hint: str) -> tuple[int, ...]:
        """`amx_ladder` on AMX, else () (`bucket_for`)."""
        return cls.amx_ladder if on_amx(hint) else ()

    def padded_frames(self, frames: int) -> int:
        """The shape `frames` frames run on: the first of `ladder` that holds them, else
        `bucket_for`."""
        return next((b for b in self.ladder if b >= frames), None) or self.bucket_for(frames)

    def warm_up(self, top: int = 256) -> None:
        """Compile the shapes short texts and first passes meet (≤ `top` frames)."""
        for n in (b for b in (self.ladder or self.buckets()) if b <= top):
            valid = np.ones((1, n), np.float32)
            (mel_before,) = self._decoder.run(
                None, {"frames": np.zeros((1, n, 256), np.float32), "valid": valid}
            )
            self._postnet.run(None, {"mel_before": mel_before, "valid": valid})

    def _decode(self, h, f0, energy, index) -> tuple[np.ndarray, np.ndarray]:
        (frames,) = self._adapt.run(None, {"h": h, "f0": f0, "energy": energy, "index": index})
        n = frames.shape[1]
        total = self.padded_frames(n)
        padded = np.zeros((1, total, frames.shape[2]), np.float32)
        padded[:, :n] = frames
        valid = np.zeros((1, total), np.float32)
        valid[:, :n] = 1.0
        (mel_before,) = self._decoder.run(None, {"frames": padded, "valid": valid})
        (mel,) = self._postnet.run(None, {"mel_before": mel_before, "valid": valid})
        return mel_before[:, :n], mel[:, :n]


class OvVocoder(OnnxVocoder):
    """The vocoder in OpenVINO, fed only a few fixed shapes.

    OpenVINO's CPU plugin JIT-compiles kernels per input shape and keeps them (its runtime
    cache and oneDNN's primitive cache): every new mel length costs compile time and ~5 MB of
    RSS that is never given back (measured: 40 different texts took RSS from 430 to 820 MB).
    So mels are padded on the right to a multiple of `bucket` frames (or, with AMX, to the
    next of `amx_sizes`), with at least `min_pad` frames of padding at the mel's end (the last
    frame repeated: passes end in silence), and longer mels are vocoded in pieces of at most
    `largest` frames with `context` real frames either side (exact, runtime/spans.py; the
    engine plans its pieces by the same `call_shape`): 7 shapes in all (4 with AMX), with
    `smallest`, the first chunk's, warmed up at load (`warm_up`; or all but the first chunk's
    just after it).
    - Most frames go through calls of exactly `largest` frames, so that shape has a graph
      compiled for it alone (static shapes: ≈ 12 % faster per call on a Zen 4); the shorter
      ones share one dynamic graph.
    - The graphs are `vocoder.ov.onnx` for the fixed shape and `vocoder.ov.free.onnx` for
      the free length (export.openvino_vocoder: the same sums, interleaved in the layout each
      kind of graph runs faster): zero padding inside the convolutions instead of reflect
      pads, so they differ from the float vocoder in a pass's first samples (≤ 2.2e-3) and,
      as before, in its last ~22 frames (edge handling); both are inside the quality bounds
      of tests/tts/test_fast_path.py.
    - Per frame a call costs about the same from 256 to 768 frames, but each shape keeps
      ≈ 19 kB of buffers per frame, so longer shapes cost memory (bench/README.md,
      "The third session", item 1).
    The output up to the mel's end depends on the mel and its repeated last frame only, not on
    the bucket, so streaming and one-shot vocoding agree.
    """

    bucket = 64
    min_pad = 24
    largest = 384
    context = 24
    # The first chunk's call (8 frames + 24 of context, builtin.EngineConfig) has a shape of
    # its own rather than being padded to 64 frames.
    smallest = 32
    # With AMX, oneDNN generates code for each shape in proportion to its length (≈ 60 kB per
    # frame: the copies that pad the convolutions' inputs) and keeps buffers for it, so fewer
    # shapes: 4 instead of 7, −71 MB at the paragraph's peak for +2 % vocoded frames on the
    # paragraph and +4.7 % CPU on 20 varied texts (bench/README.md, "The sixth session").
    amx_sizes = (64, 128, 384)
    sizes: tuple[int, ...] = ()  # the call lengths above `smallest`; () = multiples of `bucket`
    # The background warm-up of `warm_up(later=True)`, while it runs or once it has run.
    warming: threading.Thread | None = None

    def __init__(
        self,
        folder: Path,
        *,
        precision: str = "fp32",
        hint: str = "bf16",
        threads: int = 2,
        sizes: tuple[int, ...] | None = None,
    ):
        """`sizes`: the call lengths above `smallest`, the last one the largest (default: every
        multiple of `bucket` up to `largest`)."""
        self.precision = f"{precision}/{hint}"
        if sizes is None:
            sizes = self.default_sizes(hint)
        if sizes:
            self.sizes, self.largest = tuple(sizes), sizes[-1]
        if precision == "fp32":
            # The same sums in two layouts, each the faster in its kind of graph
            # (export.openvino_vocoder).
            graph, free = (folder / cache.FILES[k] for k in ("vocoder-ov", "vocoder-ov-free"))
        else:
            graph = free = folder / cache.FILES[f"vocoder-{precision}"]
        self._session = OvSession(free, threads, hint)
        self._largest = OvSession(graph, threads, hint, shape={"mel": [1, self.largest, 80]})
        # What the engine plans its pieces by (runtime/spans.py): every call but a pass's last
        # is exactly `largest` frames, so padding is paid once per pass.
        self.call_shape = spans.CallShape(
            self.largest, self.bucket, self.min_pad, self.smallest, sizes=self.sizes
        )
        # A piece that does not end the mel (its last frames are context) needs no end padding.
        self._piece_shape = dataclasses.replace(self.call_shape, end_pad=0)

    @classmethod
    def default_sizes(cls, hint: str) -> tuple[int, ...]:
        """`amx_sizes` on AMX, else () (every multiple of `bucket`)."""
        return cls.amx_sizes if on_amx(hint) else ()

    def shapes(self) -> list[int]:
        """Every mel length the graph is ever run on."""
        return [self.smallest, *(self.sizes or range(self.bucket, self.largest + 1, self.bucket))]

    def _run(self, mel: np.ndarray) -> np.ndarray:
        session = self._largest if mel.shape[1] == self.largest else self._session
        (wav,) = session.run(None, {"mel": mel})
        return wav

    def warm_up(self, lengths=None, *, later: bool = False) -> threading.Thread | None:
        """Run each shape once: OpenVINO prepares a dynamic graph for each new input shape,
        ≈ 50 ms apiece in f32 on a Zen 3, so that a request does not pay it.

        `later`: only the first chunk's shape (`smallest`) now, the others in a thread that
        is returned (engine load 1.5 → 0.6 – 1.0 s on a Zen 3, with the compile beside ONNX
        Runtime's sessions, select.load; a request in the first ≈ 0.5 s
        shares the cores with it; the fixed-shape graph of `largest` is compiled already and
        its first call costs only ≈ 5 ms more than the next)."""
        lengths = list(lengths or self.shapes())
        now = [n for n in lengths if not later or n == self.smallest]
        for n in now:
            self._run(np.zeros((1, n, 80), np.float32))
        rest = [n for n in lengths if n not in now]
        if not rest:
            return None
        # Not a daemon: a process that exits at once waits for it, rather than tearing
        # OpenVINO down under a running inference.
        thread = threading.Thread(
            target=self.warm_up, args=(rest,), name="openvino-vocoder-warm-up"
        )
        thread.start()
        self.warming = thread  # the engine waits for it before releasing load-time pages
        return thread

    def _padded(self, mel: np.ndarray, final: bool) -> np.ndarray:
        n = mel.shape[1]
        total = spans.padded_length(n, self.call_shape, ends=final)
        mel = np.pad(mel, ((0, 0), (0, total - n), (0, 0)), mode="edge")
        return self._run(mel)[:, : n * self.hop]

    def __call__(self, mel: np.ndarray, *, final: bool = True) -> np.ndarray:
        """mel [1, F, 80] -> waveform [1, F * 300] float32 in [-1, 1]. `final=False`: the mel
        is a piece whose last `context` frames are only context (the engine's pieces), so it
        needs no end padding."""
        mel = np.ascontiguousarray(mel, dtype=np.float32)
        if mel.ndim == 2:
            mel = mel[None]
        n = mel.shape[1]
        if n == 0:
            return np.zeros((mel.shape[0], 0), np.float32)
        shape = self.call_shape if final else self._piece_shape
        pieces = []
        for a, b in spans.plan(n, context=self.context, shape=shape):
            lo, hi = max(0, a - self.context), min(n, b + self.context)
            wav = self._padded(mel[:, lo:hi], final and hi == n)
            pieces.append(wav[:, (a - lo) * self.hop : (b - lo) * self.hop])
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=1)
