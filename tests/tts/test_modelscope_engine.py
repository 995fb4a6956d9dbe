"""The ModelScope engine's seam: voices from the model folder, SSML emotions, clear failures."""

import io
import json

import numpy as np
import pytest
import soundfile

from synthesis.tts.modelscope_engine import ModelScopeEngine
from synthesis.tts.types import EngineUnavailable, InvalidRequest, SynthesisRequest


@pytest.fixture
def model_dir(tmp_path):
    (tmp_path / "voices").mkdir()
    (tmp_path / "voices" / "voices.json").write_text(
        json.dumps({"voices": ["zhitian_emo", "plain"]})
    )
    (tmp_path / "configuration.json").write_text('{"model": {"sample_rate": 16000}}')
    return tmp_path


class RecordingPipeline:
    """Stands in for ModelScope's pipeline object: records its input, returns a WAV file."""

    def __init__(self):
        self.calls = []

    def __call__(self, *, input, voice):
        self.calls.append((input, voice))
        buf = io.BytesIO()
        soundfile.write(buf, np.full(1600, 0.1, np.float32), 16000, format="WAV")
        return {"output_wav": buf.getvalue()}


def test_voices_come_from_the_model_folder(model_dir):
    engine = ModelScopeEngine(model_dir, pipeline_factory=RecordingPipeline)
    voices = {v.id: v for v in engine.voices()}
    assert set(voices) == {"sambert-zhitian_emo", "sambert-plain"}
    assert "happy" in voices["sambert-zhitian_emo"].emotions
    assert voices["sambert-plain"].emotions == ("neutral",)
    assert voices["sambert-plain"].sample_rate == 16000


def test_emotion_travels_as_ssml_and_text_is_escaped(model_dir):
    pipe = RecordingPipeline()
    engine = ModelScopeEngine(model_dir, pipeline_factory=lambda: pipe)
    audio = engine.synthesize(
        SynthesisRequest(text="你好<b>", voice="sambert-zhitian_emo", emotion="surprised")
    )
    ssml, voice = pipe.calls[0]
    assert voice == "zhitian_emo"
    assert 'category="surprise"' in ssml and "你好&lt;b&gt;" in ssml
    assert audio.sample_rate == 16000 and audio.duration == pytest.approx(0.1)


def test_unsupported_emotion_and_controls_are_refused(model_dir):
    engine = ModelScopeEngine(model_dir, pipeline_factory=RecordingPipeline)
    with pytest.raises(InvalidRequest, match="does not speak"):
        engine.validate(SynthesisRequest(text="你好", voice="sambert-plain", emotion="happy"))
    with pytest.raises(InvalidRequest, match="speed or pitch"):
        engine.validate(SynthesisRequest(text="你好", voice="sambert-plain", speed=1.5))


def test_missing_model_folder_says_so(tmp_path):
    with pytest.raises(EngineUnavailable, match="does not exist"):
        ModelScopeEngine(tmp_path / "nowhere")


def test_real_pipeline_failure_is_reported_as_unavailable(model_dir):
    """With the real modelscope package but no usable model, the reason reaches the caller."""
    engine = ModelScopeEngine(model_dir)
    with pytest.raises(EngineUnavailable, match="ModelScope|modelscope"):
        engine.synthesize(SynthesisRequest(text="你好", voice="sambert-zhitian_emo"))
