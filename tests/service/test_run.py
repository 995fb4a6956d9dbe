"""job_run in-process: success, failure, cancel and delete, and who may change state when."""

from __future__ import annotations

import pytest
import soundfile
from django.core.files.storage import default_storage

from synthesis import services
from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE

pytestmark = pytest.mark.django_db
Status = SynthesisJob.Status


def queued(owner, text="第一句，第二句。第三句！", **kwargs) -> SynthesisJob:
    return services.job_create(owner=owner, text=text, voice=TEST_VOICE, **kwargs)


def test_a_run_produces_audio_progress_and_timings(alice):
    job = services.job_run(job_id=queued(alice, output_format="flac").pk)
    assert job.status == Status.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.progress) == (3, 3, 1.0)
    assert job.attempts == 1
    assert job.audio.name.startswith("audio/") and job.audio.name.endswith(".flac")
    with default_storage.open(job.audio.name) as handle:
        samples, rate = soundfile.read(handle)
    assert rate == 16000
    assert job.duration == pytest.approx(len(samples) / rate, abs=1e-3)
    assert job.size_bytes == default_storage.size(job.audio.name)
    assert job.started_at <= job.finished_at
    assert job.synthesis_seconds is not None and job.rtf is not None
    assert job.heartbeat_at is not None


def test_resampling_to_the_asked_rate(alice):
    job = services.job_run(job_id=queued(alice, sample_rate=8000).pk)
    assert soundfile.info(default_storage.path(job.audio.name)).samplerate == 8000


def test_opus_jobs_are_ogg_opus_files(alice):
    job = services.job_run(job_id=queued(alice, output_format="opus", sample_rate=48000).pk)
    assert job.status == Status.SUCCEEDED and job.audio.name.endswith(".opus")
    with default_storage.open(job.audio.name) as handle:
        data = handle.read()
    assert data.startswith(b"OggS") and b"OpusHead" in data[:200]
    info = soundfile.info(default_storage.path(job.audio.name))
    assert (info.format, info.subtype, info.samplerate) == ("OGG", "OPUS", 48000)
    assert job.duration == pytest.approx(info.duration, abs=0.05)
    wav = services.job_run(job_id=queued(alice, sample_rate=48000).pk)
    assert job.size_bytes * 5 < wav.size_bytes  # speech-sized, not PCM-sized


def test_a_failing_engine_ends_the_job_failed_with_a_readable_reason(alice):
    job = services.job_run(job_id=queued(alice, text="一，二，三，四。[fail]").pk)
    assert job.status == Status.FAILED
    assert "the tone generator broke down" in job.error_message
    assert "Traceback" not in job.error_message
    assert not job.audio
    assert job.finished_at is not None


def test_running_a_job_twice_does_nothing_the_second_time(alice):
    job = queued(alice)
    services.job_run(job_id=job.pk)
    again = services.job_run(job_id=job.pk)
    assert again.status == Status.SUCCEEDED
    assert again.attempts == 1


def test_a_missing_job_is_ignored(db):
    import uuid

    assert services.job_run(job_id=uuid.uuid4()) is None


def test_cancel_a_queued_job_then_the_worker_leaves_it_alone(alice):
    job = services.job_cancel(job=queued(alice))
    assert job.status == Status.CANCELLED
    assert job.finished_at is not None
    job = services.job_run(job_id=job.pk)
    assert job.status == Status.CANCELLED
    assert not job.audio


def test_a_finished_job_cannot_be_cancelled(alice):
    job = services.job_run(job_id=queued(alice).pk)
    with pytest.raises(services.JobStateError):
        services.job_cancel(job=job)


def test_cancel_while_running_stops_at_the_next_clause(alice, monkeypatch):
    """The worker sees the cancel between clauses and drops the partial audio."""
    from tests import engines

    job = queued(alice, text="一，二，三，四，五。")
    real_stream = engines.ToneEngine.stream

    def stream_and_cancel(self, request, **options):
        for chunk in real_stream(self, request, **options):
            if chunk.index == 1:
                services.job_cancel(job=SynthesisJob.objects.get(pk=job.pk))
            yield chunk

    monkeypatch.setattr(engines.ToneEngine, "stream", stream_and_cancel)
    result = services.job_run(job_id=job.pk)
    assert result.status == Status.CANCELLED
    assert result.progress_done == 1  # the clause after the cancel was not recorded
    assert not result.audio
    assert not default_storage.exists("audio") or not default_storage.listdir("audio")[1]


def test_delete_keeps_an_audit_row_without_text_or_audio(alice):
    job = services.job_run(job_id=queued(alice).pk)
    name = job.audio.name
    job = services.job_delete(job=job)
    assert job.deleted_at is not None
    assert job.text == ""
    assert job.audio_purged_at is not None
    assert not default_storage.exists(name)
    assert SynthesisJob.objects.filter(pk=job.pk).exists()
    assert (job.owner, job.voice, job.status) == (alice, TEST_VOICE, Status.SUCCEEDED)


def test_delete_of_a_queued_job_cancels_it(alice):
    job = services.job_delete(job=queued(alice))
    assert job.status == Status.CANCELLED and job.deleted_at is not None


def test_deleting_one_of_two_jobs_sharing_a_file_keeps_the_file(alice, bob):
    original = services.job_run(job_id=queued(alice, text="共享。").pk)
    reuse = queued(bob, text="共享。")
    assert reuse.reused_from == original
    services.job_delete(job=original)
    assert default_storage.exists(reuse.audio.name)  # bob's job still points at it
    reuse.refresh_from_db()
    assert reuse.has_audio
    services.job_delete(job=reuse)
    assert not default_storage.exists(reuse.audio.name)
