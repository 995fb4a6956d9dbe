"""Read a TFLite flatbuffer as a plain operator graph (no TensorFlow, no interpreter).

Built on the PyPI ``tflite`` package (pure-Python flatbuffer bindings). The graph is
read once into small Python records; weights are exposed as numpy arrays, int8 weights
dequantized with their per-tensor symmetric scale (w = q * scale).

Tensor names in converted graphs are not a reliable map (shared all-zero conv biases,
merged identical constants), so consumers should walk the operator graph via
``producer`` / ``consumers`` and use names only in error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tflite
from tflite.BuiltinOperator import BuiltinOperator
from tflite.TensorType import TensorType

_OP_NAMES = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
_NP_TYPES = {
    TensorType.FLOAT32: np.float32,
    TensorType.INT8: np.int8,
    TensorType.INT32: np.int32,
    TensorType.INT64: np.int64,
    TensorType.UINT8: np.uint8,
    TensorType.BOOL: np.bool_,
    TensorType.FLOAT16: np.float16,
}
_TYPE_NAMES = {v: k for k, v in vars(TensorType).items() if not k.startswith("_")}

# builtin option classes we decode (others are left as None)
_OPTION_CLASSES = {
    "CONV_2D": (
        "Conv2DOptions",
        (
            "Padding",
            "StrideW",
            "StrideH",
            "DilationWFactor",
            "DilationHFactor",
            "FusedActivationFunction",
        ),
    ),
    "TRANSPOSE_CONV": ("TransposeConvOptions", ("Padding", "StrideW", "StrideH")),
    "ADD": ("AddOptions", ("FusedActivationFunction",)),
    "SUB": ("SubOptions", ("FusedActivationFunction",)),
    "MUL": ("MulOptions", ("FusedActivationFunction",)),
    "FULLY_CONNECTED": ("FullyConnectedOptions", ("FusedActivationFunction", "KeepNumDims")),
    "LEAKY_RELU": ("LeakyReluOptions", ("Alpha",)),
    "MIRROR_PAD": ("MirrorPadOptions", ("Mode",)),
    "BATCH_MATMUL": ("BatchMatMulOptions", ("AdjX", "AdjY")),
}


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str  # TensorType name, e.g. "FLOAT32", "INT8"
    data: np.ndarray | None  # raw constant data (read-only view), None for activations
    scale: np.ndarray | None = None
    zero_point: np.ndarray | None = None

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def is_weight(self) -> bool:
        """A float or int8 constant: what a network parameter (or a float literal) looks like."""
        return self.data is not None and self.dtype in ("FLOAT32", "INT8")


@dataclass
class Op:
    index: int
    kind: str  # builtin name, or "CUSTOM:<code>"
    inputs: tuple[int, ...]  # -1 for an absent optional input
    outputs: tuple[int, ...]
    options: dict = field(default_factory=dict)


class TFLiteGraph:
    """Subgraph 0 of a .tflite file as tensors, ops and producer/consumer maps."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._raw = self.path.read_bytes()
        model = tflite.Model.GetRootAsModel(self._raw, 0)
        if model.SubgraphsLength() != 1:
            raise ValueError(
                f"{self.path.name}: expected 1 subgraph, found {model.SubgraphsLength()}"
            )
        g = model.Subgraphs(0)
        self.tensors: list[Tensor] = [
            self._read_tensor(model, g, i) for i in range(g.TensorsLength())
        ]
        self.ops: list[Op] = [self._read_op(model, g, k) for k in range(g.OperatorsLength())]
        self.inputs = tuple(int(i) for i in g.InputsAsNumpy())
        self.outputs = tuple(int(i) for i in g.OutputsAsNumpy())
        self.producer: dict[int, Op] = {}
        self.consumers: dict[int, list[Op]] = {}
        for op in self.ops:
            for t in op.outputs:
                self.producer[t] = op
            for t in op.inputs:
                if t >= 0:
                    self.consumers.setdefault(t, []).append(op)

    # -- reading -------------------------------------------------------------------------
    @staticmethod
    def _read_tensor(model, g, i: int) -> Tensor:
        t = g.Tensors(i)
        dtype = _TYPE_NAMES.get(t.Type(), str(t.Type()))
        shape = tuple(int(x) for x in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        buf = model.Buffers(t.Buffer())
        data = None
        if buf is not None and buf.DataLength():
            raw = buf.DataAsNumpy()
            np_type = _NP_TYPES.get(t.Type())
            if np_type is not None:
                data = raw.view(np_type).reshape(shape)
        scale = zp = None
        q = t.Quantization()
        if q is not None and q.ScaleLength():
            scale = q.ScaleAsNumpy().astype(np.float32)
            zp = (
                q.ZeroPointAsNumpy()
                if q.ZeroPointLength()
                else np.zeros_like(scale, dtype=np.int64)
            )
        return Tensor(i, t.Name().decode(errors="replace"), shape, dtype, data, scale, zp)

    @staticmethod
    def _read_op(model, g, k: int) -> Op:
        op = g.Operators(k)
        oc = model.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        kind = _OP_NAMES.get(code, str(code))
        if kind == "CUSTOM":
            kind = "CUSTOM:" + oc.CustomCode().decode()
        options = {}
        spec = _OPTION_CLASSES.get(kind)
        table = op.BuiltinOptions()
        if spec is not None and table is not None:
            obj = getattr(tflite, spec[0])()
            obj.Init(table.Bytes, table.Pos)
            options = {name: getattr(obj, name)() for name in spec[1]}
        return Op(
            k,
            kind,
            tuple(int(i) for i in op.InputsAsNumpy()) if op.InputsLength() else (),
            tuple(int(i) for i in op.OutputsAsNumpy()) if op.OutputsLength() else (),
            options,
        )

    # -- helpers -------------------------------------------------------------------------
    def weight(self, index: int) -> np.ndarray:
        """A constant as float32; int8 weights are dequantized (per-tensor symmetric)."""
        t = self.tensors[index]
        if t.data is None:
            raise ValueError(f"tensor {index} ({t.name}) is not a constant")
        if t.dtype == "INT8":
            if t.scale is None or t.scale.size != 1:
                raise ValueError(f"tensor {index} ({t.name}): expected one per-tensor scale")
            if t.zero_point is not None and np.any(t.zero_point != 0):
                raise ValueError(f"tensor {index} ({t.name}): expected symmetric quantization")
            return t.data.astype(np.float32) * np.float32(t.scale[0])
        if t.dtype == "FLOAT32":
            return np.array(t.data, dtype=np.float32)
        return np.array(t.data)

    def const_inputs(self, op: Op) -> list[tuple[int, int]]:
        """(slot, tensor) pairs of the op's float/int8 constant inputs."""
        return [(s, t) for s, t in enumerate(op.inputs) if t >= 0 and self.tensors[t].is_weight]

    def weight_uses(self) -> set[tuple[int, int]]:
        """Every (op index, input slot) reading a float/int8 constant."""
        return {(op.index, s) for op in self.ops for s, _ in self.const_inputs(op)}

    def source(self, tensor: int, through=("RESHAPE", "SQUEEZE", "EXPAND_DIMS")) -> Op | None:
        """The op that produced `tensor`, looking through shape-only ops."""
        op = self.producer.get(tensor)
        while op is not None and op.kind in through:
            op = self.producer.get(op.inputs[0])
        return op

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for op in self.ops:
            counts[op.kind] = counts.get(op.kind, 0) + 1
        return counts
