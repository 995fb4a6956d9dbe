"""A worker gives the memory a job freed back to the OS (glibc's malloc_trim after each job)."""

from __future__ import annotations

import numpy as np
import pytest

from synthesis import memory, tasks


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(memory._malloc_trim() is None, reason="not glibc")
def test_freed_heap_goes_back_to_the_os():
    # Many blocks under glibc's mmap threshold stay in its heap after free, as activations do;
    # a block allocated after them pins the heap's top so free() alone cannot shrink it.
    blocks = [np.ones(12_000, np.float64) for _ in range(8_000)]  # ~770 MB of 96 KB blocks
    pin = np.ones(12_000, np.float64)
    high = _rss_mb()
    del blocks
    freed = _rss_mb()
    assert freed > high - 100, "free() alone should keep the heap (the test's premise)"
    assert memory.release_memory()
    assert _rss_mb() < freed - 500
    del pin


def test_the_task_releases_memory_even_when_the_job_fails(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "release_memory", lambda: calls.append(1) or True)

    def boom(**_):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(tasks.services, "job_run", boom)
    with pytest.raises(RuntimeError):
        tasks.run_job("00000000-0000-0000-0000-000000000000")
    assert calls == [1]


def test_the_web_and_queue_processes_do_not_load_numpy():
    """django-q2's helper processes and gunicorn import the project but never synthesize:
    numpy (+17 MB RSS each) is loaded only where audio is made."""
    import os
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); "
        "import synthesis.urls, synthesis.admin, synthesis.tasks, synthesis.api.openai; "
        "print(sorted(m for m in ('numpy', 'onnxruntime', 'torch') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ttsproject.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


_LARGE_BLOCKS = """
import sys, numpy as np
from synthesis import memory
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
if sys.argv[1] == "map":
    assert memory.map_large_blocks()
np.ones(2**18).sum()  # one 2 MB block freed: glibc raises its mmap threshold to 2 MB
blocks = [np.ones(2**18) for _ in range(100)]  # 200 MB of 2 MB blocks, as activations
pin = np.ones(1000)
high = rss()
del blocks
print(high - rss())
"""


@pytest.mark.skipif(memory._malloc_trim() is None, reason="not glibc")
def test_large_blocks_go_back_to_the_os_when_freed():
    """Without map_large_blocks the freed activations stay in the heap (the premise); with
    it, each large block is its own mapping and free() returns it at once."""
    import subprocess
    import sys

    def freed(mode: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", _LARGE_BLOCKS, mode], capture_output=True, text=True, check=True
        )
        return float(out.stdout)

    assert freed("default") < 50
    assert freed("map") > 180


def _mapping(path: str) -> dict[str, int]:
    """Rss and Anonymous bytes of this process's mappings of `path`, summed."""
    totals = {"Rss": 0, "Anonymous": 0}
    inside = False
    with open("/proc/self/smaps") as f:
        for line in f:
            key = line.split(None, 1)[0]
            if not key.endswith(":"):
                inside = line.rstrip("\n").endswith(path)
            elif inside and key[:-1] in totals:
                totals[key[:-1]] += int(line.split()[1]) * 1024
    return totals


def _data_file(tmp_path, megabytes: int = 8):
    data = np.random.default_rng(7).integers(0, 256, megabytes << 20, dtype=np.uint8).tobytes()
    path = tmp_path / "weights.bin"
    path.write_bytes(data)
    return path, data


@pytest.mark.skipif(memory._libc() is None, reason="no C library")
def test_read_only_file_pages_are_unmapped_and_read_back_the_same(tmp_path, monkeypatch):
    import mmap

    monkeypatch.delenv("TTS_RELEASE_FILE_PAGES", raising=False)
    path, data = _data_file(tmp_path)
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        assert mapped[:] == data  # every page touched
        assert _mapping(str(path))["Rss"] >= 8 << 20
        released = memory.release_file_pages()
        assert released >= 8 << 20
        assert _mapping(str(path))["Rss"] < 1 << 20
        assert mapped[:] == data  # faulted back in from the page cache, unchanged
    finally:
        mapped.close()


# In a process of its own: were the release to drop such pages, it would also drop the
# libraries' relocated data and crash the process that runs it.
_WRITTEN_THEN_READ_ONLY = """
import ctypes, mmap, sys
from synthesis import memory
path = sys.argv[1]
data = open(path, "rb").read()
with open(path, "rb") as f:
    mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)  # private, writable
view = (ctypes.c_char * len(mapped)).from_buffer(mapped)
mapped[:4096] = b"\\x01" * 4096  # copy-on-write: now an anonymous page
libc = memory._libc()
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
assert libc.mprotect(ctypes.addressof(view), len(mapped), mmap.PROT_READ) == 0
memory.release_file_pages()
print(mapped[:4096] == b"\\x01" * 4096, mapped[4096:] == data[4096:])
"""


@pytest.mark.skipif(memory._libc() is None, reason="no C library")
def test_written_private_pages_are_kept_even_once_made_read_only(tmp_path):
    """A library's relocated data is a private file mapping that was written, then made
    read-only: dropping its pages would bring back the file's bytes. They must stay."""
    import os
    import subprocess
    import sys

    path, _ = _data_file(tmp_path, 2)
    env = {k: v for k, v in os.environ.items() if k != "TTS_RELEASE_FILE_PAGES"}
    out = subprocess.run(
        [sys.executable, "-c", _WRITTEN_THEN_READ_ONLY, str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]


def test_release_file_pages_can_be_turned_off(tmp_path, monkeypatch):
    import mmap

    path, data = _data_file(tmp_path, 2)
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        assert mapped[:] == data
        monkeypatch.setenv("TTS_RELEASE_FILE_PAGES", "0")
        assert memory.release_file_pages() == 0
        assert _mapping(str(path))["Rss"] >= 2 << 20
    finally:
        mapped.close()
