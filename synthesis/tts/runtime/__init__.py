"""Fast runtimes for the built-in voice's networks.

`export.py` turns the PyTorch port (`synthesis.tts.models`) into ONNX graphs, fp32 and int8
(static, convolutions only, calibrated on real mels), cached on disk; it imports torch.
`onnx_backend.py` runs those graphs with ONNX Runtime and numpy only (no torch in the process).
`select.py` picks a backend by name: `fp32-torch`, `fp32-onnx` or `int8-onnx`.
"""

BACKENDS = ("int8-onnx", "fp32-onnx", "fp32-torch")
DEFAULT_BACKEND = "int8-onnx"
