"""Thin django-q2 entry points: each calls one service function and returns a small summary."""

from __future__ import annotations

from . import services
from .memory import release_memory


def run_job(job_id: str) -> str:
    try:
        job = services.job_run(job_id=job_id)
    finally:
        release_memory()  # the pass's activations go back to the OS, not to an idle worker
    return f"{job_id}: {job.status if job else 'gone'}"


def prune_audio() -> str:
    report = services.audio_prune(dry_run=False)
    return (
        f"purged {len(report.files)} files of {len(report.jobs)} jobs, "
        f"{len(report.orphans)} orphans, {report.bytes_freed} bytes"
    )


def reap_jobs() -> str:
    report = services.jobs_reap()
    return (
        f"requeued {len(report.requeued)}, failed {len(report.failed)}, "
        f"re-sent {len(report.resent)} lost"
    )
