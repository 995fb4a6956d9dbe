"""Memory of a running qcluster: RSS and PSS of each of its processes, and the totals.

    python bench/qcluster_memory.py [--json]

Run it beside `manage.py serve` after the workers have served requests. RSS counts pages shared
between processes (weights, libraries) once per process; PSS splits them, so the PSS total is
what the cluster really costs the machine. `unique_mb` is the cluster's resident memory with
each physical page counted once, however many of its processes map it: the RSS of the cluster
taken as one program (read from /proc/<pid>/pagemap, whose page frame numbers only root may
see; null otherwise). It differs from the PSS total by pages the cluster shares with other
programs (libc, say), which PSS charges only in part.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import numpy as np

PAGE = os.sysconf("SC_PAGE_SIZE")
PRESENT = np.uint64(1 << 63)
PFN_MASK = np.uint64((1 << 55) - 1)
CHUNK = 1 << 20


def rollup(pid: str) -> dict[str, float]:
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return {
        key.lower(): int(re.search(rf"^{key}:\s+(\d+)", text, re.M).group(1)) / 1024
        for key in ("Rss", "Pss")
    }


def frames(pid: int) -> np.ndarray | None:
    """The physical page frames `pid` has resident (None without root: frames read as 0)."""
    found = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            if line.rstrip().endswith("[vsyscall]"):
                continue
            # In pieces of 1M pages: runtimes reserve gigabytes of address space they never touch.
            for first in range(start // PAGE, end // PAGE, CHUNK):
                pages = min(CHUNK, end // PAGE - first)
                pagemap.seek(first * 8)
                entries = np.frombuffer(pagemap.read(pages * 8), np.uint64)
                pfns = entries[(entries & PRESENT) != 0] & PFN_MASK
                if pfns.size and not pfns.any():
                    return None
                found.append(pfns)
    return np.concatenate(found) if found else np.zeros(0, np.uint64)


def union_mb(per_process: list[np.ndarray]) -> float:
    """MB of the page frames in any of `per_process` (`frames` of each), each frame once."""
    return np.unique(np.concatenate(per_process)).size * PAGE / 2**20


def unique_mb(pids: list[int]) -> float | None:
    """Resident pages of all `pids`, each physical page once, in MB."""
    try:
        per_process = [frames(pid) for pid in pids]
    except OSError:
        return None
    if any(f is None for f in per_process):
        return None
    return union_mb(per_process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            if "manage.py qcluster" in cmd:
                rows.append({"pid": int(pid), **rollup(pid)})
        except (OSError, AttributeError):
            continue
    total = {
        "processes": len(rows),
        "rss_mb": round(sum(r["rss"] for r in rows), 1),
        "pss_mb": round(sum(r["pss"] for r in rows), 1),
    }
    unique = unique_mb([r["pid"] for r in rows])
    total["unique_mb"] = unique and round(unique, 1)
    if args.json:
        print(json.dumps({**total, "per_process": rows}))
        return
    for r in rows:
        print(f"{r['pid']:>8}  RSS {r['rss']:7.1f} MB  PSS {r['pss']:7.1f} MB")
    print(f"   total  RSS {total['rss_mb']:7.1f} MB  PSS {total['pss_mb']:7.1f} MB")
    if unique is not None:
        print(f"   each page once: {total['unique_mb']:7.1f} MB")


if __name__ == "__main__":
    main()
