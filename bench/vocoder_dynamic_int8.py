"""Would int8 with a scale per time step save the vocoder? A fake-quant simulation in PyTorch.

    .venv/bin/python bench/vocoder_dynamic_int8.py

Static int8 (one activation scale per tensor) puts the vocoder 3.9 dB LSD from fp32 (bench/
README.md). An int8 GEMM can also take one activation scale per column of the im2col matrix,
i.e. per output time step, computed at run time: C[:, n] = s_w * s_x[n] * (W_q X_q[:, n]).
This simulates exactly that (symmetric int8 activations per column, per-channel int8 weights)
on every convolution of the residual stacks and upsamplers, or on one stage of them, and
prints the log-spectral distance to the fp32 vocoder on the paragraph's passes. If it stayed
under the 1.6 dB bound, an ONNX graph of MatMulInteger + per-column scales would be worth
building; it does not.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import PARAGRAPH  # noqa: E402


def fake_quantize(conv, *, wbits: int, per_column: bool) -> None:
    import torch
    import torch.nn.functional as F

    w = conv.weight.detach()
    wmax = 2 ** (wbits - 1) - 1
    sw = w.abs().amax(dim=(1, 2), keepdim=True) / wmax
    wq = (torch.round(w / sw).clamp(-wmax, wmax) * sw).reshape(w.shape[0], -1)
    k, d, p = w.shape[2], conv.dilation[0], conv.padding[0]

    def forward(x):
        cols = F.pad(x, (p, p)).unfold(2, (k - 1) * d + 1, 1)[..., ::d]  # [B, C, T, k]
        cols = cols.permute(0, 2, 1, 3).reshape(x.shape[0], -1, x.shape[1] * k)
        peak = cols.abs().amax(dim=2, keepdim=True) if per_column else cols.abs().amax()
        s = peak.clamp_min(1e-8) / 127
        cols = torch.round(cols / s).clamp(-127, 127) * s
        return (cols @ wq.T).permute(0, 2, 1) + conv.bias.view(1, -1, 1)

    conv.forward = forward


def main() -> int:
    import torch
    from torch import nn

    from synthesis.tts.builtin import create
    from synthesis.tts.models.loader import load_vocoder
    from synthesis.tts.runtime.export import fast_vocoder
    from synthesis.tts.runtime.quality import log_spectral_distance
    from synthesis.tts.types import SynthesisRequest

    torch.set_num_threads(2)
    engine = create(backend="int8-onnx")
    engine.load()
    prosody = engine._prosody(SynthesisRequest(text=PARAGRAPH))
    frontend = engine.frontend()
    mels = [engine._mel(frontend.ids(p), prosody) for p in frontend.analyze(PARAGRAPH)]
    base = fast_vocoder(load_vocoder())
    # blocks: 0 = upsampler 1, 1-4 its stacks, 5 = upsampler 2, 6-9, 10 = upsampler 3, 11-14.
    cases = [
        ("per tensor, all", range(15), 8, False),
        ("per column, all", range(15), 8, True),
        ("per column, all, 7-bit weights", range(15), 7, True),
        ("per column, stage 1", range(0, 5), 8, True),
        ("per column, stage 2", range(5, 10), 8, True),
        ("per column, stage 3", range(10, 15), 8, True),
        ("per column, stages 1 + 2", range(0, 10), 8, True),
    ]
    with torch.inference_mode():
        ref = [base(torch.from_numpy(m)).numpy()[0] for m in mels]
        for label, blocks, wbits, per_column in cases:
            v = copy.deepcopy(base)
            for name, m in v.named_modules():
                if isinstance(m, nn.Conv1d) and name.startswith("blocks."):
                    if int(name.split(".")[1]) in blocks:
                        fake_quantize(m, wbits=wbits, per_column=per_column)
            outs = [v(torch.from_numpy(m)).numpy()[0] for m in mels]
            lsd = np.mean([log_spectral_distance(o, r) for o, r in zip(outs, ref, strict=True)])
            err = sum(((o - r) ** 2).sum() for o, r in zip(outs, ref, strict=True))
            snr = 10 * np.log10(sum((r**2).sum() for r in ref) / err)
            print(f"{label}: LSD60 {lsd:.2f} dB, SNR {snr:.1f} dB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
