"""Emotion styles and user controls, judged by measuring the audio against neutral speech."""

from __future__ import annotations

import math
from functools import cache

import pytest

from synthesis.tts.analysis import f0_spread_semitones, median_f0, rms_dbfs, speech_seconds
from synthesis.tts.builtin import create
from synthesis.tts.types import SynthesisRequest

TEXT = "今天天气真好，我们一起去公园散步吧！小河边的柳树发芽了，孩子们在草地上放风筝。"
RATE = 24000


@cache
def _engine():
    engine = create(threads=2)
    engine.load()
    return engine


@cache
def measure(emotion: str = "neutral", intensity: float = 1.0, **controls) -> dict[str, float]:
    engine = _engine()
    syllables = sum(len(p.pinyin) for p in engine.frontend().analyze(TEXT))
    audio = engine.synthesize(
        SynthesisRequest(text=TEXT, emotion=emotion, intensity=intensity, **controls)
    )
    x = audio.samples
    return {
        "f0": median_f0(x, RATE),  # Hz
        "spread": f0_spread_semitones(x, RATE),  # semitones
        "rate": syllables / speech_seconds(x, RATE),  # syllables per second of speech
        "rms": rms_dbfs(x, RATE),  # dBFS of speech frames
    }


# Which way each style must move each measure, and the least it must move at intensity 1
# (f0 in Hz, spread in semitones, rate in syllables/s, rms in dB). Measured margins are 2-5x these.
UP, DOWN = +1, -1
EXPECTED = {
    "happy": {"f0": (UP, 10), "rate": (UP, 0.2), "rms": (UP, 0.8)},
    "sad": {"f0": (DOWN, 10), "rate": (DOWN, 0.3), "rms": (DOWN, 1.5), "spread": (DOWN, 0.2)},
    "angry": {"f0": (UP, 8), "rate": (UP, 0.3), "rms": (UP, 1.5), "spread": (UP, 0.2)},
    "surprised": {"f0": (UP, 25), "rms": (UP, 1.0), "spread": (UP, 0.3)},
    "fearful": {"f0": (UP, 6), "rate": (UP, 0.2), "rms": (DOWN, 1.0), "spread": (DOWN, 0.3)},
    "gentle": {"f0": (DOWN, 6), "rate": (DOWN, 0.2), "rms": (DOWN, 1.5)},
}


@pytest.mark.parametrize("emotion", sorted(EXPECTED))
def test_each_style_moves_its_measures_the_intended_way(emotion):
    neutral, styled = measure(), measure(emotion, 1.0)
    for key, (direction, least) in EXPECTED[emotion].items():
        moved = (styled[key] - neutral[key]) * direction
        assert moved >= least, f"{emotion} {key}: {neutral[key]:.2f} -> {styled[key]:.2f}"


@pytest.mark.parametrize("emotion", sorted(EXPECTED))
def test_intensity_two_goes_further_than_one(emotion):
    neutral, once, twice = measure(), measure(emotion, 1.0), measure(emotion, 2.0)
    for key, (direction, _) in EXPECTED[emotion].items():
        assert (twice[key] - neutral[key]) * direction > (once[key] - neutral[key]) * direction


def test_intensity_zero_is_neutral():
    assert measure("angry", 0.0) == measure()


def test_speed_control_changes_the_speaking_rate():
    neutral = measure()["rate"]
    assert measure(speed=1.5)["rate"] > 1.3 * neutral
    assert measure(speed=0.6)["rate"] < 0.75 * neutral


@pytest.mark.parametrize("semitones", [-12, -5, -1, 2, 7, 12])
def test_pitch_control_shifts_by_the_semitones_asked(semitones):
    measured = 12 * math.log2(measure(pitch=float(semitones))["f0"] / measure()["f0"])
    assert measured == pytest.approx(semitones, abs=1.0 + 0.1 * abs(semitones))


def test_pitch_shift_keeps_the_duration():
    engine = _engine()
    plain = engine.synthesize(SynthesisRequest(text=TEXT))
    high = engine.synthesize(SynthesisRequest(text=TEXT, pitch=9.0))
    assert high.duration == pytest.approx(plain.duration, rel=0.04)
