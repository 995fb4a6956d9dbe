"""Give the heap that a finished job freed back to the operating system (glibc only).

A worker's RSS rose from 213 to 280 MB after its first paragraphs and stayed there: glibc keeps
freed memory (the vocoder's activations, tens of MB per pass) in its arenas for reuse.
`malloc_trim(0)` returns it: 280 -> 213 MB in a few ms (bench/README.md, "Zen 3"). Called by the
django-q2 task after every job, so an idle cluster sits at its after-load size.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_memory() -> bool:
    """Return freed heap pages to the OS; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
