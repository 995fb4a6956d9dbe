"""Emotion styles as data: prosody presets scaled by an intensity, merged with user controls."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .types import InvalidRequest

STYLES_PATH = Path(__file__).with_name("styles.json")
MAX_INTENSITY = 2.0


@dataclass(frozen=True)
class Prosody:
    """Effective controls of one request, after the emotion preset and the user's controls."""

    duration_scale: float  # multiplies durations: > 1 is slower
    pitch_semitones: float
    f0_spread: float
    energy: float
    gain_db: float
    pause_scale: float


@dataclass(frozen=True)
class Style:
    name: str
    label: str
    speed: float
    pitch: float
    f0_spread: float
    energy: float
    gain_db: float
    pause: float

    def at(self, intensity: float) -> Style:
        """The preset scaled: 0 is neutral, 1 the preset, 2 twice as far from neutral."""
        k = float(intensity)
        return Style(
            name=self.name,
            label=self.label,
            speed=self.speed**k,
            pitch=self.pitch * k,
            f0_spread=self.f0_spread**k,
            energy=self.energy**k,
            gain_db=self.gain_db * k,
            pause=self.pause**k,
        )


@cache
def load_styles(path: Path = STYLES_PATH) -> dict[str, Style]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        name: Style(name=name, **values) for name, values in raw.items() if not name.startswith("_")
    }


def prosody_for(
    emotion: str,
    *,
    intensity: float = 1.0,
    speed: float = 1.0,
    pitch: float = 0.0,
    volume_db: float = 0.0,
    styles: dict[str, Style] | None = None,
) -> Prosody:
    styles = styles if styles is not None else load_styles()
    if emotion not in styles:
        raise InvalidRequest(f"unknown emotion {emotion!r}; choose one of {', '.join(styles)}")
    if not 0.0 <= intensity <= MAX_INTENSITY:
        raise InvalidRequest(f"intensity must be between 0 and {MAX_INTENSITY:g}")
    style = styles[emotion].at(intensity)
    return Prosody(
        duration_scale=1.0 / (style.speed * speed),
        pitch_semitones=style.pitch + pitch,
        f0_spread=style.f0_spread,
        energy=style.energy,
        gain_db=style.gain_db + volume_db,
        pause_scale=style.pause / speed,
    )
