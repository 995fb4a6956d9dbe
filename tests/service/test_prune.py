"""audio_prune: by age, count and total size, orphans, dry runs, and shared (reused) files."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from synthesis import services
from synthesis.models import SynthesisJob

pytestmark = pytest.mark.django_db


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


@pytest.fixture
def limits(settings):
    settings.TTS_PRUNE_MAX_AGE_DAYS = 30
    settings.TTS_PRUNE_MAX_FILES = 100
    settings.TTS_PRUNE_MAX_TOTAL_MB = 100
    settings.TTS_PRUNE_ORPHAN_GRACE_MINUTES = 60
    return settings


def purged(job: SynthesisJob) -> bool:
    job.refresh_from_db()
    return job.audio_purged_at is not None and not default_storage.exists(job.audio.name)


def kept(job: SynthesisJob) -> bool:
    job.refresh_from_db()
    return job.audio_purged_at is None and default_storage.exists(job.audio.name)


def test_old_audio_goes_and_the_row_stays(alice, make_job, limits):
    old = make_job(alice, audio=True, finished_at=ago(days=31))
    new = make_job(alice, audio=True, finished_at=ago(days=29))
    report = services.audio_prune()
    assert report.reasons == {old.audio.name: "age"}
    assert purged(old) and kept(new)
    assert SynthesisJob.objects.filter(pk=old.pk).exists()


def test_only_the_newest_files_are_kept_by_count(alice, make_job, limits):
    limits.TTS_PRUNE_MAX_FILES = 2
    jobs = [make_job(alice, audio=True, finished_at=ago(minutes=m)) for m in (1, 2, 3, 4)]
    report = services.audio_prune()
    assert set(report.reasons.values()) == {"count"}
    assert [kept(j) for j in jobs] == [True, True, False, False]


def test_total_size_is_capped_newest_first(alice, make_job, limits):
    jobs = [make_job(alice, audio=True, finished_at=ago(minutes=m)) for m in (1, 2, 3)]
    size = jobs[0].size_bytes
    limits.TTS_PRUNE_MAX_TOTAL_MB = (2 * size + 10) / (1024 * 1024)
    services.audio_prune()
    assert [kept(j) for j in jobs] == [True, True, False]


def test_a_dry_run_changes_nothing(alice, make_job, limits):
    limits.TTS_PRUNE_MAX_FILES = 1
    jobs = [make_job(alice, audio=True, finished_at=ago(minutes=m)) for m in (1, 2, 3)]
    report = services.audio_prune(dry_run=True)
    assert len(report.files) == 2 and report.bytes_freed > 0
    assert all(kept(j) for j in jobs)


def orphan(name: str, age_minutes: float) -> str:
    name = default_storage.save(f"audio/2020/01/01/{name}", ContentFile(b"RIFF...."))
    old = time.time() - age_minutes * 60
    os.utime(default_storage.path(name), (old, old))
    return name


def test_orphan_files_are_swept_after_a_grace_period(alice, make_job, limits):
    job = make_job(alice, audio=True)
    stray = orphan("stray.wav", age_minutes=120)
    fresh = orphan("being-written.wav", age_minutes=1)
    report = services.audio_prune()
    assert report.orphans == [stray]
    assert not default_storage.exists(stray)
    assert default_storage.exists(fresh)
    assert kept(job)


def test_a_dry_run_does_not_sweep_orphans(limits, db):
    stray = orphan("stray.wav", age_minutes=120)
    assert services.audio_prune(dry_run=True).orphans == [stray]
    assert default_storage.exists(stray)


def test_a_shared_file_is_as_young_as_its_newest_job(alice, bob, make_job, limits):
    """Reuse: an old job's file is kept while a recent job still points at it."""
    original = make_job(alice, audio=True, finished_at=ago(days=40))
    reuse = make_job(
        bob,
        finished_at=ago(days=1),
        audio=original.audio.name,
        size_bytes=original.size_bytes,
        reused_from=original,
    )
    services.audio_prune()
    assert kept(original) and kept(reuse)


def test_a_shared_file_goes_with_all_its_jobs(alice, bob, make_job, limits):
    limits.TTS_PRUNE_MAX_FILES = 1
    shared = make_job(alice, audio=True, finished_at=ago(minutes=10))
    make_job(bob, finished_at=ago(minutes=9), audio=shared.audio.name, reused_from=shared)
    newest = make_job(alice, audio=True, finished_at=ago(minutes=1))
    report = services.audio_prune()
    assert len(report.files) == 1 and len(report.jobs) == 2  # one file, counted once
    assert purged(shared) and kept(newest)
    assert SynthesisJob.objects.filter(audio_purged_at__isnull=False).count() == 2


def test_a_file_purged_from_one_job_stays_for_another(alice, bob, make_job, limits):
    shared = make_job(alice, audio=True)
    reuse = make_job(bob, audio=shared.audio.name, reused_from=shared)
    assert services.job_purge_audio(job=shared) is True
    assert kept(reuse)
