"""The job service: the only code that creates jobs or changes their state, audio and files.

Views, the API, the admin, tasks and commands call these functions and nothing else writes a
`SynthesisJob`. Every state change after creation is a conditional UPDATE on the row (status and
the run token), so a cancel, a reaper and a worker can race without one overwriting another.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import socket
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import SynthesisJob, audio_upload_to
from .tts import formats, registry
from .tts.types import InvalidRequest, NothingToSpeak, SynthesisRequest, TTSError

logger = logging.getLogger(__name__)

Status = SynthesisJob.Status
TASK_RUN_JOB = "synthesis.tasks.run_job"
MAX_ERROR_CHARS = 1000


def failure(msgid: str, **params) -> dict[str, Any]:
    """The fields that record a failure: `error_message` in English, whatever language this
    process speaks, and `error_detail` with what `SynthesisJob.localized_error` translates."""
    params = {
        k: v if isinstance(v, int | float) else str(v)[:MAX_ERROR_CHARS] for k, v in params.items()
    }
    with translation.override("en"):
        text = _(msgid) % params if params else _(msgid)
    return {
        "error_message": text[:MAX_ERROR_CHARS],
        "error_detail": {"msgid": msgid, "params": params} if params else {"msgid": msgid},
    }


class QueueFull(TTSError):
    """Too many jobs are waiting; the client should retry later (HTTP 503)."""


class JobStateError(ValueError):
    """The job is not in a state that allows the operation (HTTP 409)."""


# --- creating -------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII) and collapsed whitespace."""
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(text.split())


def request_fingerprint(
    *,
    text: str,
    voice: str,
    emotion: str,
    intensity: float,
    speed: float,
    pitch: float,
    volume: float,
    output_format: str,
    sample_rate: int,
    engine_version: str,
) -> str:
    """Equal fingerprints mean byte-identical requests to the same engine build."""
    parts = [
        normalize_text(text),
        voice,
        emotion,
        f"{float(intensity):.4f}",
        f"{float(speed):.4f}",
        f"{float(pitch):.4f}",
        f"{float(volume):.4f}",
        output_format,
        str(int(sample_rate)),
        engine_version,
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _check_request(
    *,
    text: str,
    voice: str,
    emotion: str,
    intensity: float,
    speed: float,
    pitch: float,
    volume: float,
    output_format: str,
    sample_rate: int | None,
):
    """Readable, translated reasons for a bad request; the engine's own validate() backs it up."""
    if not text:
        raise InvalidRequest(_("The text is empty."))
    if not any(ch.isalnum() for ch in text):  # only punctuation, symbols or emoji
        raise NothingToSpeak(_("The text has nothing to speak."))
    if len(text) > settings.TTS_MAX_TEXT_CHARS:
        raise InvalidRequest(
            _("The text is too long: %(n)d characters, at most %(max)d are allowed.")
            % {"n": len(text), "max": settings.TTS_MAX_TEXT_CHARS}
        )
    if output_format not in formats.FORMATS:
        raise InvalidRequest(
            _("Unknown format %(fmt)s; choose one of %(choices)s.")
            % {"fmt": output_format, "choices": ", ".join(formats.FORMATS)}
        )
    if sample_rate is not None and sample_rate not in formats.SAMPLE_RATES:
        raise InvalidRequest(
            _("Unsupported sample rate %(rate)s; choose one of %(choices)s.")
            % {"rate": sample_rate, "choices": ", ".join(map(str, formats.SAMPLE_RATES))}
        )
    try:
        engine = registry.engine_for_voice(voice)
    except InvalidRequest:
        known = ", ".join(v.id for v in registry.voices())
        raise InvalidRequest(
            _("Unknown voice %(voice)s; available: %(choices)s.")
            % {"voice": voice, "choices": known}
        ) from None
    spec = engine.voice(voice)
    rates = formats.rates_for(output_format)
    if (sample_rate or spec.sample_rate) not in rates:
        raise InvalidRequest(
            _("The %(fmt)s format takes only these sample rates: %(choices)s.")
            % {"fmt": output_format, "choices": ", ".join(map(str, rates))}
        )
    if emotion not in spec.emotions:
        raise InvalidRequest(
            _("Unknown emotion %(emotion)s; choose one of %(choices)s.")
            % {"emotion": emotion, "choices": ", ".join(spec.emotions)}
        )
    engine.validate(
        SynthesisRequest(
            text=text,
            voice=voice,
            emotion=emotion,
            intensity=intensity,
            speed=speed,
            pitch=pitch,
            volume=volume,
            sample_rate=sample_rate,
        )
    )
    return engine, spec


def job_create(
    *,
    owner,
    text: str,
    voice: str | None = None,
    emotion: str = "neutral",
    intensity: float = 1.0,
    speed: float = 1.0,
    pitch: float = 0.0,
    volume: float = 0.0,
    output_format: str = "wav",
    sample_rate: int | None = None,
    source: str = SynthesisJob.Source.API,
    reuse: bool | None = None,
    client_model: str = "",
) -> SynthesisJob:
    """Validate, record and queue a request; an identical finished one may lend its audio.

    Raises `InvalidRequest` (a ValueError) for a bad request and `QueueFull` when too many jobs
    are waiting. The job is queued after the surrounding transaction commits. `client_model` is
    the `model` an OpenAI-compatible client named; it is recorded for the audit, not used.
    """
    text = (text or "").strip()
    controls = dict(
        voice=voice or settings.TTS_DEFAULT_VOICE,
        emotion=emotion,
        intensity=intensity,
        speed=speed,
        pitch=pitch,
        volume=volume,
        output_format=output_format,
    )
    engine, spec = _check_request(text=text, sample_rate=sample_rate, **controls)
    sample_rate = sample_rate or spec.sample_rate
    fingerprint = request_fingerprint(
        text=text, sample_rate=sample_rate, engine_version=engine.version, **controls
    )
    fields = dict(
        owner=owner,
        source=source,
        text=text,
        text_hash=fingerprint,
        sample_rate=sample_rate,
        engine=engine.name,
        engine_version=engine.version,
        client_model=(client_model or "")[:64],
        **controls,
    )
    reuse = settings.TTS_REUSE_IDENTICAL if reuse is None else reuse
    if reuse:
        original = _reusable_job(fingerprint)
        if original is not None:
            now = timezone.now()
            return SynthesisJob.objects.create(
                **fields,
                status=Status.SUCCEEDED,
                audio=original.audio.name,
                reused_from=original.reused_from or original,
                duration=original.duration,
                size_bytes=original.size_bytes,
                progress_done=original.progress_total,
                progress_total=original.progress_total,
                started_at=now,
                finished_at=now,
                synthesis_seconds=0.0,
                rtf=0.0,
            )
    if SynthesisJob.objects.filter(status=Status.QUEUED).count() >= settings.TTS_MAX_QUEUED_JOBS:
        raise QueueFull(_("The queue is full; please try again in a minute."))
    job = SynthesisJob.objects.create(**fields)
    _enqueue_on_commit(job.pk)
    return job


def _reusable_job(fingerprint: str) -> SynthesisJob | None:
    candidates = SynthesisJob.objects.filter(
        text_hash=fingerprint,
        status=Status.SUCCEEDED,
        audio_purged_at__isnull=True,
        deleted_at__isnull=True,
    ).exclude(audio="")
    for job in candidates.order_by("-finished_at")[:3]:
        if default_storage.exists(job.audio.name):
            return job
    return None


def _enqueue_on_commit(job_id) -> None:
    transaction.on_commit(lambda: _enqueue(job_id))


def _enqueue(job_id) -> None:
    from django_q.tasks import async_task

    try:
        task_id = async_task(TASK_RUN_JOB, str(job_id), task_name=f"tts-{job_id}")
    except Exception as exc:  # broker down: say so on the job rather than leave it queued
        logger.exception("could not queue job %s", job_id)
        SynthesisJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.FAILED,
            **failure(gettext_noop("The job could not be queued: %(error)s"), error=exc),
            finished_at=timezone.now(),
        )
        return
    SynthesisJob.objects.filter(pk=job_id).update(task_id=task_id or "")


def job_rerun(*, job: SynthesisJob, owner=None, source: str = SynthesisJob.Source.ADMIN):
    """A new job with the same parameters (never reusing audio: a re-run means synthesize)."""
    return job_create(
        owner=owner or job.owner,
        text=job.text,
        voice=job.voice,
        emotion=job.emotion,
        intensity=job.intensity,
        speed=job.speed,
        pitch=job.pitch,
        volume=job.volume,
        output_format=job.output_format,
        sample_rate=job.sample_rate,
        source=source,
        reuse=False,
    )


# --- running --------------------------------------------------------------------------------------


class _Heartbeat:
    """Touches `heartbeat_at` from a side thread while a long clause or a model load runs."""

    def __init__(self, job_id, token: str, interval: float) -> None:
        self.job_id, self.token, self.interval = job_id, token, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tts-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        if self.interval > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                SynthesisJob.objects.filter(
                    pk=self.job_id, status=Status.RUNNING, worker=self.token
                ).update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat only makes the reaper look sooner
            logger.warning("heartbeat of job %s failed", self.job_id, exc_info=True)
        finally:
            connection.close()


def _run_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def job_run(*, job_id) -> SynthesisJob | None:
    """Run one queued job to its end. Idempotent: a job that is not queued is left alone.

    Progress and heartbeats are written per clause; a cancel (status no longer `running` for this
    run's token) stops synthesis at the next clause and the partial audio is dropped.
    """
    token = _run_token()
    now = timezone.now()
    claimed = SynthesisJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        worker=token,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        progress_done=0,
        error_message="",
    )
    if not claimed:
        logger.info("job %s is not queued any more; nothing to do", job_id)
        return SynthesisJob.objects.filter(pk=job_id).first()
    job = SynthesisJob.objects.get(pk=job_id)
    mine = SynthesisJob.objects.filter(pk=job_id, status=Status.RUNNING, worker=token)
    try:
        with _Heartbeat(job_id, token, settings.TTS_HEARTBEAT_SECONDS):
            result = _synthesize(job, mine)
    except Exception as exc:  # any failure ends the job with a reason a person can read
        if isinstance(exc, NothingToSpeak):  # the engine's words are English; ours translate
            reason = failure(gettext_noop("The text has nothing to speak."))
        elif isinstance(exc, TTSError | ValueError):
            reason = failure(str(exc))  # the engine's own words (a message id if ours)
        else:
            reason = failure(
                gettext_noop("Synthesis failed: %(error)s"), error=f"{type(exc).__name__}: {exc}"
            )
            logger.exception("job %s failed", job_id)
        mine.update(
            status=Status.FAILED,
            **reason,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        return SynthesisJob.objects.get(pk=job_id)
    if result is None:
        logger.info("job %s was cancelled while running", job_id)
    return SynthesisJob.objects.filter(pk=job_id).first()


def _synthesize(job: SynthesisJob, mine) -> SynthesisJob | None:
    engine = registry.engine_for_voice(job.voice)
    request = SynthesisRequest(
        text=job.text,
        voice=job.voice,
        emotion=job.emotion,
        intensity=job.intensity,
        speed=job.speed,
        pitch=job.pitch,
        volume=job.volume,
        sample_rate=None,
    )
    load = getattr(engine, "load", None)  # weights load once per process, not in the timing
    if callable(load):
        load()
    started = time.monotonic()
    pieces = []
    rate = None
    # The job's file is wanted whole, so no early first chunk (fewer vocoder calls).
    for chunk in engine.stream(request, low_latency=False):
        pieces.append(chunk.samples)
        rate = chunk.sample_rate
        if chunk.last_of_clause:
            alive = mine.update(
                progress_done=chunk.index + 1,
                progress_total=chunk.total,
                heartbeat_at=timezone.now(),
            )
            if not alive:
                return None
    import numpy as np

    if rate is None:
        raise InvalidRequest(gettext_noop("The text has nothing to speak."))
    samples = np.concatenate(pieces).astype(np.float32, copy=False)
    from .tts.types import Audio

    audio = Audio(samples, rate)
    from .tts import audio as audio_codec  # numpy: only where audio is made

    data = audio_codec.encode(audio, job.output_format, job.sample_rate)
    elapsed = time.monotonic() - started
    name = default_storage.save(
        audio_upload_to(job, f"audio.{job.output_format}"), ContentFile(data)
    )
    finished = timezone.now()
    done = mine.update(
        status=Status.SUCCEEDED,
        audio=name,
        duration=round(audio.duration, 3),
        size_bytes=len(data),
        engine=engine.name,
        engine_version=engine.version,
        finished_at=finished,
        heartbeat_at=finished,
        synthesis_seconds=round(elapsed, 3),
        rtf=round(elapsed / audio.duration, 4) if audio.duration else None,
        progress_done=F("progress_total"),
    )
    if not done:  # cancelled (or reaped) while encoding: the file belongs to nobody
        default_storage.delete(name)
        return None
    return SynthesisJob.objects.get(pk=job.pk)


# --- cancelling and deleting ----------------------------------------------------------------------


def job_cancel(*, job: SynthesisJob) -> SynthesisJob:
    """Cancel a queued or running job at once; a running worker stops at its next clause."""
    now = timezone.now()
    changed = SynthesisJob.objects.filter(
        pk=job.pk, status__in=SynthesisJob.ACTIVE_STATUSES
    ).update(status=Status.CANCELLED, cancel_requested=True, finished_at=now)
    job.refresh_from_db()
    if not changed:
        raise JobStateError(
            _("Only queued or running jobs can be cancelled; this one is %(status)s.")
            % {"status": job.get_status_display()}
        )
    return job


def _file_in_use(name: str, *, exclude_pk=None) -> bool:
    live = SynthesisJob.objects.filter(
        audio=name, audio_purged_at__isnull=True, deleted_at__isnull=True
    )
    if exclude_pk is not None:
        live = live.exclude(pk=exclude_pk)
    return live.exists()


def _delete_file_unless_used(name: str) -> bool:
    if not name or _file_in_use(name):
        return False
    if default_storage.exists(name):
        default_storage.delete(name)
        return True
    return False


def job_delete(*, job: SynthesisJob) -> SynthesisJob:
    """Remove the text and the audio; the row stays as an audit trace (who, when, how much)."""
    if job.deleted_at is not None:
        return job
    if job.status in SynthesisJob.ACTIVE_STATUSES:
        try:
            job = job_cancel(job=job)
        except JobStateError:
            job.refresh_from_db()
    now = timezone.now()
    name = job.audio.name if job.audio else ""
    with transaction.atomic():
        SynthesisJob.objects.filter(pk=job.pk).update(
            deleted_at=now,
            text="",
            audio_purged_at=now if name else None,
        )
    _delete_file_unless_used(name)
    job.refresh_from_db()
    return job


def job_purge_audio(*, job: SynthesisJob) -> bool:
    """Drop one job's audio (the row stays, `audio_purged_at` set); False if it had none.

    The file itself goes only when no other live job (a reuse) still points at it.
    """
    name = job.audio.name if job.audio else ""
    if not name or job.audio_purged_at is not None:
        return False
    SynthesisJob.objects.filter(pk=job.pk).update(audio_purged_at=timezone.now())
    job.refresh_from_db()
    _delete_file_unless_used(name)
    return True


# --- the reaper -----------------------------------------------------------------------------------


@dataclass
class ReapReport:
    requeued: list = field(default_factory=list)  # running jobs whose worker died, queued again
    failed: list = field(default_factory=list)
    resent: list = field(default_factory=list)  # queued jobs whose broker task was lost


def jobs_reap(*, now: datetime | None = None) -> ReapReport:
    """Running jobs whose worker stopped beating: queue them again, or fail them for good.
    Queued jobs whose broker task is gone (Redis flushed, queue row deleted): send them again.

    `attempts` counts how often a worker started the job; past TTS_MAX_ATTEMPTS it fails.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.TTS_STALE_AFTER_SECONDS)
    report = ReapReport()
    stale = SynthesisJob.objects.filter(status=Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before)
    )
    for job in stale:
        same_run = SynthesisJob.objects.filter(pk=job.pk, status=Status.RUNNING, worker=job.worker)
        if job.attempts >= settings.TTS_MAX_ATTEMPTS:
            reason = failure(
                gettext_noop("The worker stopped responding; gave up after %(n)d attempts."),
                n=job.attempts,
            )
            if same_run.update(status=Status.FAILED, finished_at=now, **reason):
                report.failed.append(job.pk)
        elif same_run.update(
            status=Status.QUEUED,
            worker="",
            heartbeat_at=None,
            progress_done=0,
            started_at=None,
            requeued_at=now,
        ):
            report.requeued.append(job.pk)
            _enqueue_on_commit(job.pk)
    report.resent = _resend_lost(now)
    if report.requeued or report.failed or report.resent:
        logger.warning(
            "reaper: requeued %s, failed %s, re-sent %s",
            report.requeued,
            report.failed,
            report.resent,
        )
    return report


def _queued_task_ids() -> set[str] | None:
    """Ids of the tasks waiting in (or pulled from, not yet acknowledged by) the ORM broker.

    None when the broker cannot be looked into (Redis): its list cannot be searched by task id
    without popping it. A pulled ORM task keeps its row (locked) until a worker acknowledges it.
    """
    from django_q.conf import Conf

    if not Conf.ORM:
        return None
    from django_q.models import OrmQ

    return {row.task_id() for row in OrmQ.objects.using(Conf.ORM).all()}


def _resend_lost(now: datetime) -> list:
    """Queued for longer than TTS_REQUEUE_QUEUED_AFTER_SECONDS and no broker task: send again.

    The conditional update (still queued, same task id and `requeued_at` as read) lets only one
    of two racing reapers send; a duplicate message would be harmless anyway, since `job_run`
    only claims a `queued` job. With Redis we cannot see the queue, so a job queued that long
    is re-sent unconditionally: the limit is far above normal queueing (TTS_MAX_QUEUED_JOBS), and
    the worst case is one extra message that finds the job no longer queued and does nothing.
    """
    waited_before = now - timedelta(seconds=settings.TTS_REQUEUE_QUEUED_AFTER_SECONDS)
    old = (
        SynthesisJob.objects.filter(status=Status.QUEUED)
        .annotate(queued_since=Coalesce("requeued_at", "created_at"))
        .filter(queued_since__lt=waited_before)
        .only("pk", "task_id", "requeued_at")
    )
    jobs = list(old)
    if not jobs:
        return []
    live = _queued_task_ids()
    resent = []
    for job in jobs:
        if live is not None and job.task_id and job.task_id in live:
            continue
        claimed = SynthesisJob.objects.filter(
            pk=job.pk, status=Status.QUEUED, task_id=job.task_id, requeued_at=job.requeued_at
        ).update(requeued_at=now)
        if claimed:
            resent.append(job.pk)
            _enqueue_on_commit(job.pk)
    return resent


# --- pruning --------------------------------------------------------------------------------------


@dataclass
class PruneReport:
    dry_run: bool
    files: list[str] = field(default_factory=list)  # audio files removed (or to remove)
    jobs: list = field(default_factory=list)  # job ids whose audio was purged
    orphans: list[str] = field(default_factory=list)  # files no job points at
    bytes_freed: int = 0
    reasons: dict[str, str] = field(default_factory=dict)  # file -> age | count | size | orphan


def _walk(storage, top: str):
    try:
        dirs, files = storage.listdir(top)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield posixpath.join(top, name)
    for sub in dirs:
        yield from _walk(storage, posixpath.join(top, sub))


def audio_prune(*, dry_run: bool = False, now: datetime | None = None) -> PruneReport:
    """Keep the audio folder within TTS_PRUNE_MAX_AGE_DAYS, _MAX_FILES and _MAX_TOTAL_MB.

    Works on files, not rows: a file shared by reuse counts once, its age is that of its newest
    live job, and it goes only together with every job that points at it. Job rows stay, with
    `audio_purged_at`. Files no live job points at (orphans) go once older than the grace period.
    """
    now = now or timezone.now()
    report = PruneReport(dry_run=dry_run)
    live = (
        SynthesisJob.objects.filter(audio_purged_at__isnull=True, deleted_at__isnull=True)
        .exclude(audio="")
        .values_list("pk", "audio", "size_bytes", "finished_at", "created_at")
    )
    files: dict[str, dict] = {}
    for pk, name, size, finished, created in live:
        entry = files.setdefault(name, {"jobs": [], "size": size or 0, "last": None})
        entry["jobs"].append(pk)
        when = finished or created
        entry["last"] = when if entry["last"] is None else max(entry["last"], when)
        entry["size"] = max(entry["size"], size or 0)

    newest_first = sorted(files.items(), key=lambda item: item[1]["last"], reverse=True)
    max_age = timedelta(days=settings.TTS_PRUNE_MAX_AGE_DAYS)
    max_bytes = settings.TTS_PRUNE_MAX_TOTAL_MB * 1024 * 1024
    kept_count, kept_bytes = 0, 0
    doomed: list[tuple[str, dict, str]] = []
    for name, entry in newest_first:
        if now - entry["last"] > max_age:
            reason = "age"
        elif kept_count + 1 > settings.TTS_PRUNE_MAX_FILES:
            reason = "count"
        elif kept_bytes + entry["size"] > max_bytes:
            reason = "size"
        else:
            kept_count += 1
            kept_bytes += entry["size"]
            continue
        doomed.append((name, entry, reason))

    for name, entry, reason in doomed:
        report.files.append(name)
        report.jobs.extend(entry["jobs"])
        report.reasons[name] = reason
        report.bytes_freed += entry["size"]
        if not dry_run:
            SynthesisJob.objects.filter(pk__in=entry["jobs"], audio_purged_at__isnull=True).update(
                audio_purged_at=now
            )
            if not _file_in_use(name) and default_storage.exists(name):
                default_storage.delete(name)

    grace = timedelta(minutes=settings.TTS_PRUNE_ORPHAN_GRACE_MINUTES)
    for name in _walk(default_storage, settings.TTS_AUDIO_SUBDIR):
        if name in files:
            continue
        try:
            modified = default_storage.get_modified_time(name)
        except (OSError, NotImplementedError):
            continue
        if now - modified < grace or _file_in_use(name):
            continue
        report.orphans.append(name)
        report.reasons[name] = "orphan"
        try:
            report.bytes_freed += default_storage.size(name)
        except OSError:
            pass
        if not dry_run:
            default_storage.delete(name)
    if not dry_run and (report.files or report.orphans):
        logger.info(
            "pruned %d files and %d orphans, %d bytes",
            len(report.files),
            len(report.orphans),
            report.bytes_freed,
        )
    return report
