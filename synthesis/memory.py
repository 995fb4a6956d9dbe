"""Give the heap that a finished job freed back to the operating system (glibc only).

A worker's RSS rose from 213 to 280 MB after its first paragraphs and stayed there: glibc keeps
freed memory (the vocoder's activations, tens of MB per pass) in its arenas for reuse.
`malloc_trim(0)` returns it: 280 -> 213 MB in a few ms (bench/README.md, "Zen 3"). Called by the
django-q2 task after every job, so an idle cluster sits at its after-load size.

`map_large_blocks()` (called when the engine loads) keeps the peak down during a job too:
glibc serves a block over its mmap threshold with its own mapping, but raises that threshold
(up to 32 MB) each time such a block is freed, so after the first pass the activations come
from the heap and stay there. A fixed 1 MB threshold gives them back at each free: the
paragraph's peak RSS 403 – 410 -> 391 – 393 MB, time unchanged within the box's noise
(bench/README.md, "The third session", item 3).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:  # not glibc (musl, macOS): nothing to do
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


M_MMAP_THRESHOLD = -3  # mallopt parameter (malloc.h)
LARGE_BLOCK = 1 << 20


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def map_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Blocks of `threshold` bytes or more get their own mapping, returned to the OS when
    freed (and glibc stops raising the threshold). False where the C library cannot."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, threshold) == 1


def release_memory() -> bool:
    """Return freed heap pages to the OS; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
