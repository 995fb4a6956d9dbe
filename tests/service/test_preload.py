"""Workers load the default voice when they start, so the first job does not wait for it."""

from __future__ import annotations

import time

import pytest

from tests.conftest import TEST_VOICE, start_qcluster, stop_qcluster

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
