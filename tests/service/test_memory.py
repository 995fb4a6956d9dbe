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
