"""Reads that need more than a one-line query: visible jobs, voices, queue depth, readiness."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import SynthesisJob
from .tts import formats as audio_codec
from .tts import registry
from .tts.types import Voice

# Ranges every engine accepts today; an engine with other ranges would publish its own.
CONTROLS = {
    "speed": {"min": 0.5, "max": 2.0, "default": 1.0, "unit": "x"},
    "pitch": {"min": -12.0, "max": 12.0, "default": 0.0, "unit": "semitones"},
    "volume": {"min": -20.0, "max": 12.0, "default": 0.0, "unit": "dB"},
    "intensity": {"min": 0.0, "max": 2.0, "default": 1.0, "unit": ""},
}

EMOTION_LABELS = {
    "neutral": _("Neutral"),
    "happy": _("Happy"),
    "sad": _("Sad"),
    "angry": _("Angry"),
    "surprised": _("Surprised"),
    "fearful": _("Fearful"),
    "gentle": _("Gentle"),
}


def job_list(*, user, filters: dict | None = None) -> QuerySet[SynthesisJob]:
    """Jobs `user` may see (own, or all for staff), newest first, deleted ones left out."""
    qs = SynthesisJob.objects.visible_to(user).filter(deleted_at__isnull=True)
    filters = filters or {}
    for key in ("status", "voice", "emotion"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("created_after"):
        qs = qs.filter(created_at__gte=filters["created_after"])
    if filters.get("created_before"):
        qs = qs.filter(created_at__lte=filters["created_before"])
    if filters.get("search"):
        qs = qs.filter(text__icontains=filters["search"])
    return qs.select_related("owner").order_by("-created_at")


def job_get(*, user, job_id) -> SynthesisJob | None:
    """One job `user` may see, or None (someone else's job does not exist for them)."""
    return job_list(user=user).filter(pk=job_id).first()


def job_wait(
    *,
    job: SynthesisJob,
    timeout: float,
    poll: float = 0.5,
    first_poll: float = 0.02,
    share: float = 0.1,
) -> SynthesisJob:
    """Poll until the job is final or `timeout` seconds passed; returns the fresh row.

    Each nap is `share` of the time waited so far, at least `first_poll` and at most `poll`,
    so a job is seen at most ≈ 10 % of its time after it ends, with a few dozen primary-key
    reads for a long one. (Naps growing by half from 20 ms to 200 ms, as before, put a short
    prompt's check points at 262 and 412 ms: one whose worker was done at ≈ 300 ms came back
    in 467 ms; bench/README.md, "The eighth session".)"""
    started = time.monotonic()
    deadline = started + max(0.0, timeout)
    while True:
        job.refresh_from_db()
        now = time.monotonic()
        if job.is_final or now >= deadline:
            return job
        nap = min(poll, max(first_poll, share * (now - started)))
        time.sleep(min(nap, deadline - now))


def queued_count() -> int:
    return SynthesisJob.objects.filter(status=SynthesisJob.Status.QUEUED).count()


def voice_list() -> list[Voice]:
    """Every voice of every registered engine (cheap: no model weights are loaded)."""
    return registry.voices()


def emotion_label(emotion: str) -> str:
    return str(EMOTION_LABELS.get(emotion, emotion))


def voice_catalog() -> list[dict]:
    """Voices with their emotions and the controls a client may set."""
    return [
        {
            "id": v.id,
            "name": v.name,
            "language": v.language,
            "gender": v.gender,
            "engine": v.engine,
            "description": v.description,
            "sample_rate": v.sample_rate,
            "emotions": [{"id": e, "label": emotion_label(e)} for e in v.emotions],
            "default_emotion": "neutral" if "neutral" in v.emotions else v.emotions[0],
            "controls": CONTROLS,
            "formats": list(audio_codec.FORMATS),
            "sample_rates": list(audio_codec.SAMPLE_RATES),
            "sample_rates_by_format": {
                fmt: list(audio_codec.rates_for(fmt)) for fmt in audio_codec.FORMATS
            },
        }
        for v in voice_list()
    ]


# --- readiness ------------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check("database", True, connection.vendor)
    except Exception as exc:
        return Check("database", False, f"{type(exc).__name__}: {exc}")


def check_queue() -> Check:
    """The broker answers, and at least one qcluster has reported in recently."""
    try:
        from django_q.brokers import get_broker
        from django_q.status import Stat

        broker = get_broker()
        if broker.ping() is False:
            return Check("queue", False, "broker does not answer")
        clusters = Stat.get_all(broker=broker)
        if not clusters:
            return Check("queue", False, "no qcluster is running")
        return Check("queue", True, f"{broker.info()}; {len(clusters)} cluster(s)")
    except Exception as exc:
        return Check("queue", False, f"{type(exc).__name__}: {exc}")


def check_voice() -> Check:
    voice = settings.TTS_DEFAULT_VOICE
    try:
        engine = registry.engine_for_voice(voice)
        return Check("voice", True, f"{voice} ({engine.name} {engine.version})")
    except Exception as exc:
        return Check("voice", False, f"{type(exc).__name__}: {exc}")


def readiness() -> list[Check]:
    return [check_database(), check_queue(), check_voice()]
