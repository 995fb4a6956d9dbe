"""The whole job lifecycle through a real `manage.py qcluster` subprocess."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from synthesis import services
from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE, wait_final, wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]
Status = SynthesisJob.Status


def submit(owner, text: str, **kwargs) -> SynthesisJob:
    return services.job_create(owner=owner, text=text, voice=TEST_VOICE, **kwargs)


def test_queued_running_succeeded_with_a_file(qcluster, alice):
    job = submit(alice, "[sleep=0.4]第一句，第二句，第三句。")
    assert job.status == Status.QUEUED
    seen_running = wait_for(job, lambda j: j.status == Status.RUNNING and j.progress_done >= 1)
    assert seen_running.progress_total == 3
    assert seen_running.heartbeat_at is not None
    job = wait_final(job)
    assert job.status == Status.SUCCEEDED, job.error_message
    assert job.progress == 1.0 and job.attempts == 1
    assert default_storage.exists(job.audio.name)
    assert default_storage.size(job.audio.name) == job.size_bytes > 44
    assert job.task_id
    assert job.worker  # host:pid:token of the worker that ran it


def test_a_failing_engine_ends_failed_with_a_readable_reason(qcluster, alice):
    job = wait_final(submit(alice, "一，二，三。[fail]"))
    assert job.status == Status.FAILED
    # in the worker's language (zh-hans by default): "合成失败：RuntimeError: ..."
    assert job.error_message.endswith("RuntimeError: the tone generator broke down")
    assert "Traceback" not in job.error_message
    assert not job.audio


def test_an_invalid_job_fails_without_a_traceback(qcluster, alice):
    # made invalid behind the service's back (e.g. a voice removed since): the worker says why.
    # Inside one transaction, so the task is only sent after the change.
    with transaction.atomic():
        job = submit(alice, "你好。")
        SynthesisJob.objects.filter(pk=job.pk).update(voice="gone")
    job = wait_final(job)
    assert job.status == Status.FAILED
    assert "unknown voice 'gone'" in job.error_message


def test_cancel_a_running_job(qcluster, alice):
    job = submit(alice, "[sleep=0.3]" + "，".join("一二三四五六七八九十") + "。")
    wait_for(job, lambda j: j.status == Status.RUNNING and j.progress_done >= 1)
    job = services.job_cancel(job=job)
    assert job.status == Status.CANCELLED
    stopped_at = job.progress_done
    # a later job runs, so the worker has left the cancelled one behind
    wait_final(submit(alice, "下一个。"))
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    assert job.progress_done <= stopped_at + 1
    assert not job.audio


def test_cancel_a_queued_job(qcluster, alice):
    busy = submit(alice, "[sleep=0.3]一，二，三，四。")  # one worker: the next job waits
    waiting = submit(alice, "等待中。")
    wait_for(busy, lambda j: j.status == Status.RUNNING)
    waiting.refresh_from_db()
    assert waiting.status == Status.QUEUED
    waiting = services.job_cancel(job=waiting)
    assert wait_final(busy).status == Status.SUCCEEDED
    wait_final(submit(alice, "之后。"))
    waiting.refresh_from_db()
    assert waiting.status == Status.CANCELLED
    assert waiting.attempts == 0 and not waiting.audio


def test_a_job_whose_worker_died_is_requeued_by_the_reaper_and_runs(qcluster, alice, make_job):
    job = make_job(
        alice,
        text="重新来过。",
        status=Status.RUNNING,
        attempts=1,
        worker="deadhost:1:dead",
        started_at=timezone.now() - timedelta(minutes=30),
        heartbeat_at=timezone.now() - timedelta(minutes=30),
        progress_done=0,
    )
    assert services.jobs_reap().requeued == [job.pk]
    job = wait_final(job)
    assert job.status == Status.SUCCEEDED
    assert job.attempts == 2


def test_the_engine_is_built_once_per_worker_process_not_per_task(qcluster, alice):
    jobs = [wait_final(submit(alice, f"第{n}个任务。")) for n in range(3)]
    assert all(j.status == Status.SUCCEEDED for j in jobs)
    worker_pids = {int(j.worker.split(":")[1]) for j in jobs}
    builds = qcluster.engine_builds()
    for pid in worker_pids:
        assert builds.count(pid) == 1
