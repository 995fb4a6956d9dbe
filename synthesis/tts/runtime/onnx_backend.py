"""Run the exported graphs with ONNX Runtime: numpy in, numpy out, no torch in this process.

    acoustic = OnnxAcoustic(folder, precision="int8", threads=2)
    out = acoustic(ids, speed_ratio=1.0, f0_ratio=1.0, f0_shift=0.0, energy_ratio=1.0)
    wav = OnnxVocoder(folder, precision="int8", threads=2)(out.mel)   # [1, F * 300]

The prosody controls between the encoder and decoder graphs are written exactly as in
`models/fastspeech2.py` (float32, same order of operations, round half to even), so the
durations equal the torch port's.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import cache

log = logging.getLogger(__name__)

_export_lock = threading.Lock()


@dataclass
class AcousticResult:
    """Same fields as `models.fastspeech2.AcousticOutput`, as numpy arrays (batch 1)."""

    mel_before: np.ndarray  # [1, F, 80] float32
    mel: np.ndarray  # [1, F, 80] float32
    durations: np.ndarray  # [1, T] int64
    f0: np.ndarray  # [1, T] float32, after ratio and shift
    energy: np.ndarray  # [1, T] float32


def durations_from_log(log_dur: np.ndarray, speed_ratio) -> np.ndarray:
    """round(relu(exp(d) - 1) * speed), in float32 like the torch port."""
    d = np.exp(log_dur.astype(np.float32, copy=False)) - np.float32(1.0)
    d = np.maximum(d, np.float32(0.0)) * np.asarray(speed_ratio, dtype=np.float32)
    return np.round(d).astype(np.int64)


def ensure_graphs(timeout: float = 900.0) -> Path:
    """The folder of current graphs; exports them first (in a subprocess, once) if missing."""
    folder = cache.graph_dir()
    if cache.is_complete(folder):
        return folder
    with _export_lock:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with open(folder.parent / "onnx-export.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # other workers wait for the first one's export
            if not cache.is_complete(folder):
                log.warning(
                    "exporting ONNX graphs to %s (first load; takes about a minute)", folder
                )
                root = Path(__file__).resolve().parents[3]
                env = dict(os.environ)
                env["PYTHONPATH"] = os.pathsep.join(
                    filter(None, [str(root), env.get("PYTHONPATH")])
                )
                done = subprocess.run(
                    [sys.executable, "-m", "synthesis.tts.runtime.export", "--dir", str(folder)],
                    env=env,
                    timeout=timeout,
                    capture_output=True,
                    text=True,
                )
                if done.returncode != 0:
                    raise RuntimeError(f"ONNX export failed:\n{done.stderr[-4000:]}")
    if not cache.is_complete(folder):
        raise RuntimeError(f"ONNX export did not produce {folder}")
    return folder


def session(path: Path, threads: int, *, spinning: bool = False):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning workers burn the other request's core when two run at once on a 2-core box.
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    so.log_severity_level = 3
    # No memory arena: the arena keeps the largest pass's activations (and two of them when two
    # requests run at once) for the life of the process, +300 MB of RSS; plain malloc/free per
    # run costs nothing measurable next to the convolutions. TTS_ORT_ARENA=1 turns it back on.
    so.enable_cpu_mem_arena = os.environ.get("TTS_ORT_ARENA", "0") == "1"
    if os.environ.get("TTS_ORT_MEMPATTERN", "1") == "0":
        so.enable_mem_pattern = False
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


class OnnxAcoustic:
    def __init__(
        self, folder: Path, *, precision: str = "int8", threads: int = 2, spinning: bool = False
    ):
        self.precision = precision
        self._encoder = session(folder / cache.FILES["encoder"], threads, spinning=spinning)
        self._decoder = session(
            folder / cache.FILES[f"decoder-{precision}"], threads, spinning=spinning
        )

    def __call__(
        self,
        ids,
        *,
        speed_ratio=1.0,
        f0_ratio: float = 1.0,
        f0_shift=0.0,
        energy_ratio: float = 1.0,
        energy_shift: float = 0.0,
        dropout_generator=None,
    ) -> AcousticResult:
        if dropout_generator is not None:
            raise ValueError("the ONNX backends run without dropout; use backend fp32-torch")
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim == 1:
            ids = ids[None, :]
        if ids.shape[0] != 1:
            raise ValueError("the ONNX backends run one utterance at a time")
        h, log_dur, f0, energy = self._encoder.run(None, {"ids": ids})
        durations = durations_from_log(log_dur, speed_ratio)
        energy = energy * np.float32(energy_ratio)
        f0 = f0 * np.float32(f0_ratio)
        if np.any(np.asarray(energy_shift) != 0):
            energy = energy + np.asarray(energy_shift, dtype=np.float32)
        if np.any(np.asarray(f0_shift) != 0):
            f0 = f0 + np.asarray(f0_shift, dtype=np.float32)
        index = np.repeat(np.arange(ids.shape[1], dtype=np.int64), durations[0])
        if index.size == 0:  # nothing to say: keep the shapes the torch port gives
            empty = np.zeros((1, 0, 80), np.float32)
            return AcousticResult(empty, empty.copy(), durations, f0, energy)
        if index.size > 2048:
            raise ValueError(
                f"{index.size} frames in one pass; the model's position table allows at most "
                "2048. Split the text into shorter pieces."
            )
        mel_before, mel = self._decode(h, f0, energy, index)
        return AcousticResult(mel_before, mel, durations, f0, energy)

    def _decode(self, h, f0, energy, index) -> tuple[np.ndarray, np.ndarray]:
        return self._decoder.run(None, {"h": h, "f0": f0, "energy": energy, "index": index})


class OnnxVocoder:
    hop = 300
    receptive_frames = 22

    def __init__(
        self, folder: Path, *, precision: str = "int8", threads: int = 2, spinning: bool = False
    ):
        self.precision = precision
        self._session = session(
            folder / cache.FILES[f"vocoder-{precision}"], threads, spinning=spinning
        )

    def __call__(self, mel: np.ndarray, *, final: bool = True) -> np.ndarray:
        """mel [1, F, 80] -> waveform [1, F * 300] float32 in [-1, 1] (any F: `final`, whether
        the mel ends the pass, matters only to fixed-shape runtimes)."""
        mel = np.ascontiguousarray(mel, dtype=np.float32)
        if mel.ndim == 2:
            mel = mel[None]
        if mel.shape[1] == 0:
            return np.zeros((mel.shape[0], 0), np.float32)
        (wav,) = self._session.run(None, {"mel": mel})
        return wav
