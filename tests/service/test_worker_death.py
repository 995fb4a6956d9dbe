"""A worker killed in the middle of a job does not lose it: the reaper hands it to another."""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from synthesis import services
from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE, wait_final, wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]
Status = SynthesisJob.Status


def test_a_killed_worker_s_job_is_requeued_and_finished_by_a_new_worker(qcluster, alice):
    job = services.job_create(
        owner=alice, text="[sleep=0.5]一，二，三，四，五，六。", voice=TEST_VOICE, reuse=False
    )
    job = wait_for(job, lambda j: j.status == Status.RUNNING and j.progress_done >= 1)
    pid = int(job.worker.split(":")[1])
    os.kill(pid, signal.SIGKILL)  # the worker dies mid-job, as in an OOM kill

    # Its job stays `running` until its heartbeat goes stale; then the reaper requeues it.
    later = timezone.now() + timedelta(seconds=settings.TTS_STALE_AFTER_SECONDS + 1)
    report = services.jobs_reap(now=later)
    assert report.requeued == [job.pk]

    job = wait_final(job, timeout=60)
    assert job.status == Status.SUCCEEDED, job.error_message
    assert job.attempts == 2
    assert int(job.worker.split(":")[1]) != pid  # django-q2 started a fresh worker
    assert default_storage.exists(job.audio.name)
