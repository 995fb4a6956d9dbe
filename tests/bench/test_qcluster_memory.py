"""bench/qcluster_memory.py's `unique_mb`: pages shared between processes counted once."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import qcluster_memory  # noqa: E402


def _rss_mb(pid: int) -> float:
    return qcluster_memory.rollup(str(pid))["rss"]


@pytest.mark.skipif(
    qcluster_memory.unique_mb([os.getpid()]) is None,
    reason="page frame numbers need root (/proc/<pid>/pagemap)",
)
def test_a_forked_child_adds_only_the_pages_it_writes():
    shared = np.ones(48 * 2**20 // 8)  # 48 MB touched before the fork: shared afterwards
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child reads the shared array, writes 16 MB of its own, and waits
        os.close(read)
        own = np.full(16 * 2**20 // 8, float(shared[::4096].sum()))
        os.write(write, b"x")
        time.sleep(60)  # killed by the parent once measured
        del own
        os._exit(0)
    try:
        os.close(write)
        assert os.read(read, 1) == b"x"
        pids = [os.getpid(), child]
        summed = sum(_rss_mb(pid) for pid in pids)
        mine, theirs = (qcluster_memory.frames(pid) for pid in pids)
        unique = qcluster_memory.union_mb([mine, theirs])
        parent = qcluster_memory.union_mb([mine])
        # The child's RSS counts the 48 shared MB again; the union counts them once and adds
        # the child's own 16 MB (and the few pages the fork made private).
        assert summed - unique > 40
        assert 14 < unique - parent < 40
        assert qcluster_memory.unique_mb(pids) > 0.9 * unique
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)
        del shared
