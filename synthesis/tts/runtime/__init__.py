"""Fast runtimes for the built-in voice's networks.

`export.py` turns the PyTorch port (`synthesis.tts.models`) into ONNX graphs, fp32 and int8
(static, convolutions only, calibrated on real mels), cached on disk; it imports torch.
`onnx_backend.py` runs those graphs with ONNX Runtime and numpy only (no torch in the process).
`openvino_backend.py` runs the same graphs with OpenVINO (bf16 on CPUs that have it).
`select.py` picks a backend by name: `bf16-openvino` (default; on CPUs without bf16 it
becomes `int8-onnx+ov`, or `int8-onnx` without openvino), `fp32-onnx`, `fp32-torch`, ...
"""

BACKENDS = (
    "bf16-openvino",
    "int8-onnx+ov",
    "int8-onnx",
    "f32-openvino",
    "fp32-onnx",
    "fp32-torch",
)
DEFAULT_BACKEND = "bf16-openvino"
