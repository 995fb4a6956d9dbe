"""Shipped TFLite graphs → state dicts for `FastSpeech2` and `MBMelGAN`.

The converter walks the operator graph, not tensor names: every conv carries a shared
all-zero bias (the real bias is the ADD that follows), identical constants are merged,
and layer names are partly scrambled. Each parameter is found by its role in the graph
(the op that reads it and where that op's output goes), checked for shape, and every
(op, input) pair that reads a float/int8 constant must be claimed exactly once: as a
parameter, as a verified all-zero bias, as a verified float literal (LayerNorm epsilon,
mask constants, dropout rate, …) or as a verified PQMF filter. `Ledger.check()` raises
otherwise.

Layout maps (TFLite → torch):
    FULLY_CONNECTED [out, in]            → Linear.weight [out, in]
    CONV_2D         [out, 1, k, in]      → Conv1d.weight [out, in, k]
    TRANSPOSE_CONV  [out, k, 1, in]      → ConvTranspose1d.weight [in, out, k]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..tflite_reader import Op, TFLiteGraph
from .fastspeech2 import FastSpeech2Config
from .mb_melgan import MBMelGANConfig, pqmf_filters

CONVERTER_VERSION = 1

# float literals that appear in the graphs as structure, not as learned weights
_LITERALS = (1e-5, 1.0, -1e9, 2.0, 0.5)
_SHAPE_OPS = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
_BIAS_PATH = _SHAPE_OPS + (
    "BATCH_TO_SPACE_ND",
)  # a dilated conv's output reaches its bias through this


class ConversionError(RuntimeError):
    pass


@dataclass
class Event:
    """One read of a float/int8 constant, classified by its role in the graph."""

    kind: str  # embedding, table, fc, conv, tconv, bias, ln_gamma, ln_beta, bn_scale, bn_shift
    op: Op
    slot: int
    tensor: int


@dataclass
class Ledger:
    """Accounting of constant reads: each (op, slot) must be claimed exactly once."""

    graph: TFLiteGraph
    claims: dict[tuple[int, int], str] = field(default_factory=dict)

    def claim(self, op: Op, slot: int, label: str) -> np.ndarray:
        key = (op.index, slot)
        if key not in self.graph.weight_uses():
            raise ConversionError(f"op {op.index} slot {slot} does not read a weight")
        if key in self.claims:
            raise ConversionError(
                f"op {op.index} slot {slot} claimed twice: {self.claims[key]} and {label}"
            )
        self.claims[key] = label
        return self.graph.weight(op.inputs[slot])

    def unclaimed(self) -> list[tuple[int, int]]:
        return sorted(self.graph.weight_uses() - set(self.claims))

    def check(self) -> None:
        missing = self.unclaimed()
        if missing:
            desc = ", ".join(
                f"op {o} ({self.graph.ops[o].kind}) slot {s}: "
                f"{self.graph.tensors[self.graph.ops[o].inputs[s]].name}"
                for o, s in missing[:10]
            )
            raise ConversionError(f"{len(missing)} weight reads not consumed: {desc}")

    def params(self) -> dict[str, int]:
        """Parameter label → tensor index (verified constants excluded)."""
        return {
            label: self.graph.ops[o].inputs[s]
            for (o, s), label in self.claims.items()
            if not label.startswith(("zero:", "literal:", "pqmf:"))
        }

    def summary(self) -> dict:
        labels = list(self.claims.values())
        tensors = {}
        for (o, s), label in self.claims.items():
            tensors.setdefault(self.graph.ops[o].inputs[s], []).append(label)
        return {
            "reads": len(self.graph.weight_uses()),
            "claimed": len(labels),
            "params": sum(not lab.startswith(("zero:", "literal:", "pqmf:")) for lab in labels),
            "zero_bias_reads": sum(lab.startswith("zero:") for lab in labels),
            "literal_reads": sum(lab.startswith("literal:") for lab in labels),
            "pqmf_reads": sum(lab.startswith("pqmf:") for lab in labels),
            "param_tensors_read_more_than_once": {
                t: ls
                for t, ls in tensors.items()
                if len(ls) > 1 and not ls[0].startswith(("zero:", "literal:"))
            },
        }


# --- graph classification ---------------------------------------------------------------


def _classify(graph: TFLiteGraph, ledger: Ledger) -> list[Event]:
    """Events in graph order; zero biases and float literals are claimed on the way."""
    events: list[Event] = []
    bn_scale_ops: set[int] = set()
    for op in graph.ops:
        for slot, t in graph.const_inputs(op):
            value = graph.weight(t)
            kind = None
            if op.kind == "GATHER" and slot == 0:
                kind = "embedding"
            elif op.kind == "DEQUANTIZE":
                kind = "table"
            elif op.kind == "FULLY_CONNECTED" and slot == 1:
                kind = "fc"
            elif op.kind == "CONV_2D" and slot == 1:
                kind = "conv"
            elif op.kind == "TRANSPOSE_CONV" and slot == 1:
                kind = "tconv"
            elif op.kind in ("CONV_2D", "FULLY_CONNECTED") and slot == 2:
                if np.any(value != 0):
                    kind = "inline_bias"
                else:
                    ledger.claim(op, slot, f"zero:{op.index}")
                    continue
            elif op.kind in ("ADD", "SUB", "MUL"):
                other = op.inputs[1 - slot]
                src = graph.source(other, _BIAS_PATH)
                if (
                    op.kind == "ADD"
                    and src is not None
                    and src.kind in ("CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV")
                ):
                    kind = "bias"
                elif (
                    op.kind == "MUL" and src is not None and src.kind == "RSQRT" and value.size > 1
                ):
                    kind = "ln_gamma"
                elif op.kind == "SUB" and slot == 0 and value.size > 1:
                    kind = "ln_beta"
                elif op.kind == "MUL" and src is not None and src.kind == "ADD" and value.size > 1:
                    kind = "bn_scale"
                    bn_scale_ops.add(op.index)
                elif op.kind == "ADD" and src is not None and src.index in bn_scale_ops:
                    kind = "bn_shift"
            if kind is None:
                if value.size == 1 and any(
                    np.isclose(value.item(), v, rtol=1e-6) for v in _LITERALS
                ):
                    ledger.claim(op, slot, f"literal:{value.item():g}")
                    continue
                raise ConversionError(
                    f"unrecognised constant read: op {op.index} {op.kind} slot {slot} "
                    f"tensor {t} {graph.tensors[t].name} shape {value.shape}"
                )
            events.append(Event(kind, op, slot, t))
    return events


class _Cursor:
    def __init__(self, graph: TFLiteGraph, ledger: Ledger, events: list[Event]):
        self.graph, self.ledger, self.events, self.i = graph, ledger, events, 0
        self.state: dict[str, torch.Tensor] = {}

    def peek(self) -> Event:
        return self.events[self.i]

    def take(
        self, kind: str, label: str, shape: tuple[int, ...] | None = None
    ) -> tuple[Event, np.ndarray]:
        if self.i >= len(self.events):
            raise ConversionError(f"graph ended while looking for {kind} ({label})")
        ev = self.events[self.i]
        if ev.kind != kind:
            raise ConversionError(
                f"expected {kind} for {label}, found {ev.kind} at op {ev.op.index} ({ev.op.kind})"
            )
        value = self.ledger.claim(ev.op, ev.slot, label)
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise ConversionError(f"{label}: shape {value.shape}, expected {shape}")
        self.i += 1
        return ev, value

    def put(self, name: str, value: np.ndarray) -> None:
        if name in self.state:
            raise ConversionError(f"{name} set twice")
        self.state[name] = torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))

    def bias_after(self, op: Op, label: str, inline: np.ndarray | None) -> np.ndarray:
        """The ADD that follows a conv/fc holds its real bias (plus any non-zero inline one)."""
        ev, b = self.take("bias", label)
        if self.graph.source(ev.op.inputs[1 - ev.slot], _BIAS_PATH) is not op:
            raise ConversionError(
                f"{label}: bias ADD op {ev.op.index} does not follow op {op.index}"
            )
        b = b.reshape(-1)
        return b if inline is None else b + inline

    def _inline_bias(self, op: Op) -> np.ndarray | None:
        if self.i < len(self.events) and self.peek().kind == "inline_bias" and self.peek().op is op:
            return self.take("inline_bias", f"inline bias op {op.index}")[1].reshape(-1)
        return None

    def linear(self, prefix: str, shape: tuple[int, int]) -> Op:
        ev, w = self.take("fc", prefix + ".weight", shape)
        self.put(prefix + ".weight", w)
        self.put(
            prefix + ".bias", self.bias_after(ev.op, prefix + ".bias", self._inline_bias(ev.op))
        )
        return ev.op

    def conv(self, prefix: str, out: int, k: int, cin: int, bias: bool = True) -> Op:
        ev, w = self.take("conv", prefix + ".weight", (out, 1, k, cin))
        self.put(prefix + ".weight", w[:, 0].transpose(0, 2, 1))  # [out, in, k]
        inline = self._inline_bias(ev.op)
        if bias:
            self.put(prefix + ".bias", self.bias_after(ev.op, prefix + ".bias", inline))
        return ev.op

    def layer_norm(self, prefix: str, c: int) -> None:
        self.put(prefix + ".weight", self.take("ln_gamma", prefix + ".weight", (c,))[1])
        self.put(prefix + ".bias", self.take("ln_beta", prefix + ".bias", (c,))[1])


def _downstream(graph: TFLiteGraph, op: Op, stop, limit: int = 12) -> tuple[Op, int] | None:
    """Breadth-first search from op's outputs for a consumer matching stop(op, slot)."""
    frontier, seen = [op], set()
    for _ in range(limit):
        nxt = []
        for o in frontier:
            for t in o.outputs:
                for c in graph.consumers.get(t, []):
                    if c.index in seen:
                        continue
                    seen.add(c.index)
                    slot = c.inputs.index(t)
                    if stop(c, slot):
                        return c, slot
                    nxt.append(c)
        frontier = nxt
    return None


# --- FastSpeech2 ------------------------------------------------------------------------


def _attention_roles(graph: TFLiteGraph, fcs: list[Op]) -> list[str]:
    """Which of the three projection FCs is query / key / value, from the matmuls they feed."""
    roles = []
    for fc in fcs:
        hit = _downstream(graph, fc, lambda c, s: c.kind == "BATCH_MATMUL")
        if hit is None:
            raise ConversionError(f"fc op {fc.index} feeds no BATCH_MATMUL")
        bmm, slot = hit
        scores = graph.source(bmm.inputs[0]).kind != "SOFTMAX"
        roles.append(("query" if slot == 0 else "key") if scores else "value")
    if sorted(roles) != ["key", "query", "value"]:
        raise ConversionError(f"attention projections resolved to {roles}")
    return roles


def _ratio_input(graph: TFLiteGraph, op: Op) -> str | None:
    """Name of the graph input (e.g. 'f0_ratios') that scales this predictor's output."""
    inputs = {t: graph.tensors[t].name for t in graph.inputs}

    def stop(c: Op, slot: int) -> bool:
        other = c.inputs[1 - slot] if c.kind == "MUL" and len(c.inputs) == 2 else None
        if other is None:
            return False
        src = graph.producer.get(other)
        return (
            src is not None and src.kind == "RESHAPE" and src.inputs[0] in inputs
        ) or other in inputs

    hit = _downstream(graph, op, stop)
    if hit is None:
        return None
    c, slot = hit
    other = c.inputs[1 - slot]
    src = graph.producer.get(other)
    return inputs[src.inputs[0]] if src is not None and src.kind == "RESHAPE" else inputs.get(other)


def convert_fastspeech2(
    graph: TFLiteGraph,
) -> tuple[FastSpeech2Config, dict[str, torch.Tensor], Ledger]:
    ledger = Ledger(graph)
    events = _classify(graph, ledger)
    cur = _Cursor(graph, ledger, events)

    emb = graph.weight(cur.peek().tensor)
    n_symbols, d = emb.shape
    n_enc = n_dec = 0
    cfg = FastSpeech2Config(n_symbols=n_symbols, d_model=d)
    cur.put("embedding.weight", cur.take("embedding", "embedding.weight")[1])
    _, table = cur.take("table", "positions")
    cfg.max_positions = table.shape[0]
    cur.put("positions", table)
    inner, ffn, k = cfg.n_heads * cfg.head_dim, cfg.ffn_dim, cfg.ffn_kernel

    def transformer_layer(prefix: str) -> None:
        start = cur.i
        fcs = [events[start + 2 * j].op for j in range(3)]
        roles = _attention_roles(graph, fcs)
        for role in roles:
            cur.linear(f"{prefix}.attention.{role}", (inner, d))
        cur.linear(f"{prefix}.attention.out", (d, inner))
        cur.layer_norm(f"{prefix}.attention_norm", d)
        cur.conv(f"{prefix}.ffn.conv1", ffn, k, d)
        cur.conv(f"{prefix}.ffn.conv2", d, k, ffn)
        cur.layer_norm(f"{prefix}.ffn_norm", d)

    def predictor(prefix: str) -> Op:
        c = cfg.predictor_channels
        for j in range(cfg.predictor_layers):
            cur.conv(f"{prefix}.convs.{j}", c, cfg.predictor_kernel, d if j == 0 else c)
            cur.layer_norm(f"{prefix}.norms.{j}", c)
        return cur.linear(f"{prefix}.proj", (1, c))

    def is_layer_start() -> bool:
        return cur.peek().kind == "fc" and graph.tensors[cur.peek().tensor].shape == (inner, d)

    while is_layer_start():
        transformer_layer(f"encoder.layers.{n_enc}")
        n_enc += 1
    cfg.encoder_layers = n_enc

    # variance adaptor: duration first, then energy and f0 in graph order, told apart by
    # which graph input ("f0_ratios" / "energy_ratios") scales their output.
    dur_fc = predictor("variance_adaptor.duration_predictor")
    if _downstream(graph, dur_fc, lambda c, s: c.kind == "EXP") is None:
        raise ConversionError("duration predictor output does not reach EXP")
    for _ in range(2):
        start = len(cur.state)
        names = list(cur.state)
        fc = predictor("variance_adaptor._pending")
        ratio = _ratio_input(graph, fc)
        which = {"f0_ratios": "f0", "energy_ratios": "energy"}.get(ratio or "")
        if which is None:
            raise ConversionError(f"predictor fc op {fc.index}: scaled by unknown input {ratio!r}")
        for name in list(cur.state)[start:]:
            cur.state[name.replace("_pending", f"{which}_predictor")] = cur.state.pop(name)
        for key, label in ledger.claims.items():
            ledger.claims[key] = label.replace("_pending", f"{which}_predictor")
        assert list(cur.state)[:start] == names
        cur.conv(f"variance_adaptor.{which}_embedding.conv", d, cfg.embedding_kernel, 1)

    while is_layer_start():
        transformer_layer(f"decoder.layers.{n_dec}")
        n_dec += 1
    cfg.decoder_layers = n_dec
    cfg.n_mels = graph.tensors[cur.peek().tensor].shape[0]
    cur.linear("mel_dense", (cfg.n_mels, d))

    # postnet: conv → bias → folded batch norm (mul, add); fold BN into the conv here
    j = 0
    while cur.i < len(events) and cur.peek().kind == "conv":
        w_shape = graph.tensors[cur.peek().tensor].shape
        prefix = f"postnet.convs.{j}"
        cur.conv(prefix, w_shape[0], w_shape[2], w_shape[3])
        scale = cur.take("bn_scale", prefix + ".bn_scale", (w_shape[0],))[1]
        shift = cur.take("bn_shift", prefix + ".bn_shift", (w_shape[0],))[1]
        w, b = cur.state[prefix + ".weight"], cur.state[prefix + ".bias"]
        s = torch.from_numpy(scale)
        cur.state[prefix + ".weight"] = (w * s[:, None, None]).contiguous()
        cur.state[prefix + ".bias"] = b * s + torch.from_numpy(shift)
        j += 1
    cfg.postnet_layers = j
    cfg.postnet_kernel = int(cur.state["postnet.convs.0.weight"].shape[-1])
    cfg.postnet_channels = int(cur.state["postnet.convs.0.weight"].shape[0])

    if cur.i != len(events):
        ev = events[cur.i]
        raise ConversionError(
            f"{len(events) - cur.i} weight reads left, next: op {ev.op.index} {ev.kind}"
        )
    ledger.check()
    return cfg, cur.state, ledger


# --- MB-MelGAN --------------------------------------------------------------------------


def _mirror_pad_before(graph: TFLiteGraph, conv: Op) -> int:
    """Padding (one side) of the MIRROR_PAD feeding this conv, through dilation plumbing."""
    src = graph.source(conv.inputs[0], _SHAPE_OPS + ("SPACE_TO_BATCH_ND",))
    if src is None or src.kind != "MIRROR_PAD":
        raise ConversionError(f"conv op {conv.index} is not fed by MIRROR_PAD")
    if src.options.get("Mode", 0) != 0:
        raise ConversionError(f"MIRROR_PAD op {src.index} is not REFLECT")
    pads = graph.tensors[src.inputs[1]].data.reshape(-1, 2)
    return int(pads[1, 0])


def convert_mb_melgan(graph: TFLiteGraph) -> tuple[MBMelGANConfig, dict[str, torch.Tensor], Ledger]:
    ledger = Ledger(graph)
    events = _classify(graph, ledger)
    cur = _Cursor(graph, ledger, events)

    shape = graph.tensors[cur.peek().tensor].shape  # [384, 1, 7, 80]
    cfg = MBMelGANConfig(n_mels=shape[3], channels=shape[0], kernel=shape[2])
    cur.conv("input_conv", cfg.channels, cfg.kernel, cfg.n_mels)

    scales: list[int] = []
    block = 0
    ch = cfg.channels
    while cur.peek().kind == "tconv" and graph.tensors[cur.peek().tensor].shape[3] == ch:
        ev, w = cur.take("tconv", f"blocks.{block}.conv.weight")
        out, k, _, cin = w.shape
        stride = ev.op.options["StrideH"]
        if k != 2 * stride or ev.op.options["Padding"] != 0:
            raise ConversionError(
                f"upsample op {ev.op.index}: kernel {k}, stride {stride}, not 2s/SAME"
            )
        scales.append(stride)
        cur.put(f"blocks.{block}.conv.weight", w[:, :, 0, :].transpose(2, 0, 1))  # [in, out, k]
        cur.put(
            f"blocks.{block}.conv.bias", cur.bias_after(ev.op, f"blocks.{block}.conv.bias", None)
        )
        block += 1
        ch = out
        j = 0
        while cur.peek().kind == "conv" and graph.tensors[cur.peek().tensor].shape == (
            ch,
            1,
            1,
            ch,
        ):
            p = f"blocks.{block}"
            sc = cur.conv(p + ".shortcut", ch, 1, ch)
            if graph.source(sc.inputs[0], _SHAPE_OPS).kind == "LEAKY_RELU":
                raise ConversionError(
                    f"op {sc.index}: expected the shortcut conv (fed by the stack input)"
                )
            dil = cur.conv(p + ".dilated", ch, cfg.stack_kernel, ch)
            if _mirror_pad_before(graph, dil) != cfg.dilation_base**j:
                raise ConversionError(
                    f"op {dil.index}: dilation {_mirror_pad_before(graph, dil)} "
                    f"!= {cfg.dilation_base**j}"
                )
            cur.conv(p + ".pointwise", ch, 1, ch)
            block += 1
            j += 1
        if j != cfg.stacks:
            raise ConversionError(f"found {j} residual stacks after upsample op {ev.op.index}")
    cfg.upsample_scales = tuple(scales)

    w_shape = graph.tensors[cur.peek().tensor].shape  # [4, 1, 7, 48]
    cfg.bands = w_shape[0]
    out_conv = cur.conv("output_conv", cfg.bands, cfg.kernel, ch)
    if _mirror_pad_before(graph, out_conv) != cfg.kernel // 2:
        raise ConversionError("output conv padding")

    # PQMF synthesis as shipped: TRANSPOSE_CONV zero insertion, PAD, CONV_2D with the
    # synthesis filters. We compute the filters ourselves and check them against these.
    ev, updown = cur.take("tconv", "pqmf:updown")
    eye = np.zeros((cfg.bands, 1, cfg.bands, cfg.bands), np.float32)
    for i in range(cfg.bands):
        eye[i, 0, 0, i] = 1.0  # [out, 1, k, in]: each band to tap 0 of its group of `bands` samples
    gain = float(np.abs(updown).max())
    if not np.allclose(updown, eye * gain) or not np.isclose(gain, cfg.bands):
        raise ConversionError("PQMF up-sampling filter is not bands·identity")
    ev, synth = cur.take("conv", "pqmf:synthesis")
    inline = cur._inline_bias(ev.op)
    if inline is not None and np.any(inline != 0):
        raise ConversionError("PQMF synthesis conv has a bias")
    taps = synth.shape[2] - 1
    _, ours = pqmf_filters(cfg.bands, taps, cfg.pqmf_cutoff, cfg.pqmf_beta)
    shipped = synth[0, 0].T  # [bands, taps+1]
    err = float(np.abs(shipped - ours).max())
    if err > 1e-5:
        raise ConversionError(f"PQMF synthesis filters differ from ours by {err:g}")
    cfg.pqmf_taps = taps

    if cur.i != len(events):
        ev = events[cur.i]
        raise ConversionError(
            f"{len(events) - cur.i} weight reads left, next: op {ev.op.index} {ev.kind}"
        )
    ledger.check()
    return cfg, cur.state, ledger
