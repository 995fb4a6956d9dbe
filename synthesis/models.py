"""Persistent job history: every synthesis request and the audio it produced."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def audio_upload_to(job: SynthesisJob, filename: str) -> str:
    """Dated sub-folders and uuid names: no user text ever reaches the file system."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "wav"
    day: datetime = timezone.now()
    return f"{settings.TTS_AUDIO_SUBDIR}/{day:%Y/%m/%d}/{uuid.uuid4().hex}.{suffix}"


class SynthesisJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> SynthesisJobQuerySet:
        """Owners see their own jobs; staff see everyone's."""
        if not user or not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(owner=user)

    def active(self) -> SynthesisJobQuerySet:
        return self.filter(status__in=SynthesisJob.ACTIVE_STATUSES)


class SynthesisJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        API = "api", _("API")
        WEB = "web", _("Web")
        ADMIN = "admin", _("Admin")
        CLI = "cli", _("Command line")

    class Format(models.TextChoices):
        WAV = "wav", "WAV"
        FLAC = "flac", "FLAC"
        OGG = "ogg", "Ogg Vorbis"
        MP3 = "mp3", "MP3"
        OPUS = "opus", "Ogg Opus"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    FINAL_STATUSES = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="synthesis_jobs",
        verbose_name=_("owner"),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.API)
    client_model = models.CharField(
        _("requested model"),
        max_length=64,
        blank=True,
        help_text=_("The `model` an OpenAI-compatible client asked for (recorded, not used)."),
    )

    # What was asked.
    text = models.TextField(_("text"))
    text_hash = models.CharField(
        _("request fingerprint"),
        max_length=64,
        db_index=True,
        help_text=_(
            "Hash of the normalised text and every control; equal requests may share audio."
        ),
    )
    voice = models.CharField(_("voice"), max_length=64)
    emotion = models.CharField(_("emotion"), max_length=32, default="neutral")
    intensity = models.FloatField(_("intensity"), default=1.0)
    speed = models.FloatField(_("speed"), default=1.0)
    pitch = models.FloatField(_("pitch (semitones)"), default=0.0)
    volume = models.FloatField(_("volume (dB)"), default=0.0)
    output_format = models.CharField(
        _("format"), max_length=8, choices=Format.choices, default=Format.WAV
    )
    sample_rate = models.PositiveIntegerField(_("sample rate"), default=24000)

    # Where it stands.
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("clauses done"), default=0)
    progress_total = models.PositiveIntegerField(_("clauses in total"), default=0)
    # Why it failed, in English (stable for logs, search and auditors, whatever language the
    # worker runs in); `error_detail` keeps the message id and parameters so that people read
    # it in their own language (`localized_error`).
    error_message = models.TextField(_("error"), blank=True)
    error_detail = models.JSONField(_("error detail"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    task_id = models.CharField(_("queue task id"), max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=128, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    requeued_at = models.DateTimeField(
        _("requeued at"),
        null=True,
        blank=True,
        help_text=_("When the reaper last sent the job to the queue again."),
    )

    # What came out.
    audio = models.FileField(_("audio file"), upload_to=audio_upload_to, max_length=255, blank=True)
    audio_purged_at = models.DateTimeField(_("audio purged at"), null=True, blank=True)
    reused_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reused_by",
        verbose_name=_("audio reused from"),
    )
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    engine = models.CharField(_("engine"), max_length=64, blank=True)
    engine_version = models.CharField(_("engine version"), max_length=64, blank=True)

    # Timings.
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    synthesis_seconds = models.FloatField(_("synthesis seconds"), null=True, blank=True)
    rtf = models.FloatField(_("real-time factor"), null=True, blank=True)

    # Audit trace of a deletion: the row stays, the text and audio go.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = SynthesisJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("synthesis job")
        verbose_name_plural = _("synthesis jobs")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_latest"),
            models.Index(fields=["status", "created_at"], name="job_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.id} [{self.status}] {self.text[:30]}"

    def localized_error(self) -> str:
        """The failure reason in the active language (English when no translation exists)."""
        from django.utils.translation import gettext

        detail = self.error_detail or {}
        msgid = detail.get("msgid")
        if msgid:
            try:
                params = detail.get("params") or {}
                return gettext(msgid) % params if params else gettext(msgid)
            except (KeyError, TypeError, ValueError):
                pass
        return gettext(self.error_message) if self.error_message else ""

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def has_audio(self) -> bool:
        return bool(self.audio) and self.audio_purged_at is None and self.deleted_at is None

    @property
    def progress(self) -> float:
        if self.status == self.Status.SUCCEEDED:
            return 1.0
        if not self.progress_total:
            return 0.0
        return min(1.0, self.progress_done / self.progress_total)
