"""Ten IVR-style prompts through the engine, as a stream a listener waits for and as a whole file.

    .venv/bin/python bench/short_texts.py [--runs 15] [--backend B]

Per run, the ten prompts one after another with `stream(low_latency=True)` (the first pass's
first chunk in a call of its own, for an early first audio) and with `low_latency=False` (what
jobs and `synthesize()` use), alternated run by run in one process and one engine. Prints the
median wall and CPU milliseconds for the ten, and the median first chunk of each mode.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROMPTS = (
    "您好，您的验证码是482913。",
    "欢迎致电客服中心，请按一号键查询余额。",
    "您的快递已到达小区门口的驿站。",
    "会议将在十分钟后开始。",
    "请稍候，正在为您转接人工服务。",
    "感谢您的来电，再见！",
    "今天天气真好，我们一起去公园散步吧！",
    "您的账户余额为三百二十五元六角。",
    "前方到站是人民广场站，请从左侧车门下车。",
    "对不起，您输入的密码有误，请重新输入。",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--backend", default=None)
    args = parser.parse_args()

    from synthesis.tts.builtin import create
    from synthesis.tts.types import SynthesisRequest

    engine = create(backend=args.backend)
    engine.load()
    requests = [SynthesisRequest(text=t) for t in PROMPTS]
    modes = (True, False)
    results = {mode: {"wall": [], "cpu": [], "first": []} for mode in modes}
    for request in requests:  # every shape these prompts meet, once
        for mode in modes:
            list(engine.stream(request, low_latency=mode))
    for run in range(args.runs):
        for mode in modes if run % 2 == 0 else modes[::-1]:
            firsts = []
            wall, cpu = time.perf_counter(), time.process_time()
            for request in requests:
                started = time.perf_counter()
                for i, _chunk in enumerate(engine.stream(request, low_latency=mode)):
                    if i == 0:
                        firsts.append(time.perf_counter() - started)
            results[mode]["wall"].append(time.perf_counter() - wall)
            results[mode]["cpu"].append(time.process_time() - cpu)
            results[mode]["first"].append(statistics.median(firsts))
    print(f"backend {engine.backend}, {len(PROMPTS)} prompts, {args.runs} runs (medians)")
    for mode in modes:
        r = results[mode]
        print(
            f"low_latency={mode!s:5}: wall {1000 * statistics.median(r['wall']):.1f} ms, "
            f"CPU {1000 * statistics.median(r['cpu']):.1f} ms, "
            f"first chunk {1000 * statistics.median(r['first']):.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
