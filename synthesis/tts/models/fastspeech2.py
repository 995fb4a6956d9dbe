"""FastSpeech2 (as trained by TensorFlowTTS on Baker), written for inference.

    ids ─ embedding + positions ─ Encoder (3 post-LN transformer layers)
        ─ VarianceAdaptor: duration / f0 / energy predictors,
                           f0 and energy embedded by a conv and added,
                           length regulator (repeat each token `duration` times)
        ─ + positions ─ Decoder (3 layers) ─ mel_before (dense) ─ PostNet (+ residual) ─ mel

Tensors are [batch, time, channels] between blocks; convolutions transpose locally.
Weights come from `convert.py`; this file only describes the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass
class FastSpeech2Config:
    n_symbols: int = 219
    d_model: int = 256
    n_heads: int = 2
    head_dim: int = 16
    ffn_dim: int = 1024
    ffn_kernel: int = 3
    encoder_layers: int = 3
    decoder_layers: int = 3
    max_positions: int = 2049  # row 0 unused: positions count from 1
    predictor_channels: int = 256
    predictor_kernel: int = 3
    predictor_layers: int = 2
    embedding_kernel: int = 9  # f0 / energy embedding conv
    n_mels: int = 80
    postnet_channels: int = 512
    postnet_kernel: int = 5
    postnet_layers: int = 5
    ln_eps: float = 1e-5
    dropout_rate: float = 0.5  # f0 / energy embedding dropout, only with a generator

    @property
    def max_len(self) -> int:
        return self.max_positions - 1


@dataclass
class AcousticOutput:
    mel_before: Tensor  # [B, F, 80]
    mel: Tensor  # [B, F, 80] after postnet
    durations: Tensor  # [B, T] int64 frames per token (after speed scaling)
    f0: Tensor  # [B, T] normalised f0 actually embedded (after ratio and shift)
    energy: Tensor  # [B, T]


def _conv_same(channels_in: int, channels_out: int, kernel: int) -> nn.Conv1d:
    return nn.Conv1d(channels_in, channels_out, kernel, padding=kernel // 2)


# --- transformer ------------------------------------------------------------------------


class SelfAttention(nn.Module):
    def __init__(self, cfg: FastSpeech2Config):
        super().__init__()
        inner = cfg.n_heads * cfg.head_dim
        self.n_heads, self.head_dim = cfg.n_heads, cfg.head_dim
        self.query = nn.Linear(cfg.d_model, inner)
        self.key = nn.Linear(cfg.d_model, inner)
        self.value = nn.Linear(cfg.d_model, inner)
        self.out = nn.Linear(inner, cfg.d_model)

    def forward(self, x: Tensor, attn_bias: Tensor | None) -> Tensor:
        b, t, _ = x.shape

        def heads(y: Tensor) -> Tensor:
            return y.view(b, t, self.n_heads, self.head_dim).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_bias)  # scale 1/sqrt(head_dim)
        return self.out(y.transpose(1, 2).reshape(b, t, -1))


class FeedForward(nn.Module):
    """conv k3 → Mish → conv k3 (TensorFlowTTS' "intermediate" + "output" convs)."""

    def __init__(self, cfg: FastSpeech2Config):
        super().__init__()
        self.conv1 = _conv_same(cfg.d_model, cfg.ffn_dim, cfg.ffn_kernel)
        self.conv2 = _conv_same(cfg.ffn_dim, cfg.d_model, cfg.ffn_kernel)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:  # [B, T, C]
        y = F.mish(self.conv1(x.transpose(1, 2)))
        if mask is not None:  # keep padding out of the second conv (B > 1 equals B = 1)
            y = y * mask.transpose(1, 2)
        return self.conv2(y).transpose(1, 2)


class TransformerLayer(nn.Module):
    """Post-LN: h = LN(x + attn(x)); y = LN(h + ffn(h)); padded steps zeroed after each."""

    def __init__(self, cfg: FastSpeech2Config):
        super().__init__()
        self.attention = SelfAttention(cfg)
        self.attention_norm = nn.LayerNorm(cfg.d_model, eps=cfg.ln_eps)
        self.ffn = FeedForward(cfg)
        self.ffn_norm = nn.LayerNorm(cfg.d_model, eps=cfg.ln_eps)

    def forward(self, x: Tensor, mask: Tensor | None, attn_bias: Tensor | None) -> Tensor:
        h = self.attention_norm(x + self.attention(x, attn_bias))
        if mask is not None:
            h = h * mask
        f = self.ffn(h, mask)
        if mask is not None:
            f = f * mask
        y = self.ffn_norm(h + f)
        if mask is not None:
            y = y * mask
        return y


class TransformerStack(nn.Module):
    def __init__(self, cfg: FastSpeech2Config, n_layers: int):
        super().__init__()
        self.layers = nn.ModuleList(TransformerLayer(cfg) for _ in range(n_layers))

    def forward(self, x: Tensor, valid: Tensor | None) -> Tensor:
        """x [B, T, C]; valid [B, T] bool or None when nothing is padded."""
        mask = attn_bias = None
        if valid is not None:
            mask = valid.unsqueeze(-1).to(x.dtype)
            attn_bias = ((1.0 - valid.to(x.dtype)) * -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask, attn_bias)
        return x


# --- variance adaptor -------------------------------------------------------------------


class VariancePredictor(nn.Module):
    """2 × (conv k3 → ReLU → LayerNorm) → dense → one value per token."""

    def __init__(self, cfg: FastSpeech2Config):
        super().__init__()
        c = cfg.predictor_channels
        self.convs = nn.ModuleList(
            _conv_same(cfg.d_model if i == 0 else c, c, cfg.predictor_kernel)
            for i in range(cfg.predictor_layers)
        )
        self.norms = nn.ModuleList(
            nn.LayerNorm(c, eps=cfg.ln_eps) for _ in range(cfg.predictor_layers)
        )
        self.proj = nn.Linear(c, 1)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:  # [B, T, C] → [B, T]
        for conv, norm in zip(self.convs, self.norms, strict=True):
            x = norm(F.relu(conv(x.transpose(1, 2)).transpose(1, 2)))
            if mask is not None:  # upstream does not mask here; we do so B > 1 equals B = 1
                x = x * mask
        y = self.proj(x)
        if mask is not None:
            y = y * mask
        return y.squeeze(-1)


class ScalarEmbedding(nn.Module):
    """conv k9, 1 → d_model: embeds a per-token scalar (f0 or energy)."""

    def __init__(self, cfg: FastSpeech2Config):
        super().__init__()
        self.conv = _conv_same(1, cfg.d_model, cfg.embedding_kernel)

    def forward(self, values: Tensor) -> Tensor:  # [B, T] → [B, T, C]
        return self.conv(values.unsqueeze(1)).transpose(1, 2)


def length_regulate(x: Tensor, durations: Tensor) -> tuple[Tensor, Tensor]:
    """Repeat token i `durations[b, i]` times. Returns frames [B, F, C] and frame lengths [B]."""
    lengths = durations.sum(dim=1)
    if x.shape[0] == 1:
        return x[0].repeat_interleave(durations[0], dim=0).unsqueeze(0), lengths
    n_frames = int(lengths.max())
    frames = x.new_zeros(x.shape[0], n_frames, x.shape[2])
    for b in range(x.shape[0]):  # one vectorised repeat per utterance
        frames[b, : int(lengths[b])] = x[b].repeat_interleave(durations[b], dim=0)
    return frames, lengths


def _as_token_tensor(value: float | Tensor, like: Tensor) -> float | Tensor:
    if isinstance(value, Tensor):
        return value.to(device=like.device, dtype=like.dtype)
    return float(value)


class VarianceAdaptor(nn.Module):
    def __init__(self, cfg: FastSpeech2Config):
        super().__init__()
        self.duration_predictor = VariancePredictor(cfg)
        self.f0_predictor = VariancePredictor(cfg)
        self.energy_predictor = VariancePredictor(cfg)
        self.f0_embedding = ScalarEmbedding(cfg)
        self.energy_embedding = ScalarEmbedding(cfg)
        self.dropout_rate = cfg.dropout_rate

    def _dropout(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        """Upstream leaves a rate-0.5 dropout on at inference; we apply it only on request."""
        if generator is None:
            return x
        keep = torch.rand(x.shape, generator=generator, device=x.device) >= self.dropout_rate
        return x * keep.to(x.dtype) * (1.0 / (1.0 - self.dropout_rate))

    def forward(
        self,
        h: Tensor,
        valid: Tensor | None,
        *,
        speed_ratio: float | Tensor = 1.0,
        f0_ratio: float = 1.0,
        f0_shift: float | Tensor = 0.0,
        energy_ratio: float = 1.0,
        energy_shift: float = 0.0,
        dropout_generator: torch.Generator | None = None,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """h [B, T, C] → (h + f0/energy embeddings, durations [B, T] int64, f0, energy)."""
        mask = None if valid is None else valid.unsqueeze(-1).to(h.dtype)
        if mask is not None:
            h = h * mask
        log_dur = self.duration_predictor(h, mask)
        durations = torch.round(
            F.relu(torch.exp(log_dur) - 1.0) * _as_token_tensor(speed_ratio, log_dur)
        ).long()

        energy = self.energy_predictor(h, mask) * energy_ratio
        f0 = self.f0_predictor(h, mask) * f0_ratio
        energy_shift = _as_token_tensor(energy_shift, energy)
        f0_shift = _as_token_tensor(f0_shift, f0)
        if not (isinstance(energy_shift, float) and energy_shift == 0.0):
            energy = energy + energy_shift
        if not (isinstance(f0_shift, float) and f0_shift == 0.0):
            f0 = f0 + f0_shift
        if valid is not None:
            durations = durations * valid
            f0, energy = f0 * valid, energy * valid

        energy_emb = self._dropout(self.energy_embedding(energy), dropout_generator)
        f0_emb = self._dropout(self.f0_embedding(f0), dropout_generator)
        return h + (f0_emb + energy_emb), durations, f0, energy


# --- post-net ---------------------------------------------------------------------------


class PostNet(nn.Module):
    """5 × conv k5 (batch norm folded into the conv), tanh on all but the last; a residual."""

    def __init__(self, cfg: FastSpeech2Config):
        super().__init__()
        chans = [cfg.n_mels] + [cfg.postnet_channels] * (cfg.postnet_layers - 1) + [cfg.n_mels]
        self.convs = nn.ModuleList(
            _conv_same(chans[i], chans[i + 1], cfg.postnet_kernel)
            for i in range(cfg.postnet_layers)
        )

    def forward(self, mel: Tensor, mask: Tensor | None = None) -> Tensor:  # [B, F, 80] → residual
        x = mel.transpose(1, 2)
        m = None if mask is None else mask.transpose(1, 2)  # [B, 1, F]
        last = len(self.convs) - 1
        for i, conv in enumerate(self.convs):
            if m is not None:  # padded frames stay zero (B > 1 equals B = 1)
                x = x * m
            x = conv(x)
            if i < last:
                x = torch.tanh(x)
        if m is not None:
            x = x * m
        return x.transpose(1, 2)


# --- the model --------------------------------------------------------------------------


class FastSpeech2(nn.Module):
    def __init__(self, cfg: FastSpeech2Config | None = None):
        super().__init__()
        cfg = cfg or FastSpeech2Config()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.n_symbols, cfg.d_model)
        # Sinusoidal table shared by encoder and decoder, as shipped (int8-rounded values).
        self.register_buffer("positions", torch.zeros(cfg.max_positions, cfg.d_model))
        self.encoder = TransformerStack(cfg, cfg.encoder_layers)
        self.variance_adaptor = VarianceAdaptor(cfg)
        self.decoder = TransformerStack(cfg, cfg.decoder_layers)
        self.mel_dense = nn.Linear(cfg.d_model, cfg.n_mels)
        self.postnet = PostNet(cfg)

    def _check_len(self, n: int, what: str) -> None:
        if n > self.cfg.max_len:
            raise ValueError(
                f"{n} {what} in one pass; the model's position table allows at most "
                f"{self.cfg.max_len}. "
                "Split the text into shorter pieces."
            )

    def encode(
        self,
        ids: Tensor,
        *,
        speed_ratio: float | Tensor = 1.0,
        f0_ratio: float = 1.0,
        f0_shift: float | Tensor = 0.0,
        energy_ratio: float = 1.0,
        energy_shift: float = 0.0,
        dropout_generator: torch.Generator | None = None,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Encoder + variance adaptor + length regulator.

        Returns (frames [B, F, C], durations [B, T], f0 [B, T], energy [B, T]).

        With B > 1, id 0 is padding; padded frames at the end of `frames` are zero.
        """
        if ids.dim() == 1:
            ids = ids.unsqueeze(0)
        t = ids.shape[1]
        self._check_len(t, "tokens")
        valid = ids != 0
        if bool(valid.all()):
            valid = None
        h = self.embedding(ids) + self.positions[1 : t + 1]
        h = self.encoder(h, valid)
        h, durations, f0, energy = self.variance_adaptor(
            h,
            valid,
            speed_ratio=speed_ratio,
            f0_ratio=f0_ratio,
            f0_shift=f0_shift,
            energy_ratio=energy_ratio,
            energy_shift=energy_shift,
            dropout_generator=dropout_generator,
        )
        frames, _ = length_regulate(h, durations)
        self._check_len(frames.shape[1], "frames")
        return frames, durations, f0, energy

    def decode(self, frames: Tensor, frame_lengths: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Decoder + mel dense + postnet → (mel_before, mel), both [B, F, 80]."""
        b, n, _ = frames.shape
        self._check_len(n, "frames")
        valid = None
        if frame_lengths is not None and bool((frame_lengths < n).any()):
            valid = torch.arange(n, device=frames.device)[None, :] < frame_lengths[:, None]
        pos = self.positions[1 : n + 1].unsqueeze(0)
        if valid is not None:
            pos = torch.where(valid.unsqueeze(-1), pos, self.positions[0])
        x = self.decoder(frames + pos, valid)
        mel_before = self.mel_dense(x)
        mask = None if valid is None else valid.unsqueeze(-1).to(x.dtype)
        return mel_before, mel_before + self.postnet(mel_before, mask)

    def forward(
        self,
        ids: Tensor,
        *,
        speed_ratio: float | Tensor = 1.0,
        f0_ratio: float = 1.0,
        f0_shift: float | Tensor = 0.0,
        energy_ratio: float = 1.0,
        energy_shift: float = 0.0,
        dropout_generator: torch.Generator | None = None,
    ) -> AcousticOutput:
        frames, durations, f0, energy = self.encode(
            ids,
            speed_ratio=speed_ratio,
            f0_ratio=f0_ratio,
            f0_shift=f0_shift,
            energy_ratio=energy_ratio,
            energy_shift=energy_shift,
            dropout_generator=dropout_generator,
        )
        lengths = durations.sum(dim=1) if frames.shape[0] > 1 else None
        mel_before, mel = self.decode(frames, lengths)
        return AcousticOutput(
            mel_before=mel_before, mel=mel, durations=durations, f0=f0, energy=energy
        )
