"""Round trip of short prompts through the running service (API, queue, worker, WAV, SQLite).

    .venv/bin/python manage.py serve --bind 127.0.0.1:8123 &      # in another terminal
    TOKEN=$(.venv/bin/python manage.py create_api_token admin | tail -n 1)
    .venv/bin/python bench/short_prompts.py --url http://127.0.0.1:8123 --token $TOKEN

Posts `--count` different IVR-style prompts one after another with `?wait=30` (each is new, so
none reuses an earlier file) and prints the median round trip, plus, from the database of the
same checkout, how long each job waited for a worker and how long the worker took.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import urllib.request
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--count", type=int, default=12)
    args = parser.parse_args()

    base = random.randint(100_000, 800_000)
    trips, ids = [], []
    for i in range(args.count):
        body = json.dumps({"text": f"您好，您的验证码是{base + i}。"}).encode()
        request = urllib.request.Request(
            f"{args.url}/api/tts?wait=30",
            data=body,
            headers={"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        trips.append(time.perf_counter() - started)
        if answer.get("status") != "success":
            print(f"prompt {i}: {answer}", file=sys.stderr)
            return 1
        ids.append(answer["id"])
    warm = trips[2:] or trips
    print(
        f"round trip: median {1000 * statistics.median(warm):.0f} ms "
        f"(min {1000 * min(trips):.0f}, max {1000 * max(trips):.0f}) over {len(trips)} prompts"
    )

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ttsproject.settings")
    import django

    django.setup()
    from synthesis.models import SynthesisJob

    jobs = SynthesisJob.objects.filter(pk__in=ids[2:] or ids)
    waited = [(j.started_at - j.created_at).total_seconds() for j in jobs if j.started_at]
    worked = [(j.finished_at - j.started_at).total_seconds() for j in jobs if j.finished_at]
    if waited and worked:
        print(
            f"queue wait: median {1000 * statistics.median(waited):.0f} ms; worker: median "
            f"{1000 * statistics.median(worked):.0f} ms; audio {jobs[0].duration:.1f} s each"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
