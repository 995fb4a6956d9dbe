"""jobs_reap: a running job whose worker went silent is requeued, then failed for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from synthesis import services
from synthesis.models import SynthesisJob

pytestmark = pytest.mark.django_db
Status = SynthesisJob.Status


@pytest.fixture
def stale_job(alice, make_job):
    def make(*, attempts: int, silent_for: float = 600, **fields):
        started = timezone.now() - timedelta(seconds=silent_for + 5)
        return make_job(
            alice,
            status=Status.RUNNING,
            attempts=attempts,
            worker="deadhost:123:abcd",
            started_at=started,
            heartbeat_at=timezone.now() - timedelta(seconds=silent_for),
            progress_done=1,
            progress_total=3,
            **fields,
        )

    return make


def test_a_stale_running_job_is_requeued_and_the_next_run_counts_an_attempt(stale_job):
    job = stale_job(attempts=1)
    report = services.jobs_reap()
    assert report.requeued == [job.pk]
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert (job.worker, job.heartbeat_at, job.progress_done) == ("", None, 0)
    job = services.job_run(job_id=job.pk)
    assert job.status == Status.SUCCEEDED
    assert job.attempts == 2


def test_a_job_past_max_attempts_fails_with_a_reason(stale_job, settings):
    settings.TTS_MAX_ATTEMPTS = 3
    job = stale_job(attempts=3)
    report = services.jobs_reap()
    assert report.failed == [job.pk]
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "3 attempts" in job.error_message
    assert job.finished_at is not None


def test_a_job_with_a_recent_heartbeat_is_left_running(stale_job, settings):
    settings.TTS_STALE_AFTER_SECONDS = 120
    job = stale_job(attempts=1, silent_for=30)
    assert services.jobs_reap().requeued == []
    job.refresh_from_db()
    assert job.status == Status.RUNNING


def test_requeue_and_give_up_over_several_deaths(stale_job, settings):
    """attempts 1 → requeue, run dies again (2) → requeue, dies (3) → failed."""
    settings.TTS_MAX_ATTEMPTS = 3
    job = stale_job(attempts=1)
    for expected_attempts in (2, 3):
        services.jobs_reap()
        # a worker claims it and dies again: simulate the claim's bookkeeping
        SynthesisJob.objects.filter(pk=job.pk).update(
            status=Status.RUNNING,
            attempts=expected_attempts,
            worker="deadhost:124:beef",
            heartbeat_at=timezone.now() - timedelta(hours=1),
        )
    services.jobs_reap()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.attempts == 3


def test_a_late_heartbeat_from_the_old_run_cannot_revive_a_requeued_job(stale_job):
    job = stale_job(attempts=1)
    old_token = job.worker
    services.jobs_reap()
    # the "dead" worker wakes up and tries to finish: its updates are keyed on its token
    changed = SynthesisJob.objects.filter(
        pk=job.pk, status=Status.RUNNING, worker=old_token
    ).update(status=Status.SUCCEEDED)
    assert changed == 0
