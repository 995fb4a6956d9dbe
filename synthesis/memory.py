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

`release_file_pages()` (called when the engine has loaded) unmaps the pages of libraries and
compiled blobs that only loading touched.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os


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


MADV_DONTNEED = 4  # Linux's value on every architecture we run on (asm-generic/mman-common.h)


def release_file_pages() -> int:
    """Unmap from this process the pages of its read-only file mappings (libraries, compiled
    blobs, mapped weights); returns the bytes they held, 0 where that cannot be done.

    Loading touches far more of the runtimes' files than synthesis uses again: OpenVINO's CPU
    plugin runs its graph compiler once, and a compiled blob's weights are copied into the
    plugin's own layouts. On Linux 6.18 a fault also maps the whole page-cache folio around the
    page. The pages stay in the page cache (shared with other processes, and the first to go when
    memory is short); a page that is touched again is mapped back by an ordinary minor fault. So
    the process keeps only what it uses: after a paragraph, 174 -> 107 MB of mapped files, peak
    RSS 389 -> 321 MB on a Zen 4, time unchanged (bench/README.md, "The ninth session").

    Only mappings that can hold nothing but the file's own bytes are touched: read-only ones
    without anonymous (copy-on-write) pages. A private mapping that was written and then made
    read-only, like a library's relocated data, keeps its pages: dropping them would bring back
    the file's bytes in place of the written ones. $TTS_RELEASE_FILE_PAGES=0 turns this off.

    Call it when no other thread maps or unmaps memory (the end of an engine's load): a range
    that another thread unmaps and maps again as anonymous memory between the read of
    /proc/self/smaps and the madvise would lose its contents. The engine's threads map files
    only while loading and never unmap them while serving.
    """
    if os.environ.get("TTS_RELEASE_FILE_PAGES", "1") == "0":
        return 0
    madvise = _madvise()
    if madvise is None:
        return 0
    try:
        mappings = list(_read_only_file_mappings())
    except OSError:  # no /proc (not Linux)
        return 0
    released = 0
    for start, end, rss in mappings:
        if madvise(start, end - start, MADV_DONTNEED) == 0:
            released += rss
    return released


@functools.cache
def _madvise():
    madvise = getattr(_libc(), "madvise", None)
    if madvise is None:  # no C library
        return None
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return madvise


def _read_only_file_mappings():
    """(start, end, resident bytes) of each mapping in /proc/self/smaps that maps a file
    read-only and holds resident pages but no anonymous ones."""
    found = []
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as f:
        for line in f:
            key = line.split(None, 1)[0] if line.strip() else ""
            if not key.endswith(":"):  # a mapping's header: range perms offset dev inode [path]
                head = line.split(None, 5)
                start, _, end = head[0].partition("-")
                path = head[5].strip() if len(head) > 5 else ""
                found.append(
                    {
                        "start": int(start, 16),
                        "end": int(end, 16),
                        # A file (not [heap], [stack], [vdso], anonymous or deleted memory),
                        # mapped without write permission.
                        "ok": path.startswith("/")
                        and not path.endswith("(deleted)")
                        and "w" not in head[1],
                        "rss": 0,
                        "anonymous": None,  # unknown until its line is read: never released
                    }
                )
            elif found and key == "Rss:":
                found[-1]["rss"] = int(line.split()[1]) * 1024
            elif found and key == "Anonymous:":
                found[-1]["anonymous"] = int(line.split()[1]) * 1024
            elif found and key == "VmFlags:" and "lo" in line.split()[1:]:
                found[-1]["ok"] = False  # locked pages stay
    for m in found:
        if m["ok"] and m["rss"] > 0 and m["anonymous"] == 0:
            yield m["start"], m["end"], m["rss"]
