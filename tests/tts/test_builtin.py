"""The built-in voice end to end: text in, 24 kHz speech out, streamed or whole."""

from __future__ import annotations

import copy
import dataclasses
import time

import numpy as np
import pytest

from synthesis.tts.analysis import speech_seconds
from synthesis.tts.builtin import MAX_FRAMES, SAMPLE_RATE, create
from synthesis.tts.types import InvalidRequest, SynthesisRequest

SENTENCE = "今天天气真好，我们一起去公园散步吧！"


@pytest.fixture(scope="session")
def engine():
    eng = create(threads=2)
    eng.load()
    return eng


def test_voices_list_the_builtin_voice_without_loading_weights():
    eng = create()
    (voice,) = eng.voices()
    assert voice.id == "baker" and voice.sample_rate == SAMPLE_RATE and voice.language == "zh-CN"
    assert {"neutral", "happy", "sad", "angry", "surprised", "fearful", "gentle"} <= set(
        voice.emotions
    )
    assert eng._acoustic is None  # listing voices must stay cheap for the web process


def test_a_sentence_becomes_speech_of_plausible_length(engine):
    audio = engine.synthesize(SynthesisRequest(text=SENTENCE))
    assert audio.sample_rate == SAMPLE_RATE and audio.samples.dtype == np.float32
    # 16 syllables at a normal pace: roughly 3 to 5 seconds, most of it voiced speech.
    assert 2.5 < audio.duration < 6.0
    assert speech_seconds(audio.samples, SAMPLE_RATE) > 0.6 * audio.duration
    assert np.abs(audio.samples).max() <= 1.0 and np.abs(audio.samples).max() > 0.1


def test_synthesis_is_deterministic(engine):
    request = SynthesisRequest(text=SENTENCE, emotion="happy")
    first, second = engine.synthesize(request), engine.synthesize(request)
    np.testing.assert_array_equal(first.samples, second.samples)


def test_pages_released_after_load_come_back_unchanged(engine):
    """Loading ends by unmapping the file pages only loading used (memory.release_file_pages);
    whatever synthesis touches again is read back from the page cache, so the audio is the
    same before and after a release."""
    from synthesis import memory

    request = SynthesisRequest(text=SENTENCE)
    before = engine.synthesize(request)
    assert memory.release_file_pages() > 0  # the runtimes' libraries are mapped files
    after = engine.synthesize(request)
    np.testing.assert_array_equal(before.samples, after.samples)


def test_loading_releases_its_file_pages_after_the_warm_up(monkeypatch):
    from synthesis import memory

    calls = []
    monkeypatch.setattr(memory, "release_file_pages", lambda: calls.append(time.time()) or 0)
    eng = create(threads=2)
    eng.load()
    assert len(calls) == 1  # when load returns
    warming = getattr(eng._vocoder, "warming", None)
    if warming is not None:  # the vocoder compiles its other shapes in the background
        warming.join()
        deadline = time.time() + 10
        while len(calls) < 2 and time.time() < deadline:
            time.sleep(0.01)
        assert len(calls) == 2  # and once more after that


def test_stream_equals_whole_synthesis_and_covers_the_text(engine):
    text = "第一句话比较短。第二句话稍微长一点，中间还有一个逗号！第三句呢？"
    request = SynthesisRequest(text=text)
    chunks = list(engine.stream(request))
    whole = engine.synthesize(request)
    streamed = np.concatenate([c.samples for c in chunks])
    # synthesize() vocodes the first pass without the early first chunk.
    _assert_equal_but_for_seams(engine, streamed, whole.samples)
    assert chunks[0].index == 0 and chunks[-1].index == chunks[-1].total - 1
    assert [c.index for c in chunks] == sorted(c.index for c in chunks)
    spoken = "".join(text[c.text_start : c.text_end] for c in chunks if c.last_of_clause)
    assert spoken.replace(" ", "") == text


def test_first_stream_chunk_is_short(engine):
    first = next(engine.stream(SynthesisRequest(text=SENTENCE * 3)))
    assert len(first.samples) <= engine.config.first_chunk_frames * 300 + 1


def _in_turn(engine):
    """The same loaded engine with the pipeline off (passes computed one after another)."""
    twin = copy.copy(engine)
    twin.config = dataclasses.replace(engine.config, pipeline=False)
    return twin


LONG_TEXT = "春天来了，" + "小河边的柳树发芽了，燕子从南方飞回来了。" * 20


def test_the_first_chunk_comes_before_the_rest_of_the_text_is_analysed(engine, monkeypatch):
    from synthesis.tts.frontend import segment

    seen = []
    real = segment.segment
    monkeypatch.setattr(segment, "segment", lambda text: seen.append(text) or real(text))
    stream = _in_turn(engine).stream(SynthesisRequest(text=LONG_TEXT))
    first = next(stream)
    assert first.index == 0 and not first.last_of_clause
    assert len(seen) <= 2, "only the first clauses are segmented before the first audio"
    rest = list(stream)
    assert len(seen) == 41  # then every clause, once
    assert first.total == 0 and {c.total for c in rest} == {rest[-1].index + 1}


def test_the_pipeline_analyses_the_rest_while_the_first_pass_is_spoken(engine, monkeypatch):
    """With the pipeline on, the rest of the text is analysed on a thread: a slow frontend
    (10 ms a clause here, 400 ms in all) does not hold back the first audio."""
    from synthesis.tts.frontend import segment

    seen = []
    real = segment.segment

    def slow(text):
        if len(seen) >= 2:
            time.sleep(0.01)
        seen.append(text)
        return real(text)

    monkeypatch.setattr(segment, "segment", slow)
    assert engine.config.pipeline
    stream = engine.stream(SynthesisRequest(text=LONG_TEXT))
    first = next(stream)
    assert first.index == 0 and first.total == 0
    assert len(seen) < 41, "the first audio came before the whole text was analysed"
    rest = list(stream)
    assert len(seen) == 41
    assert {c.total for c in rest} == {rest[-1].index + 1}


def test_the_pipeline_gives_the_same_audio_as_passes_in_turn(engine):
    request = SynthesisRequest(text=LONG_TEXT[:120], emotion="happy")
    piped = list(engine.stream(request))
    in_turn = list(_in_turn(engine).stream(request))
    assert [(c.index, c.total, c.last_of_clause) for c in piped] == [
        (c.index, c.total, c.last_of_clause) for c in in_turn
    ]
    for a, b in zip(piped, in_turn, strict=True):
        np.testing.assert_array_equal(a.samples, b.samples)


def test_an_abandoned_stream_stops_its_pipeline(engine):
    import threading

    stream = engine.stream(SynthesisRequest(text=LONG_TEXT))
    next(stream)
    stream.close()
    deadline = time.monotonic() + 10
    while any(t.name == "tts-mels" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the producer thread kept running"
        time.sleep(0.01)


def test_long_text_has_no_length_limit_and_no_oversized_pass(engine):
    text = "这是一个用来测试长文本的句子，它会被重复很多次" * 40 + "。"
    passes = engine.frontend().analyze(text)
    assert len(passes) > 10
    for p in passes:
        # A pass of n syllables takes roughly 20 frames a syllable; stay far under the limit.
        assert len(p.pinyin) * 25 < MAX_FRAMES


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("text", "", "empty"),
        ("text", "   ", "empty"),
        ("emotion", "bored", "unknown emotion"),
        ("voice", "nobody", "unknown voice"),
        ("speed", 3.0, "speed"),
        ("speed", 0.1, "speed"),
        ("pitch", 13.0, "pitch"),
        ("volume", 40.0, "volume"),
        ("intensity", 2.5, "intensity"),
        ("sample_rate", 12345, "sample rate"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(field, value, message):
    kwargs = {"text": SENTENCE, field: value}
    with pytest.raises(InvalidRequest, match=message):
        create().validate(SynthesisRequest(**kwargs))


def test_text_with_nothing_to_speak_is_refused(engine):
    with pytest.raises(InvalidRequest, match="nothing to speak"):
        engine.synthesize(SynthesisRequest(text="🙂🙂 ~~~ ……"))


def test_volume_control_changes_loudness_and_never_clips(engine):
    quiet = engine.synthesize(SynthesisRequest(text=SENTENCE, volume=-12))
    loud = engine.synthesize(SynthesisRequest(text=SENTENCE, volume=12))
    rms = lambda a: float(np.sqrt(np.mean(a.samples**2)))  # noqa: E731
    assert rms(loud) > 3 * rms(quiet)
    assert np.abs(loud.samples).max() <= 1.0


def test_a_failure_on_the_pipeline_thread_reaches_the_caller(engine, monkeypatch):
    """An error while making a later pass's mel (on the producer thread) is raised by the
    stream, after the audio made before it, so the job fails with its reason."""
    real = type(engine)._mel
    calls = []

    def failing(self, ids, prosody):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("2557 frames in one pass")
        return real(self, ids, prosody)

    monkeypatch.setattr(type(engine), "_mel", failing)
    stream = engine.stream(SynthesisRequest(text=LONG_TEXT))
    got = []
    with pytest.raises(ValueError, match="2557 frames"):
        for chunk in stream:
            got.append(chunk)
    assert got and {c.index for c in got} == {0}


def test_without_low_latency_the_first_pass_is_not_split_and_sounds_the_same(engine, monkeypatch):
    """A job wants the whole file: the first pass is vocoded without its early first chunk
    (one vocoder call fewer), and the audio equals the low-latency stream's within the seam
    tolerance of chunked vocoding."""
    request = SynthesisRequest(text=SENTENCE)
    vocode = engine._vocode_span
    calls = []
    monkeypatch.setattr(engine, "_vocode_span", lambda *a: calls.append(a[1:]) or vocode(*a))
    early = list(engine.stream(request))
    early_calls, calls[:] = list(calls), []
    whole = list(engine.stream(request, low_latency=False))
    assert len(calls) == len(early_calls) - 1 and len(whole) == len(early) - 1
    assert early_calls[0] == (0, engine.config.first_chunk_frames)
    a = np.concatenate([c.samples for c in early])
    b = np.concatenate([c.samples for c in whole])
    _assert_equal_but_for_seams(engine, a, b)
    assert [c.text_end for c in whole if c.last_of_clause] == [
        c.text_end for c in early if c.last_of_clause
    ]


def _assert_equal_but_for_seams(engine, a: np.ndarray, b: np.ndarray) -> None:
    """Vocoded in other pieces, with enough context either side: equal up to the networks'
    own rounding. In float32 that is float noise (measured 4e-7 max abs); in bf16 (OpenVINO
    on bf16 CPUs) another call shape rounds differently inside the first frames (measured max
    3e-3 there, 62 dB signal-to-difference over the text, on a Zen 4)."""
    assert len(a) == len(b)
    if engine.backend == "bf16-openvino":
        snr = 10 * np.log10(np.sum(a.astype(np.float64) ** 2) / max(np.sum((a - b) ** 2), 1e-30))
        assert snr > 50, f"{snr:.1f} dB"
        assert np.max(np.abs(a - b)) < 1e-2
    else:
        assert np.max(np.abs(a - b)) < 1e-3
