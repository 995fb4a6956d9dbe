"""Export the built-in voice to ONNX (fp32), then quantize the convolutions to static int8.

    python -m synthesis.tts.runtime.export [--force] [--dir DIR]

Runs once per install (scripts/install.sh) or on the first engine load with an empty cache
(`onnx_backend.ensure_graphs()` runs this module in a subprocess, so the serving process never
imports torch). Output: `cache.graph_dir()`, written to a temporary folder and renamed into
place, so concurrent workers never see half an export.

Graphs (batch 1; the engine runs one pass at a time):
  encoder   ids [1, T] -> h [1, T, 256], log_dur [1, T], f0 [1, T], energy [1, T]
            embedding + encoder + the three variance predictors, before any prosody control.
            The controls (speed, f0 ratio/shift, energy ratio) and the duration rounding are
            a few numpy ops in `onnx_backend`, written exactly like the torch port.
  decoder   h, f0, energy [1, T], index [F] -> mel_before, mel [1, F, 80]
            f0/energy embeddings, length regulation as a gather (index = repeat(arange(T), dur)),
            positions, decoder, mel dense, postnet.
  vocoder   mel [1, F, 80] -> wav [1, F * 300], PQMF included.
Export-time rewrites that keep the numbers (max abs diff ~1e-6) and speed up ONNX Runtime:
Mish as one exp (ORT's Softplus was 15 % of the decoder), transposed convolutions and PQMF as
polyphase ordinary convolutions (ORT's ConvTranspose is slow and has no good int8 kernel).
int8: QDQ, per-channel int8 weights (7-bit range, see `quantize`) and uint8 activations on
selected convolutions only
(see DECODER_INT8_KEEP_FP32), MinMax-calibrated on real inputs of texts that are not the
benchmark paragraph.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import cache

log = logging.getLogger(__name__)

OPSET = 18

# Calibration texts: varied sentence types, numbers, questions; NOT the benchmark paragraph.
CALIBRATION_TEXTS = (
    "今天天气真好，我们一起去公园散步吧！",
    "请问去火车站应该坐几路公交车？大概需要多长时间？",
    "会议定于二零二六年三月十五日上午九点在三楼会议室召开，请各部门负责人准时参加。",
    "他小心翼翼地打开那个旧木箱，里面装满了泛黄的信件和几张模糊的老照片。",
    "哇，这也太厉害了吧！你是怎么做到的？",
    "根据气象台预报，明天夜间到后天白天，本市将有中到大雨，局部地区有暴雨。",
    "孩子们唱着歌，跳着舞，笑声传遍了整个山谷。",
    "对不起，我刚才没听清楚，您能再说一遍吗？",
)
# What gets int8 (static QDQ, MinMax, per-channel weights), chosen by measurement
# (bench/README.md): the decoder's FFN convolutions and most of the vocoder do not survive
# per-tensor uint8 activations (mel error 4-7 %, vocoder log-spectral distance 3.9 dB, worse
# than the shipped model's own int8 rounding), so the default int8 decoder quantizes the
# postnet only, and the int8 vocoder (all convolutions but the first, the last and PQMF) is
# an experimental option (`onnx:int8/int8`), not the default. The decoder graph's FFN is
# MatMuls (WinogradFeedForward), which `quantize` does not touch.
DECODER_INT8_KEEP_FP32 = ("/f0_embedding/conv/Conv", "/energy_embedding/conv/Conv")
# The OpenVINO postnet (bf16 CPUs): only the three 512 -> 512 convolutions in int8, where 90 %
# of its time is; the 80-channel ends stay bf16 (bench/README.md, "The fourth session").
POSTNET_INT8_KEEP_FP32 = ("/postnet/convs.0/Conv", "/postnet/convs.4/Conv")
VOCODER_INT8_KEEP_FP32 = ("/input_conv/Conv", "/output_conv/Conv", "/pqmf/conv/conv/Conv")

# (speed, f0 ratio, f0 shift, energy ratio): the neutral voice and the corners styles reach.
CALIBRATION_CONTROLS = ((1.0, 1.0, 0.0, 1.0), (0.8, 1.3, 0.8, 1.2), (1.25, 0.7, -0.8, 0.8))


# --- export-time rewrites (same numbers, faster graphs) ----------------------------------------


def mish(x):
    """x·tanh(softplus(x)) with one exp: tanh(log(1+e)) = n / (n + 2), n = e·(e + 2).

    ONNX Runtime runs the exported Softplus as a scalar log1p(exp) loop: 15 % of the decoder.
    The exp argument is capped at 20, where n / (n + 2) is 1 in float32 already.
    """
    import torch

    e = torch.exp(torch.clamp(x, max=20.0))
    n = e * (e + 2.0)
    return x * (n / (n + 2.0))


def polyphase_weight(weight, stride: int):
    """ConvTranspose1d weight [in, out, K] -> Conv1d weight [stride·out, in, L], L = ceil(K/s).

    y[m·s + r] = sum_j W[:, :, j·s + r]ᵀ x[m - j]: one ordinary convolution (padding L - 1
    both sides) whose output channel r·out + o is phase r of channel o; interleaving the phases
    gives the full transposed convolution, length (T + L - 1)·s. ONNX Runtime's ConvTranspose
    (col2im) is 4x slower per FLOP than its Conv and has no int8 kernel worth having.
    """
    import torch

    cin, cout, k = weight.shape
    taps = -(-k // stride)
    w = torch.zeros(cin, cout, taps * stride, dtype=weight.dtype)
    w[:, :, :k] = weight
    # w[c, o, j·s + r] -> wc[r, o, c, L-1-j]
    w = w.view(cin, cout, taps, stride).permute(3, 1, 0, 2).flip(-1)
    return w.reshape(stride * cout, cin, taps).contiguous(), taps


def _rewrites():
    import torch
    import torch.nn.functional as F
    from torch import nn

    class PolyphaseTransposedConv(nn.Module):
        """Full (uncropped) ConvTranspose1d output as Conv1d + interleave."""

        def __init__(self, weight, bias, stride: int, channels_last: bool = False):
            super().__init__()
            w, taps = polyphase_weight(weight, stride)
            self.stride, self.taps, self.cout = stride, taps, weight.shape[1]
            self.channels_last = channels_last
            self.conv = nn.Conv1d(weight.shape[0], w.shape[0], taps, padding=taps - 1)
            with torch.no_grad():
                self.conv.weight.copy_(w)
                if bias is None:
                    self.conv.bias.zero_()
                else:
                    self.conv.bias.copy_(bias.repeat(stride))

        def forward(self, x):
            y = self.conv(x)  # [B, s·out, T + L - 1]
            b, _, t = y.shape
            if self.channels_last:
                # The same interleave, written for a runtime that keeps activations
                # channels-last (OpenVINO): [B, T', s·out] -> [B, T'·s, out] is then free.
                y = y.transpose(1, 2).reshape(b, t * self.stride, self.cout)
                return y.transpose(1, 2)
            y = y.view(b, self.stride, self.cout, t).permute(0, 2, 3, 1)
            return y.reshape(b, self.cout, t * self.stride)

    class FastUpsample(nn.Module):
        def __init__(self, up, channels_last: bool = False):
            super().__init__()
            self.scale, self.negative_slope = up.scale, up.negative_slope
            self.conv = PolyphaseTransposedConv(
                up.conv.weight, up.conv.bias, up.scale, channels_last=channels_last
            )

        def forward(self, x):
            n = x.shape[-1] * self.scale
            y = self.conv(F.leaky_relu(x, self.negative_slope))
            left = self.scale // 2
            return y[..., left : left + n]

    class FastPQMF(nn.Module):
        def __init__(self, pqmf):
            super().__init__()
            self.pad = pqmf.taps // 2
            self.conv = PolyphaseTransposedConv(pqmf.weight, None, pqmf.bands)
            self.bands = pqmf.bands

        def forward(self, x):
            n = x.shape[-1] * self.bands
            y = self.conv(x)
            return y[:, 0, self.pad : self.pad + n]

    class FastFeedForward(nn.Module):
        activation = staticmethod(mish)  # one exp

        def __init__(self, ffn):
            super().__init__()
            self.conv1, self.conv2 = ffn.conv1, ffn.conv2

        def forward(self, x, mask=None):
            y = self.activation(self.conv1(x.transpose(1, 2)))
            if mask is not None:
                y = y * mask.transpose(1, 2)
            return self.conv2(y).transpose(1, 2)

    class MishFeedForward(FastFeedForward):
        """FastFeedForward with Mish as the exporter writes it (x · tanh(softplus(x))): for
        OpenVINO, which recognises that pattern and computes it inside the first convolution
        (a post-op), where the one-exp form (`mish`) stays five element-wise passes over the
        1024-channel activations: the masked decoder at 768 frames 11.1 -> 10.2 ms in bf16
        on a Xeon with AMX (bench/README.md, "The seventh session"). ONNX Runtime runs the
        Softplus as a scalar loop, so its graphs keep `mish`."""

        activation = staticmethod(F.mish)

    class WinogradFeedForward(nn.Module):
        """FastFeedForward with both kernel-3 convolutions as Winograd F(4, 3) (`winograd_weight`):
        4 outputs from 6 products instead of 12, as 6 matrix products per convolution. Between
        the two convolutions the 1024-channel activations stay in phase-major order
        ([4, n, C]: frame 4·i + r at [r, i]), from which the second convolution's input tiles
        are slices; only its 256-channel output is put back in frame order. Batch 1 and no
        mask (the ONNX Runtime decoder graph). Equal to the direct convolutions within float
        rounding (relative 1.5e-6); one FFN in ONNX Runtime on a Zen 3, 2 threads: 3.2 -> 2.9 ms
        at 75 frames, 12.6 -> 8.6 ms at 420, 21.9 -> 14.3 ms at 740 (bench/README.md, "The
        fifth session")."""

        def __init__(self, ffn):
            super().__init__()
            bt, at = _WINOGRAD_F43["BT"], _WINOGRAD_F43["AT"]
            self.register_buffer("bt", torch.tensor(bt, dtype=torch.float32))
            self.register_buffer("at", torch.tensor(at, dtype=torch.float32))
            # Six 2-D weights per convolution rather than one [6, Cin, Cout]: ONNX Runtime
            # pre-packs a MatMul's constant 2-D weight once, but packs a batched one on every
            # call (at 75 frames that made it slower than the direct convolution).
            for name, conv in (("u1", ffn.conv1), ("u2", ffn.conv2)):
                for j, u in enumerate(winograd_weight(conv.weight)):
                    self.register_buffer(f"{name}_{j}", u.clone())
            self.register_buffer("b1", ffn.conv1.bias.detach().clone())
            self.register_buffer("b2", ffn.conv2.bias.detach().clone())

        def forward(self, x, mask=None):  # x [1, T, C] -> [1, T, C]
            if mask is not None:
                raise ValueError("WinogradFeedForward runs unmasked frames only")
            t, c = x.shape[1], x.shape[2]
            n = (t + 3) // 4
            xp = F.pad(x[0], (0, 0, 1, 4 * n + 3 - t))  # [4n + 4, C]: 'same' padding
            # Tile i is input rows 4i .. 4i + 5: four from one reshape, two from another.
            head = xp[: 4 * n].reshape(n, 4, c).transpose(0, 1)
            tail = xp[4 : 4 * n + 4].reshape(n, 4, c)[:, :2].transpose(0, 1)
            y = self._products(torch.cat([head, tail], 0), "u1") + self.b1  # [4, n, O]
            y = mish(y)
            # Frames past T are the second convolution's zero padding.
            frame = torch.arange(4 * n, device=y.device).reshape(n, 4).t()
            y = y * (frame < t).to(y.dtype).unsqueeze(-1)
            zero = torch.zeros(1, 1, y.shape[2], dtype=y.dtype)
            before = torch.cat([zero, y[3:4]], 1)[:, :n]  # frame 4i - 1
            after = torch.cat([y[0:1], zero], 1)[:, 1:]  # frame 4i + 4
            z = self._products(torch.cat([before, y, after], 0), "u2")  # [4, n, C]
            z = z.transpose(0, 1).reshape(1, 4 * n, c)
            return z[:, :t] + self.b2

        def _products(self, tiles, weight: str):
            """tiles [6, n, Cin] (row k of every tile) -> [4, n, Cout]."""
            six, n, cin = tiles.shape
            v = (self.bt @ tiles.reshape(six, n * cin)).reshape(six, n, cin)
            m = torch.stack([v[j] @ getattr(self, f"{weight}_{j}") for j in range(six)])
            return (self.at @ m.reshape(six, -1)).reshape(4, n, m.shape[2])

    return FastUpsample, FastPQMF, FastFeedForward, WinogradFeedForward, MishFeedForward


# Winograd F(4, 3) (Lavin & Gray, 2016), points 0, ±1, ±2, ∞: for a 3-tap correlation g over
# 6 inputs d, the 4 outputs are AT · ((G · g) ⊙ (BT · d)).
_WINOGRAD_F43 = {
    "BT": [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ],
    "G": [
        [1 / 4, 0, 0],
        [-1 / 6, -1 / 6, -1 / 6],
        [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6],
        [1 / 24, -1 / 12, 1 / 6],
        [0, 0, 1],
    ],
    "AT": [
        [1, 1, 1, 1, 1, 0],
        [0, 1, -1, 2, -2, 0],
        [0, 1, 1, 4, 4, 0],
        [0, 1, -1, 8, -8, 1],
    ],
}


def winograd_weight(weight):
    """Conv1d weight [Cout, Cin, 3] -> the transformed kernels U [6, Cin, Cout] (in float64,
    then rounded once)."""
    import torch

    g = torch.tensor(_WINOGRAD_F43["G"], dtype=torch.float64)
    return torch.einsum("jk,ock->jco", g, weight.detach().double()).float().contiguous()


def fast_vocoder(vocoder, *, channels_last: bool = False):
    """A copy of the vocoder with the transposed convolutions (and PQMF) as polyphase convs."""
    import copy

    from ..models.mb_melgan import Upsample

    FastUpsample, FastPQMF, *_ = _rewrites()
    v = copy.deepcopy(vocoder)
    for i, block in enumerate(v.blocks):
        if isinstance(block, Upsample):
            v.blocks[i] = FastUpsample(block, channels_last=channels_last)
    v.pqmf = FastPQMF(v.pqmf)
    return v.eval()


def folded_tail(output_conv, pqmf, fold: int):
    """The vocoder's last layers (output convolution, tanh, PQMF synthesis) computed `fold`
    sub-band samples at a time, as two convolutions with `fold` times the channels.

    The output convolution has 4 output channels and PQMF's polyphase convolution 4 in and 4
    out: too narrow for a CPU's vector registers (OpenVINO f32 on a Zen 3: 5.0 of 88 ms for a
    384-frame call, at 7 – 25 GFLOP/s against ≈ 100 elsewhere). Folded, the same sums run
    on 4·fold channels: a few more multiplications (zeros in the kernels), far fewer cycles.
    - output conv, folded: y'[q·4 + o, u] = y[o, u·fold + q]: a convolution of stride `fold`
      whose kernel q is the original shifted by q taps;
    - PQMF on y', folded the same way:
      wav[u·4·fold + j] = Σ_(q, b, a) y'[q·4 + b, u + a] · h[b, j + pad − 4·q − 4·fold·a];
    - the interleave of its output is then a plain channels-last reshape.
    Exact up to float rounding when the sub-band length is a multiple of `fold` (OvVocoder
    calls are multiples of 64 frames, 4800 samples per band)."""
    import math

    import torch
    from torch import nn

    k = output_conv.kernel_size[0]
    cin, cout = output_conv.in_channels, output_conv.out_channels
    w1 = torch.zeros(fold * cout, cin, k + fold - 1)
    for q in range(fold):
        w1[q * cout : (q + 1) * cout, :, q : q + k] = output_conv.weight.detach()
    conv1 = nn.Conv1d(cin, fold * cout, k + fold - 1, stride=fold, padding=k // 2)
    with torch.no_grad():
        conv1.weight.copy_(w1)
        conv1.bias.copy_(output_conv.bias.detach().repeat(fold))

    h = pqmf.weight.detach()[:, 0]  # [bands, taps + 1], as conv_transpose1d uses it
    bands, taps, pad = pqmf.bands, pqmf.taps, pqmf.taps // 2
    width = bands * fold
    reach = math.ceil((taps + width) / width)  # |a| bound for a nonzero tap
    w2 = torch.zeros(width, width, 2 * reach + 1)
    for j in range(width):
        for q in range(fold):
            for b in range(bands):
                for a in range(-reach, reach + 1):
                    i = j + pad - bands * q - width * a
                    if 0 <= i <= taps:
                        w2[j, q * bands + b, a + reach] = h[b, i]
    used = w2.abs().sum(dim=(0, 1)).nonzero().flatten()
    side = int(max(reach - used.min(), used.max() - reach))  # trim all-zero outer taps
    w2 = w2[:, :, reach - side : reach + side + 1]
    conv2 = nn.Conv1d(width, width, 2 * side + 1, padding=side, bias=False)
    with torch.no_grad():
        conv2.weight.copy_(w2)

    class FoldedTail(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = conv1, conv2

        def forward(self, x):  # [B, cin, T] (after the LeakyReLU) -> wav [B, 4·T]
            y = self.conv2(torch.tanh(self.conv1(x)))  # [B, 4·fold, T / fold]
            return y.transpose(1, 2).reshape(y.shape[0], -1)

    return FoldedTail()


def openvino_vocoder(vocoder, *, fold: int = 4, channels_last: bool = True):
    """The vocoder graphs OpenVINO runs: fast_vocoder, zero padding inside the convolutions
    instead of reflect padding, and each residual stack's two biases as one.
    `channels_last`: how the polyphase upsamplers interleave their phases. OpenVINO lays out
    the two forms differently, and each wins in one kind of graph (f32 on a Zen 3, 384-frame
    calls, bench/README.md, "The eighth session"):
    - `vocoder.ov.onnx` (channels-last) for the fixed-shape graphs;
    - `vocoder.ov.free.onnx` (channels-first) for the free-length graph, where the
      channels-last form leaves 8 transposes in the compiled graph instead of 5.

    A reflect pad is a separate layer in OpenVINO, in plain layout, with a reorder on each side
    of it: 19 % of the vocoder's time on a Zen 4 (bench/README.md, "The fourth session").
    Zero padding is part of the convolution. The two differ only within a call's edges:
    - inside a pass, a piece's edges are context that is cut away (runtime/spans.py);
    - at a pass's end, the runtime pads with ≥ 24 repeated frames (`OvVocoder.min_pad`);
    - only at a pass's start do the first samples differ from the reference (measured on the
      reference paragraph: ≤ 2.2e-3 absolute, all in the first frame, which is silence).
    The graphs ONNX Runtime runs keep reflect padding, so fp32-onnx stays exact.
    The last layers run `fold` sub-band samples at a time (`folded_tail`; 0: as written).
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    from ..models.mb_melgan import ResidualStack

    def padded_conv(conv, padding: int):
        out = nn.Conv1d(
            conv.in_channels,
            conv.out_channels,
            conv.kernel_size[0],
            dilation=conv.dilation[0],
            padding=padding,
        )
        out.load_state_dict(conv.state_dict())
        return out

    class ZeroPadStack(nn.Module):
        """A residual stack with zero padding, and the pointwise convolution's bias added
        to the shortcut's: shortcut(x) + pointwise(y) computes the same sum with one bias
        add fewer. OpenVINO's free-length graph left each bias add as a pass of its own
        over the activations (18 in all, 6 % of a call); the fixed-shape graph fuses more
        element-wise work once they are gone."""

        def __init__(self, stack):
            super().__init__()
            self.negative_slope = stack.negative_slope
            self.dilated = padded_conv(stack.dilated, stack.pad)
            pw, sc = stack.pointwise, stack.shortcut
            self.pointwise = nn.Conv1d(pw.in_channels, pw.out_channels, 1, bias=False)
            self.shortcut = nn.Conv1d(sc.in_channels, sc.out_channels, 1)
            with torch.no_grad():
                self.pointwise.weight.copy_(pw.weight)
                self.shortcut.weight.copy_(sc.weight)
                self.shortcut.bias.copy_(sc.bias + pw.bias)

        def forward(self, x):
            y = self.dilated(F.leaky_relu(x, self.negative_slope))
            y = self.pointwise(F.leaky_relu(y, self.negative_slope))
            return self.shortcut(x) + y

    class Graph(nn.Module):
        def __init__(self, v):
            super().__init__()
            k = v.cfg.kernel // 2
            self.negative_slope = v.cfg.negative_slope
            self.input_conv = padded_conv(v.input_conv, k)
            self.blocks = nn.Sequential(
                *(ZeroPadStack(b) if isinstance(b, ResidualStack) else b for b in v.blocks)
            )
            if fold:
                self.tail = folded_tail(v.output_conv, vocoder.pqmf, fold)
            else:
                output_conv, pqmf = padded_conv(v.output_conv, k), v.pqmf
                self.tail = nn.Sequential(output_conv, nn.Tanh(), pqmf)

        def forward(self, mel):
            x = F.leaky_relu(self.blocks(self.input_conv(mel.transpose(1, 2))), self.negative_slope)
            return self.tail(x).clamp(-1.0, 1.0)

    graph = Graph(fast_vocoder(vocoder, channels_last=channels_last)).eval()
    for p in graph.parameters():
        p.requires_grad_(False)
    return graph


def fast_acoustic(acoustic, *, winograd: bool = False, openvino: bool = False):
    """A copy of FastSpeech2 with Mish as one exp (decoder and encoder FFNs); `winograd`: the
    decoder's FFN convolutions as Winograd F(4, 3) (for the unmasked ONNX Runtime decoder);
    `openvino`: the decoder's Mish as OpenVINO fuses it (`MishFeedForward`)."""
    import copy

    _, _, FastFeedForward, WinogradFeedForward, MishFeedForward = _rewrites()
    a = copy.deepcopy(acoustic)
    for stack in (a.encoder, a.decoder):
        for layer in stack.layers:
            if winograd and stack is a.decoder:
                layer.ffn = WinogradFeedForward(layer.ffn)
            elif openvino and stack is a.decoder:
                layer.ffn = MishFeedForward(layer.ffn)
            else:
                layer.ffn = FastFeedForward(layer.ffn)
    return a.eval()


# --- graph wrappers ---------------------------------------------------------------------------


def _wrappers():
    import torch
    from torch import nn

    class EncoderGraph(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, ids):
            m = self.m
            t = ids.shape[1]
            h = m.embedding(ids) + m.positions[1 : t + 1]
            h = m.encoder(h, None)
            va = m.variance_adaptor
            log_dur = va.duration_predictor(h, None)
            f0 = va.f0_predictor(h, None)
            energy = va.energy_predictor(h, None)
            return h, log_dur, f0, energy

    class DecoderGraph(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, h, f0, energy, index):
            m = self.m
            va = m.variance_adaptor
            h = h + (va.f0_embedding(f0) + va.energy_embedding(energy))
            frames = torch.index_select(h, 1, index)
            n = index.shape[0]
            x = m.decoder(frames + m.positions[1 : n + 1].unsqueeze(0), None)
            mel_before = m.mel_dense(x)
            return mel_before, mel_before + m.postnet(mel_before, None)

    class AdaptGraph(nn.Module):
        """DecoderGraph's token-rate part: pitch and energy embeddings, then one row per frame."""

        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, h, f0, energy, index):
            va = self.m.variance_adaptor
            h = h + (va.f0_embedding(f0) + va.energy_embedding(energy))
            return torch.index_select(h, 1, index)

    class MaskedDecoderGraph(nn.Module):
        """DecoderGraph's frame-rate part up to mel_before, on padded frames: `valid` is 1 for
        real frames, 0 for padding, which is masked out of attention and zeroed before every
        convolution, so the real frames come out as if there were no padding
        (FastSpeech2.decode). The postnet is its own graph (MaskedPostnetGraph): OpenVINO runs
        it in int8, which it cannot do inside this graph (bench/README.md, "The fourth
        session")."""

        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, frames, valid):
            m = self.m
            n = frames.shape[1]
            x = m.decoder(frames + m.positions[1 : n + 1].unsqueeze(0), valid > 0.5)
            return m.mel_dense(x)

    class MaskedPostnetGraph(nn.Module):
        """mel_before, valid -> mel = mel_before + postnet(mel_before), padding masked."""

        def __init__(self, m):
            super().__init__()
            self.postnet = m.postnet

        def forward(self, mel_before, valid):
            return mel_before + self.postnet(mel_before, valid.unsqueeze(-1))

    return EncoderGraph, DecoderGraph, AdaptGraph, MaskedDecoderGraph, MaskedPostnetGraph


def _export(module, args, path: Path, input_names, output_names, dynamic_axes) -> None:
    import warnings

    import torch

    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy-exporter deprecation, constant-folding notes
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            dynamo=False,
        )


# --- calibration data -------------------------------------------------------------------------


def calibration_inputs(acoustic) -> tuple[list[dict], list[dict]]:
    """Real decoder inputs and real mels (fp32 torch) for the texts and controls above: the
    second list holds each pass's `mel` and `mel_before` (the postnet's input)."""
    import torch

    from ..assets import mapper_path
    from ..frontend import Frontend

    frontend = Frontend(json.loads(mapper_path().read_text(encoding="utf-8")))
    dec, voc = [], []
    with torch.inference_mode():
        for i, text in enumerate(CALIBRATION_TEXTS):
            speed, f0r, f0s, enr = CALIBRATION_CONTROLS[i % len(CALIBRATION_CONTROLS)]
            for p in frontend.analyze(text):
                ids = torch.tensor([frontend.ids(p)], dtype=torch.long)
                out = acoustic(ids, speed_ratio=speed, f0_ratio=f0r, f0_shift=f0s, energy_ratio=enr)
                index = np.repeat(np.arange(ids.shape[1]), out.durations[0].numpy())
                # The encoder's h, before the f0/energy embeddings are added (the graph input).
                t = ids.shape[1]
                h = acoustic.encoder(acoustic.embedding(ids) + acoustic.positions[1 : t + 1], None)
                dec.append(
                    {
                        "h": h.numpy(),
                        "f0": out.f0.numpy(),
                        "energy": out.energy.numpy(),
                        "index": index.astype(np.int64),
                    }
                )
                voc.append({"mel": out.mel.numpy(), "mel_before": out.mel_before.numpy()})
    return dec, voc


class _Reader:
    """onnxruntime.quantization CalibrationDataReader over a list of feeds."""

    def __init__(self, feeds: list[dict]):
        self._it = iter(feeds)

    def get_next(self):
        return next(self._it, None)

    def rewind(self):  # newer ORT versions may call this
        pass


def _flatten_histogram_batches() -> None:
    """ORT's histogram calibrators stack all batches with np.asarray, which fails when the
    passes differ in length (ours always do). Flatten each tensor's batches into one vector."""
    from onnxruntime.quantization import calibrate

    collector = calibrate.HistogramCollector
    if getattr(collector, "_flattened", False):
        return
    original = collector.collect

    def collect(self, name_to_arr):
        flat = {
            k: [np.concatenate([np.asarray(a, dtype=np.float32).ravel() for a in v])]
            for k, v in name_to_arr.items()
        }
        return original(self, flat)

    collector.collect = collect
    collector._flattened = True


def quantize(
    src: Path,
    dst: Path,
    feeds: list[dict],
    *,
    op_types=("Conv", "ConvTranspose"),
    exclude=(),
    method: str = "MinMax",
    extra: dict | None = None,
    reduce_range: bool = True,
) -> None:
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    _flatten_histogram_batches()
    pre = dst.with_suffix(".pre.onnx")
    quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
    quantize_static(
        str(pre),
        str(dst),
        _Reader(feeds),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=list(op_types),
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        # 7-bit weights: on CPUs without VNNI (AVX2 only) ONNX Runtime multiplies uint8 by
        # int8 with VPMADDUBSW, whose int16 pair sums saturate at full-range weights. Measured
        # on the reference paragraph on a Zen 3 (AVX2): mel error 14.9 % at 8 bits, 1.10 % at
        # 7 bits (uint8 weights 0.95 % but no faster than fp32). VNNI CPUs do not saturate.
        reduce_range=reduce_range,
        nodes_to_exclude=list(exclude),
        calibrate_method=getattr(CalibrationMethod, method),
        extra_options={"CalibTensorRangeSymmetric": False, **(extra or {})},
    )
    pre.unlink(missing_ok=True)


# --- the export -------------------------------------------------------------------------------


def export_all(folder: Path | None = None, *, force: bool = False) -> Path:
    import torch

    from ..models.loader import load_acoustic, load_vocoder

    folder = folder or cache.graph_dir()
    if cache.is_complete(folder) and not force:
        return folder
    started = time.perf_counter()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + ".tmp"))
    try:
        acoustic, vocoder = load_acoustic(), load_vocoder()
        fast_ac, fast_voc = fast_acoustic(acoustic), fast_vocoder(vocoder)
        EncoderGraph, DecoderGraph, AdaptGraph, MaskedDecoderGraph, MaskedPostnetGraph = _wrappers()
        ids = torch.randint(1, 200, (1, 40))
        f = cache.FILES
        _export(
            EncoderGraph(fast_ac),
            (ids,),
            tmp / f["encoder"],
            ["ids"],
            ["h", "log_dur", "f0", "energy"],
            {
                "ids": {1: "T"},
                "h": {1: "T"},
                "log_dur": {1: "T"},
                "f0": {1: "T"},
                "energy": {1: "T"},
            },
        )
        h = torch.randn(1, 40, 256)
        _export(
            DecoderGraph(fast_acoustic(acoustic, winograd=True)),
            (h, torch.randn(1, 40), torch.randn(1, 40), torch.arange(40).repeat_interleave(5)),
            tmp / f["decoder-fp32"],
            ["h", "f0", "energy", "index"],
            ["mel_before", "mel"],
            {
                "h": {1: "T"},
                "f0": {1: "T"},
                "energy": {1: "T"},
                "index": {0: "F"},
                "mel_before": {1: "F"},
                "mel": {1: "F"},
            },
        )
        _export(
            AdaptGraph(fast_ac),
            (h, torch.randn(1, 40), torch.randn(1, 40), torch.arange(40).repeat_interleave(5)),
            tmp / f["adapt"],
            ["h", "f0", "energy", "index"],
            ["frames"],
            {
                "h": {1: "T"},
                "f0": {1: "T"},
                "energy": {1: "T"},
                "index": {0: "F"},
                "frames": {1: "F"},
            },
        )
        valid = torch.ones(1, 128)
        valid[:, 100:] = 0
        _export(
            MaskedDecoderGraph(fast_acoustic(acoustic, openvino=True)),
            (torch.randn(1, 128, 256), valid),
            tmp / f["decoder-masked-fp32"],
            ["frames", "valid"],
            ["mel_before"],
            {"frames": {1: "F"}, "valid": {1: "F"}, "mel_before": {1: "F"}},
        )
        _export(
            MaskedPostnetGraph(fast_ac),
            (torch.randn(1, 128, 80), valid),
            tmp / f["postnet-masked-fp32"],
            ["mel_before", "valid"],
            ["mel"],
            {"mel_before": {1: "F"}, "valid": {1: "F"}, "mel": {1: "F"}},
        )
        for graph, name in (
            (fast_voc, "vocoder-fp32"),
            (openvino_vocoder(vocoder), "vocoder-ov"),
            (openvino_vocoder(vocoder, channels_last=False), "vocoder-ov-free"),
        ):
            _export(
                graph,
                (torch.randn(1, 60, 80),),
                tmp / f[name],
                ["mel"],
                ["wav"],
                {"mel": {1: "F"}, "wav": {1: "S"}},
            )
        dec_feeds, voc_feeds = calibration_inputs(acoustic)
        quantize(
            tmp / f["postnet-masked-fp32"],
            tmp / f["postnet-masked-int8"],
            [
                {
                    "mel_before": d["mel_before"],
                    "valid": np.ones(d["mel_before"].shape[:2], np.float32),
                }
                for d in voc_feeds
            ],
            exclude=POSTNET_INT8_KEEP_FP32,
            # Only OpenVINO runs this graph, and only on CPUs with bf16, which all have VNNI:
            # full-range weights do not saturate there.
            reduce_range=False,
            # Ranges from the 99.99th percentile rather than min/max: reference paragraph chain
            # LSD 1.05 -> 0.98 dB, mel error 0.73 -> 0.69 % (99.9 and 99.5: the same within
            # 0.02 dB; bench/README.md, "The fourth session", item 4).
            method="Percentile",
            extra={"CalibPercentile": 99.99},
        )
        quantize(
            tmp / f["decoder-fp32"],
            tmp / f["decoder-int8"],
            dec_feeds,
            exclude=DECODER_INT8_KEEP_FP32,
        )
        quantize(
            tmp / f["vocoder-fp32"],
            tmp / f["vocoder-int8"],
            [{"mel": d["mel"]} for d in voc_feeds],
            exclude=VOCODER_INT8_KEEP_FP32,
        )
        for name in cache.ORT_GRAPHS:
            keep_weights_apart(tmp / f[name])
        info = {
            "export_version": cache.EXPORT_VERSION,
            "seconds": round(time.perf_counter() - started, 1),
            "calibration_passes": len(voc_feeds),
            "python": sys.prefix,  # the installation that made it (_remove_stale)
        }
        (tmp / cache.DONE).write_text(json.dumps(info))
        if folder.exists() and force:
            shutil.rmtree(folder, ignore_errors=True)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process finished first: theirs is as good as ours
            if not cache.is_complete(folder):
                raise
        log.info("exported ONNX graphs to %s in %.1f s", folder, time.perf_counter() - started)
        _remove_stale(folder)
        return folder
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def keep_weights_apart(path: Path) -> None:
    """Move a graph's weights into `<file>.data` beside it (onnx's external data; its large
    tensors at page-aligned offsets).

    ONNX Runtime then memory-maps the weights instead of copying them into each process:
    pages of the page cache that every worker shares, where a copy counted in full per
    process. The encoder: 31 MB of private memory after its first run -> 2 MB private and
    26 MB shared; the fp32 vocoder 17 -> 8 + 8 (bench/README.md, "The sixth session").
    Weights that ONNX Runtime repacks for its kernels (the int8 decoder's) are repacked
    either way."""
    import onnx

    model = onnx.load(str(path))
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=path.name + ".data",
        size_threshold=1024,
    )
    # onnx creates the file private to its owner; a cache shared with the service's user
    # must stay readable like the graph itself.
    os.chmod(path.with_name(path.name + ".data"), path.stat().st_mode & 0o777)


def _remove_stale(current: Path) -> None:
    """Drop the other exports next to the current one that `cache.replaceable` allows (this
    installation's of older code or weights, and those of installations that are gone), and
    unfinished ones. A worker still running on a removed export is not affected (its
    sessions hold or map their files)."""
    import re

    for other in current.parent.glob("onnx-*"):
        if other == current or not other.is_dir():
            continue
        if not re.fullmatch(r"onnx-[0-9a-f]{16}", other.name):
            continue
        try:
            owner = json.loads((other / cache.DONE).read_text()).get("python")
        except (OSError, ValueError, AttributeError):
            owner = None  # incomplete, or older than the field: ours to remove
        if cache.replaceable(owner, sys.prefix):
            shutil.rmtree(other, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="export even if the cache is current")
    parser.add_argument("--dir", type=Path, default=None, help="output folder (default: the cache)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    folder = export_all(args.dir, force=args.force)
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
