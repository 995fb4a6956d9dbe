"""Benchmark of the built-in voice: the 158-character paragraph, text to waveform, on the CPU.

    python bench/engine.py [--threads 2] [--runs 5] [--json]

Prints paragraph seconds (median of warm runs), RTF, time to the first chunk of `stream()`,
engine load seconds, peak RSS, and the audio throughput of two requests synthesized at once.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PARAGRAPH = (
    "春天来了，城市边上的小河慢慢解冻，岸边的柳树抽出了嫩绿的新芽。每天早上，附近的居民都会沿着"
    "河边散步，有的人打太极拳，有的人遛狗，还有几个孩子在草地上放风筝。公园管理处最近增加了几排长椅"
    "和一个小小的图书角，让大家在休息的时候也能读上几页书。傍晚时分，夕阳把河面染成了金色。很多人说，"
    "这里已经成了他们一天中最喜欢的地方。"
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    import torch

    from synthesis.tts.builtin import create
    from synthesis.tts.types import SynthesisRequest

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    engine = create(threads=args.threads)
    engine.load()
    load_seconds = time.perf_counter() - started
    request = SynthesisRequest(text=PARAGRAPH)

    audio = engine.synthesize(request)  # warm-up
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        audio = engine.synthesize(request)
        times.append(time.perf_counter() - t0)
    paragraph_seconds = statistics.median(times)

    firsts = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        stream = engine.stream(request)
        next(stream)
        firsts.append(time.perf_counter() - t0)
        stream.close()
    first_chunk_seconds = statistics.median(firsts)

    # Two requests at once, each thread with its share of the cores.
    durations: list[float] = []

    def worker() -> None:
        durations.append(engine.synthesize(request).duration)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    concurrent = sum(durations) / (time.perf_counter() - t0)

    result = {
        "paragraph_chars": len(PARAGRAPH),
        "audio_seconds": round(audio.duration, 3),
        "paragraph_seconds": round(paragraph_seconds, 4),
        "rtf": round(paragraph_seconds / audio.duration, 5),
        "first_chunk_seconds": round(first_chunk_seconds, 4),
        "load_seconds": round(load_seconds, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "concurrent_audio_per_second": round(concurrent, 1),
        "threads": args.threads,
        "runs": args.runs,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
