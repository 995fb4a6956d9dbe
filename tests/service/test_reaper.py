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


# --- queued jobs whose broker task was lost -------------------------------------------------------


def orm_task_ids() -> set[str]:
    from django_q.models import OrmQ

    return {row.task_id() for row in OrmQ.objects.all()}


@pytest.fixture
def queued_job(alice, settings, django_capture_on_commit_callbacks):
    """A job queued through the service, its task in the ORM broker (no cluster reads it)."""
    settings.TTS_REQUEUE_QUEUED_AFTER_SECONDS = 900

    def make(text: str = "你好，世界。") -> SynthesisJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = services.job_create(owner=alice, text=text)
        job.refresh_from_db()
        assert job.status == Status.QUEUED and job.task_id in orm_task_ids()
        return job

    return make


def later(seconds: float = 901):
    return timezone.now() + timedelta(seconds=seconds)


def test_a_queued_job_whose_queue_row_was_deleted_is_sent_again(
    queued_job, django_capture_on_commit_callbacks
):
    from django_q.models import OrmQ

    job = queued_job()
    lost_task = job.task_id
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.jobs_reap(now=later())
    assert report.resent == [job.pk] and report.requeued == []
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert job.requeued_at is not None
    assert job.task_id != lost_task and job.task_id in orm_task_ids()
    # sent once: the next round finds the new task in the queue
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_reap(now=later(2000)).resent == []
    assert OrmQ.objects.count() == 1


def test_a_recently_queued_job_is_left_alone(queued_job):
    from django_q.models import OrmQ

    job = queued_job()
    OrmQ.objects.all().delete()
    assert services.jobs_reap(now=later(600)).resent == []
    job.refresh_from_db()
    assert job.requeued_at is None


def test_an_old_queued_job_whose_task_is_still_waiting_is_left_alone(queued_job):
    job = queued_job()
    assert services.jobs_reap(now=later()).resent == []
    job.refresh_from_db()
    assert job.requeued_at is None


def test_with_redis_an_old_queued_job_is_sent_again_without_looking(
    queued_job, monkeypatch, django_capture_on_commit_callbacks
):
    """Redis cannot be searched by task id: re-send after the long wait; job_run is idempotent."""
    from django_q.conf import Conf

    job = queued_job()
    monkeypatch.setattr(Conf, "ORM", None)
    sent = []
    monkeypatch.setattr(services, "_enqueue", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.jobs_reap(now=later()).resent == [job.pk]
    assert sent == [job.pk]


def test_a_stale_running_job_requeued_by_the_reaper_waits_its_full_time_again(stale_job):
    job = stale_job(attempts=1)
    services.jobs_reap()
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.requeued_at is not None
    # created long ago, but queued again just now: not "lost" yet
    assert services.jobs_reap(now=later(600)).resent == []


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_lost_queued_job_is_sent_again_and_finishes_on_the_cluster(
    qcluster, alice, monkeypatch, settings
):
    from tests.conftest import wait_final

    settings.TTS_REQUEUE_QUEUED_AFTER_SECONDS = 900
    with monkeypatch.context() as lost:  # the broker message never arrives
        lost.setattr(services, "_enqueue_on_commit", lambda job_id: None)
        job = services.job_create(owner=alice, text="丢失的任务，再来一次。")
    SynthesisJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(hours=1), task_id="deleted-from-the-queue"
    )
    assert services.jobs_reap().resent == [job.pk]
    job = wait_final(job)
    assert job.status == Status.SUCCEEDED
    assert job.attempts == 1
    assert job.task_id != "deleted-from-the-queue"
