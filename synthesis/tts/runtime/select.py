"""Pick the networks' runtime by name. All backends share one numpy call shape:

    acoustic(ids [1, T] ints, speed_ratio=, f0_ratio=, f0_shift=, energy_ratio=,
             dropout_generator=) -> AcousticResult (numpy mel [1, F, 80], durations, f0, energy)
    vocoder(mel [1, F, 80] float32) -> wav [1, F * 300] float32

Backends:
  fp32-torch   the PyTorch port, exact fp32 (the reference; the only one with dropout)
  fp32-onnx    the same graphs in ONNX Runtime, fp32 (float-noise equal to fp32-torch)
  int8-onnx    ONNX Runtime, the postnet's convolutions static int8, all else fp32
  int8-onnx+ov int8-onnx's acoustic model, and the vocoder in OpenVINO f32 (its own graph,
               `vocoder.ov.onnx`, on a few fixed shapes): the fastest backend on a CPU without
               bf16 (Zen 3: paragraph 8 – 23 % faster than int8-onnx in side-by-side runs,
               +135 MB RSS; bench/README.md, "The fifth session"), so the default falls back
               to it there.
  bf16-openvino  (the default: the fastest variant inside the quality bounds of
               tests/tts/test_fast_path.py; see bench/README.md, "OpenVINO") the encoder in
               ONNX Runtime fp32, the decoder + postnet and the vocoder run by OpenVINO in
               bfloat16 (AVX512_BF16 / AMX) on a few padded shapes
               (openvino_backend.OvBucketAcoustic, OvVocoder). Falls back to int8-onnx+ov
               when the CPU has no bf16, and to int8-onnx when openvino is not installed.
  f32-openvino   the same in f32 (for comparison, and to test the padding on any CPU).
  Mixed forms for experiments: `onnx:<decoder precision>/<vocoder precision>`;
  `onnx:int8/int8` adds the int8 vocoder (2.5x faster, but outside the quality bound).
The environment variable TTS_BUILTIN_BACKEND overrides the default.
"""

from __future__ import annotations

import logging
import os

from . import BACKENDS, DEFAULT_BACKEND
from .onnx_backend import AcousticResult

log = logging.getLogger(__name__)


def default_backend() -> str:
    return os.environ.get("TTS_BUILTIN_BACKEND", DEFAULT_BACKEND)


def _precisions(name: str) -> tuple[str, str] | None:
    if name == "fp32-onnx":
        return "fp32", "fp32"
    if name == "int8-onnx":
        return "int8", "fp32"
    if name.startswith("onnx:"):
        dec, _, voc = name[5:].partition("/")
        if {dec, voc} <= {"fp32", "int8"}:
            return dec, voc
    return None


OPENVINO = {"bf16-openvino": "bf16", "f32-openvino": "f32"}
MIXED = "int8-onnx+ov"


def check(name: str) -> str:
    if name not in ("fp32-torch", MIXED) and name not in OPENVINO and _precisions(name) is None:
        raise ValueError(f"unknown backend {name!r}; one of {', '.join(BACKENDS)}")
    return name


class TorchAcoustic:
    """The exact fp32 PyTorch port behind the numpy call shape."""

    def __init__(self, threads: int):
        import torch

        from ..models.loader import load_acoustic

        torch.set_num_threads(threads)
        self._torch = torch
        self.model = load_acoustic()

    def __call__(self, ids, **controls) -> AcousticResult:
        torch = self._torch
        with torch.inference_mode():
            out = self.model(torch.as_tensor(ids, dtype=torch.long).reshape(1, -1), **controls)
        return AcousticResult(
            out.mel_before.numpy(),
            out.mel.numpy(),
            out.durations.numpy(),
            out.f0.numpy(),
            out.energy.numpy(),
        )


class TorchVocoder:
    hop = 300
    receptive_frames = 22

    def __init__(self, threads: int):
        import torch

        from ..models.loader import load_vocoder

        torch.set_num_threads(threads)
        self._torch = torch
        self.model = load_vocoder()

    def __call__(self, mel, *, final: bool = True):
        torch = self._torch
        with torch.inference_mode():
            return self.model(torch.from_numpy(mel)).numpy()


def load(name: str, *, threads: int = 2, spinning: bool = False):
    """(acoustic, vocoder) for backend `name`."""
    check(name)
    if name == "fp32-torch":
        return TorchAcoustic(threads), TorchVocoder(threads)
    from .onnx_backend import OnnxAcoustic, OnnxVocoder, ensure_graphs

    if name in OPENVINO:
        from .openvino_backend import OvBucketAcoustic, OvVocoder

        folder = ensure_graphs()
        acoustic = OvBucketAcoustic(folder, hint=OPENVINO[name], threads=threads)
        acoustic.warm_up()
        vocoder = OvVocoder(folder, precision="fp32", hint=OPENVINO[name], threads=threads)
        vocoder.warm_up()
        return acoustic, vocoder

    if name == MIXED:
        from concurrent.futures import ThreadPoolExecutor

        from .openvino_backend import OvVocoder

        folder = ensure_graphs()

        def vocoder():
            v = OvVocoder(folder, precision="fp32", hint="f32", threads=threads)
            v.warm_up(later=True)
            return v

        # OpenVINO compiles (without the GIL) while ONNX Runtime builds its sessions: load
        # 0.97 -> 0.7 s on a Zen 3 (bench/README.md, "The fifth session", item 1).
        with ThreadPoolExecutor(1, thread_name_prefix="openvino-vocoder-load") as pool:
            pending = pool.submit(vocoder)
            acoustic = OnnxAcoustic(folder, precision="int8", threads=threads, spinning=spinning)
            return acoustic, pending.result()

    dec, voc = _precisions(name)
    folder = ensure_graphs()
    return (
        OnnxAcoustic(folder, precision=dec, threads=threads, spinning=spinning),
        OnnxVocoder(folder, precision=voc, threads=threads, spinning=spinning),
    )


def load_with_fallback(name: str, *, threads: int = 2):
    """(acoustic, vocoder, backend actually loaded): an ONNX backend whose graphs cannot be
    exported or opened (read-only cache, broken install) falls back to fp32-torch, loudly."""
    check(name)
    if name == "fp32-torch":
        return (*load(name, threads=threads), name)
    if name in OPENVINO or name == MIXED:
        from . import openvino_backend

        why = None
        if not openvino_backend.available():
            why = "openvino is not installed"
        elif OPENVINO.get(name) == "bf16" and not openvino_backend.bf16_supported():
            # A CPU without bf16 is ordinary hardware, not a fault: there the OpenVINO vocoder
            # in f32 beside int8-onnx's acoustic model is the fastest (bench/README.md, "The
            # fifth session").
            log.info("backend %s needs bf16, which this CPU lacks; using %s", name, MIXED)
            name = MIXED
        if why is None:
            try:
                return (*load(name, threads=threads), name)
            except Exception:
                log.exception("backend %s failed to load", name)
                why = "it failed to load"
        log.warning("backend %s unavailable (%s); using int8-onnx", name, why)
        name = "int8-onnx"
    try:
        return (*load(name, threads=threads), name)
    except Exception:
        log.exception("backend %s unavailable; falling back to fp32-torch", name)
        return (*load("fp32-torch", threads=threads), "fp32-torch")
