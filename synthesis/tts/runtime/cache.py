"""Where the exported ONNX graphs live, and the key that says whether they are current.

Torch-free on purpose: the serving process computes the key and opens the files without
importing torch. The key covers the shipped tflite files (path, size, mtime), the source of
the model port and of the exporter, and the versions of torch / onnxruntime / onnx that
produced the graphs, so any change re-exports instead of serving stale graphs.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path

EXPORT_VERSION = 9

# Files written by `export.export_all()`, per variant.
FILES = {
    "encoder": "encoder.onnx",  # ids -> h, log durations, f0, energy (fp32; tiny, token rate)
    "decoder-fp32": "decoder.fp32.onnx",  # h, f0, energy, frame index -> mel_before, mel
    "decoder-int8": "decoder.int8.onnx",  # the same, convolutions static int8 (QDQ)
    # The decoder split for fixed-shape runtimes (OpenVINO): the token-rate part, then the
    # frame-rate part on frames padded to a few lengths, with a mask that keeps the padding
    # out of attention and convolutions (the real frames' output does not depend on it).
    "adapt": "adapt.onnx",  # h, f0, energy, frame index -> frames
    "decoder-masked-fp32": "decoder.masked.fp32.onnx",  # frames, valid -> mel_before
    "postnet-masked-fp32": "postnet.masked.fp32.onnx",  # mel_before, valid -> mel
    # The same, convolutions static int8 with full-range weights: for OpenVINO on bf16 CPUs,
    # which all have VNNI (ONNX Runtime's int8 decoder keeps 7-bit weights for AVX2 CPUs).
    "postnet-masked-int8": "postnet.masked.int8.onnx",
    "vocoder-fp32": "vocoder.fp32.onnx",  # mel -> waveform
    "vocoder-int8": "vocoder.int8.onnx",
    # The vocoder for OpenVINO: zero padding inside the convolutions (export.openvino_vocoder;
    # the same output but for a pass's first samples), in two layouts of the same sums:
    "vocoder-ov": "vocoder.ov.onnx",  # channels-last interleaves, for fixed-shape graphs
    "vocoder-ov-free": "vocoder.ov.free.onnx",  # channels-first, for the free-length graph
}
# The graphs ONNX Runtime runs keep their weights in `<file>.data` beside them, which it
# memory-maps (export.keep_weights_apart); OpenVINO's graphs are converted to its own IR.
ORT_GRAPHS = ("encoder", "adapt", "decoder-fp32", "decoder-int8", "vocoder-fp32", "vocoder-int8")
DONE = "complete.json"

_HERE = Path(__file__).resolve().parent
_SOURCES = (
    _HERE / "export.py",
    _HERE / "cache.py",
    _HERE.parent / "models" / "fastspeech2.py",
    _HERE.parent / "models" / "mb_melgan.py",
    _HERE.parent / "models" / "convert.py",
)


def replaceable(owner: str | None, mine: str) -> bool:
    """Whether a cache entry another version made may go when this installation writes a new
    one: `owner` (what made it: an installation's path) is this installation (`mine`), or is
    gone, or is unknown (an entry older than the field). An entry of another installation
    that still exists stays: installations sharing the cache folder would otherwise remove
    each other's entries on every start."""
    return owner is None or owner == mine or not Path(owner).exists()


def cache_root() -> Path:
    """Same place as the loader's state-dict cache: `$TTS_CACHE_DIR` or ~/.cache/zhtts-torch."""
    env = os.environ.get("TTS_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "zhtts-torch"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "none"


def cache_key() -> str:
    from ..assets import voice_assets

    assets = voice_assets()
    h = hashlib.sha1(f"export-v{EXPORT_VERSION}".encode())
    for src in (assets.acoustic, assets.vocoder):
        st = src.stat()
        h.update(f"|{src.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    for path in _SOURCES:
        h.update(path.read_bytes() if path.is_file() else b"-")
    for dist in ("torch", "onnxruntime", "onnx"):
        h.update(f"|{dist}={_version(dist)}".encode())
    return h.hexdigest()[:16]


def graph_dir() -> Path:
    return cache_root() / f"onnx-{cache_key()}"


def is_complete(folder: Path) -> bool:
    data = [FILES[name] + ".data" for name in ORT_GRAPHS]
    return (folder / DONE).is_file() and all(
        (folder / f).is_file() for f in (*FILES.values(), *data)
    )
