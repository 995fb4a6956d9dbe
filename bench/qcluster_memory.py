"""Memory of a running qcluster: RSS and PSS of each of its processes, and the totals.

    python bench/qcluster_memory.py [--json]

Run it beside `manage.py serve` after the workers have served requests. RSS counts pages shared
between processes (weights, libraries) once per process; PSS splits them, so the PSS total is
what the cluster really costs the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path


def rollup(pid: str) -> dict[str, float]:
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return {
        key.lower(): int(re.search(rf"^{key}:\s+(\d+)", text, re.M).group(1)) / 1024
        for key in ("Rss", "Pss")
    }


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
    if args.json:
        print(json.dumps({**total, "per_process": rows}))
        return
    for r in rows:
        print(f"{r['pid']:>8}  RSS {r['rss']:7.1f} MB  PSS {r['pss']:7.1f} MB")
    print(f"   total  RSS {total['rss_mb']:7.1f} MB  PSS {total['pss_mb']:7.1f} MB")


if __name__ == "__main__":
    main()
