"""Install the periodic tasks (pruning, reaping) after every migrate, idempotently by name."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

SCHEDULES = {
    # name: (task, setting holding the interval in minutes)
    "synthesis: prune audio": ("synthesis.tasks.prune_audio", "TTS_PRUNE_EVERY_MINUTES"),
    "synthesis: reap stalled jobs": ("synthesis.tasks.reap_jobs", "TTS_REAP_EVERY_MINUTES"),
}


def install_schedules(**kwargs) -> None:
    """`post_migrate` receiver; safe to call any number of times (update_or_create by name)."""
    from django_q.models import Schedule

    for name, (func, setting) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": getattr(settings, setting),
                "repeats": -1,
            },
            create_defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": getattr(settings, setting),
                "repeats": -1,
                "next_run": timezone.now(),
            },
        )


def preload_engine(**kwargs) -> None:
    """`post_spawn` receiver: a new qcluster worker loads the default voice before its first job.

    Loading is per process (ONNX Runtime sessions do not survive a fork), so each worker does it
    once here; a short utterance also pays the first-call costs. A failure is logged, never
    fatal: the job that needs the engine will report the reason.
    """
    import logging

    from .tts import registry
    from .tts.types import SynthesisRequest

    try:
        engine = registry.engine_for_voice(settings.TTS_DEFAULT_VOICE)
        engine.synthesize(SynthesisRequest(text="你好。", voice=settings.TTS_DEFAULT_VOICE))
    except Exception:
        logging.getLogger(__name__).exception("could not preload the default voice")
