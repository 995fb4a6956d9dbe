"""Workers load the default voice when they start, so the first job does not wait for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, TEST_VOICE, start_qcluster, stop_qcluster

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]


def wait_for_builds(cluster, timeout: float = 30.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if builds := cluster.engine_builds():
            return builds
        time.sleep(0.2)
    return []


def test_each_worker_builds_the_default_engine_before_any_job(tmp_path):
    cluster = start_qcluster(tmp_path, TTS_DEFAULT_VOICE=TEST_VOICE, TTS_WORKERS="2")
    try:
        builds = wait_for_builds(cluster)
        deadline = time.monotonic() + 15
        while len(set(builds)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            builds = cluster.engine_builds()
        assert len(set(builds)) == 2, cluster.log()[-2000:]  # once in each worker process
    finally:
        stop_qcluster(cluster)


def test_preloading_can_be_switched_off(tmp_path):
    cluster = start_qcluster(
        tmp_path, TTS_DEFAULT_VOICE=TEST_VOICE, TTS_PRELOAD_ENGINE="0", TTS_WORKERS="1"
    )
    try:
        assert wait_for_builds(cluster, timeout=5.0) == []
    finally:
        stop_qcluster(cluster)


def test_the_main_process_loads_what_workers_can_share_before_it_forks(tmp_path):
    """The qcluster's main process holds the text frontend and the runtimes' modules before
    forking, so the workers share those pages (signals.preload_shared), and the workers
    still build their engines after the fork."""
    cluster = start_qcluster(tmp_path, TTS_DEFAULT_VOICE=TEST_VOICE, TTS_WORKERS="2")
    try:
        builds = wait_for_builds(cluster)
        assert builds, cluster.log()[-2000:]
        maps = Path(f"/proc/{cluster.process.pid}/maps").read_text()
        assert "onnxruntime_pybind11_state" in maps, "onnxruntime imported before the fork"
    finally:
        stop_qcluster(cluster)


def test_preload_shared_loads_the_frontend_and_freezes_it_out_of_the_collector():
    code = (
        "import django, gc, sys; django.setup()\n"
        "from synthesis import signals\n"
        "assert 'jieba' not in sys.modules and gc.get_freeze_count() == 0\n"
        "tracked = len(gc.get_objects())\n"
        "signals.preload_shared()\n"
        "from synthesis.tts.frontend import segment\n"
        "assert segment.init_seconds() is not None, 'the segmenter is loaded'\n"
        "assert 'onnxruntime' in sys.modules\n"
        # The warm text's per-character dictionary entries are parsed before the fork too.
        "from synthesis.tts.frontend import pinyin\n"
        "store = segment._pos_tokenizer.tokenizer.FREQ._s\n"
        "for c in '您验证码输':\n"
        "    assert c in store._freq and c in pinyin._store._buckets, c\n"
        # Frozen after loading: Django's objects and the newly loaded ones (measured 55.9k
        # before, 75.8k frozen).
        "assert gc.get_freeze_count() > tracked + 10_000, (tracked, gc.get_freeze_count())\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ttsproject.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_web_process_imports_its_views_at_start_but_loads_no_network():
    """ttsproject/wsgi.py imports what the first request would (signals.preload_web: the
    URLconf, DRF's serializers, the engine's module) and builds the default engine's object
    without loading its networks: no runtime in the web process."""
    code = (
        "import sys\n"
        "import ttsproject.wsgi\n"
        "for name in ('ttsproject.urls', 'synthesis.api.views', 'rest_framework.serializers',\n"
        "             'drf_spectacular.views', 'synthesis.tts.builtin'):\n"
        "    assert name in sys.modules, name\n"
        "from synthesis.tts import registry\n"
        "assert registry.loaded_engine_names() == ['builtin'], registry.loaded_engine_names()\n"
        "assert registry.engine('builtin')._vocoder is None, 'the networks are not loaded'\n"
        "for name in ('openvino', 'onnxruntime', 'torch', 'jieba'):\n"
        "    assert name not in sys.modules, name\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ttsproject.settings"}
    env.pop("TTS_DEFAULT_VOICE", None)  # the built-in voice
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "could not preload" not in done.stderr, done.stderr[-2000:]
