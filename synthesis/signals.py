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


def preload_shared() -> None:
    """In the qcluster's main process, before it forks its workers: load what is safe to share
    between them, the text frontend's dictionaries (plain Python data, no threads), and move
    everything loaded so far out of the garbage collector's reach (`gc.freeze`), whose passes
    would otherwise write to every object and so copy its page into each worker.

    The networks still load per worker (`preload_engine`): ONNX Runtime's and OpenVINO's
    thread pools do not survive a fork. bench/README.md, "The sixth session", has the
    cluster's memory with and without this.
    """
    import gc
    import logging

    from .tts.frontend import Frontend

    try:
        Frontend.warmup()
        # The runtimes' Python modules too (imports only: no session, no thread pool yet).
        import onnxruntime  # noqa: F401

        from .tts.runtime import onnx_backend, openvino_backend  # noqa: F401

        if openvino_backend.available():
            import openvino  # noqa: F401
    except Exception:
        logging.getLogger(__name__).exception("could not preload the text frontend or the runtimes")
    gc.freeze()


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
