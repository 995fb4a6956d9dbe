"""Where to cut a mel for the vocoder.

A pass longer than one vocoder call allows is vocoded in pieces, each call carrying `context`
real frames either side of the part kept (the vocoder's receptive field is 22 frames, so with
24 the seams are exact: 1e-8). Runtimes with fixed shapes (OpenVINO, `OvVocoder`) also pad
each call up to a multiple of their bucket, and a call that ends the mel needs `end_pad`
frames of padding so its last frames do not depend on the bucket. `plan` makes every call but
the last exactly as long as the runtime allows, so the only padding is in the last call:
the 158-character paragraph's passes cost 3072 vocoded frames for 2504 instead of 3456
(bench/README.md, "The third session", item 1); 3040 since the first chunk's call has a
32-frame shape of its own (`smallest`).

    shape = CallShape(limit=384, bucket=64, end_pad=24)
    for start, end in plan(frames, context=24, shape=shape): ...

A runtime whose memory grows with every shape it has run (OpenVINO on AMX CPUs keeps code
generated per shape, in proportion to its length) names a short ladder of `sizes` instead of a
bucket: each call is padded to the first size that holds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class CallShape:
    limit: int  # longest call in frames, context and padding included (0: no limit)
    bucket: int = 1  # calls are padded up to a multiple of this
    end_pad: int = 0  # padding frames a call that ends the mel needs
    smallest: int = 0  # calls this short or shorter are padded to this length instead
    # If given, calls are padded to the first of these sizes that holds them instead of to a
    # multiple of `bucket`; the last size is `limit`.
    sizes: tuple[int, ...] = ()


def padded_length(n: int, shape: CallShape, *, ends: bool) -> int:
    """Frames the runtime computes for a call of `n` mel frames (`ends`: it ends the mel)."""
    n += shape.end_pad if ends else 0
    if n <= shape.smallest:
        return shape.smallest
    for size in shape.sizes:
        if n <= size:
            return size
    return -(-n // shape.bucket) * shape.bucket


def call_frames(lo: int, hi: int, frames: int, shape: CallShape) -> int:
    """Frames the runtime computes to vocode mel[lo:hi] of a mel of `frames` frames."""
    return padded_length(hi - lo, shape, ends=hi == frames)


def plan(
    frames: int, start: int = 0, *, context: int, shape: CallShape
) -> Iterator[tuple[int, int]]:
    """(start, end) pieces covering [start, frames). Piece i is vocoded from
    max(0, start - context) to min(frames, end + context) and its [start, end) part kept."""
    while start < frames:
        lo = max(0, start - context)
        if shape.limit <= 0 or call_frames(lo, frames, frames, shape) <= shape.limit:
            yield start, frames
            return
        # As long as the call allows, but stopping short enough of the end that this call
        # does not end the mel (which would add end_pad) and the last call still fits.
        end = min(lo + shape.limit - context, frames - context - 1)
        if end <= start:
            raise ValueError(f"a call limit of {shape.limit} frames leaves no room for context")
        yield start, end
        start = end
