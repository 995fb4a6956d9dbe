"""job_create: validation with readable reasons, queueing, and reuse of identical requests."""

from __future__ import annotations

import pytest

from synthesis import services
from synthesis.models import SynthesisJob
from synthesis.tts.types import InvalidRequest
from tests.conftest import TEST_VOICE

pytestmark = pytest.mark.django_db


def create(owner, **kwargs) -> SynthesisJob:
    return services.job_create(
        owner=owner, text=kwargs.pop("text", "你好，世界。"), voice=TEST_VOICE, **kwargs
    )


def test_a_new_job_is_queued_with_its_parameters_and_engine(alice):
    job = create(alice, emotion="happy", speed=1.5, pitch=2, volume=-3, output_format="flac")
    assert job.status == SynthesisJob.Status.QUEUED
    assert (job.emotion, job.speed, job.pitch, job.volume) == ("happy", 1.5, 2, -3)
    assert job.output_format == "flac"
    assert job.sample_rate == 16000  # the voice's own rate when none is asked for
    assert (job.engine, job.engine_version) == ("test", "tone/1")
    assert job.source == SynthesisJob.Source.API
    assert len(job.text_hash) == 64


def test_the_queue_task_is_sent_after_commit(alice, django_capture_on_commit_callbacks):
    from django_q.models import OrmQ

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = create(alice)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.task_id
    if OrmQ.objects.exists():  # ORM broker: the task row is in this database
        assert OrmQ.objects.filter(key="tts").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "empty"),
        ({"text": "字" * 5001}, "too long"),
        ({"emotion": "bored"}, "Unknown emotion"),
        ({"voice": "nobody"}, "Unknown voice"),
        ({"speed": 3.0}, "speed"),
        ({"pitch": -13}, "pitch"),
        ({"output_format": "aiff"}, "Unknown format"),
        ({"sample_rate": 12345}, "sample rate"),
        ({"output_format": "opus", "sample_rate": 22050}, "8000, 16000, 24000, 48000"),
    ],
)
def test_a_bad_request_is_refused_with_a_reason(alice, kwargs, message):
    kwargs = {"text": "你好。", "voice": TEST_VOICE, **kwargs}
    with pytest.raises(InvalidRequest, match=message):
        services.job_create(owner=alice, **kwargs)
    assert not SynthesisJob.objects.exists()


def test_a_full_queue_refuses_new_jobs(alice, make_job, settings):
    settings.TTS_MAX_QUEUED_JOBS = 2
    make_job(alice, status=SynthesisJob.Status.QUEUED)
    make_job(alice, status=SynthesisJob.Status.QUEUED)
    with pytest.raises(services.QueueFull):
        create(alice)


def test_fingerprint_ignores_whitespace_and_width_but_not_controls():
    base = dict(
        voice="v",
        emotion="happy",
        intensity=1,
        speed=1,
        pitch=0,
        volume=0,
        output_format="wav",
        sample_rate=24000,
        engine_version="1",
    )
    a = services.request_fingerprint(text="你好，  世界 ２０２４", **base)
    b = services.request_fingerprint(text=" 你好, 世界 2024", **base)
    c = services.request_fingerprint(text="你好，  世界 ２０２４", **{**base, "speed": 1.1})
    assert a == b
    assert a != c


def finished_copy(job: SynthesisJob) -> SynthesisJob:
    """Run a queued job in-process, as a worker would."""
    return services.job_run(job_id=job.pk)


def test_identical_request_reuses_the_finished_audio(alice, bob):
    original = finished_copy(create(alice, text="同样的话。"))
    assert original.status == SynthesisJob.Status.SUCCEEDED
    again = create(bob, text=" 同样的话。 ")
    assert again.status == SynthesisJob.Status.SUCCEEDED  # no queue, no synthesis
    assert again.reused_from == original
    assert again.audio.name == original.audio.name
    assert again.duration == original.duration
    assert again.owner == bob


def test_reuse_can_be_switched_off(alice, settings):
    settings.TTS_REUSE_IDENTICAL = False
    finished_copy(create(alice, text="同样的话。"))
    again = create(alice, text="同样的话。")
    assert again.status == SynthesisJob.Status.QUEUED
    assert again.reused_from is None


def test_different_controls_are_not_reused(alice):
    finished_copy(create(alice, text="同样的话。"))
    other = create(alice, text="同样的话。", speed=1.2)
    assert other.status == SynthesisJob.Status.QUEUED


def test_purged_audio_is_not_reused(alice):
    original = finished_copy(create(alice, text="同样的话。"))
    services.job_purge_audio(job=original)
    assert create(alice, text="同样的话。").status == SynthesisJob.Status.QUEUED


def test_rerun_makes_a_new_job_with_the_same_parameters(alice, staff):
    original = finished_copy(create(alice, text="再来一次。", emotion="sad", pitch=3))
    rerun = services.job_rerun(job=original, owner=staff)
    assert rerun.pk != original.pk
    assert rerun.status == SynthesisJob.Status.QUEUED  # never reused: a re-run synthesizes
    assert (rerun.text, rerun.emotion, rerun.pitch) == ("再来一次。", "sad", 3)
    assert rerun.source == SynthesisJob.Source.ADMIN
    assert rerun.owner == staff


def test_a_broker_failure_fails_the_job_instead_of_leaving_it_queued(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("django_q.tasks.async_task", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = create(alice)
    job.refresh_from_db()
    assert job.status == SynthesisJob.Status.FAILED
    assert "redis is down" in job.error_message
