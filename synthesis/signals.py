"""Install the periodic tasks (pruning, reaping) after every migrate, idempotently by name; and
load, at a process's start, what its first request or job would otherwise wait for."""

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


# What a worker says once before its first job, and the frontend analyses before the fork: a
# typical IVR prompt (digits, the commonest characters, ≈ 5 s: the networks' shapes of most
# short prompts). With "你好。" instead, a worker's first verification-code prompt took 84 – 98 ms
# against 64 – 74 ms after; with this, 70 – 82 ms (bench/README.md, "The eleventh session").
WARM_TEXT = "您好，您的验证码是3721，请在5分钟内输入。"


def preload_web() -> None:
    """In a web process (ttsproject/wsgi.py, at gunicorn worker start): import what Django and
    DRF import lazily on the first request, the URLconf with every view, serializer and
    drf-spectacular, and build the default voice's engine object, whose module (numpy) the
    API's request checks import. Measured on a Zen 4: the first request after a start took
    209 ms (healthz) and 371 ms (`POST /api/tts`, against 136 ms after), nearly all of it
    imports (bench/README.md, "The eleventh session"). Never loads the networks: the web
    process keeps no runtime in memory. A failure is logged, never fatal.
    """
    import logging

    from django.urls import get_resolver
    from django.utils import translation

    from .tts import registry

    try:
        get_resolver().url_patterns  # noqa: B018 (imports the URLconf and its views)
        with translation.override(settings.LANGUAGE_CODE):
            translation.gettext("Speech synthesis")  # loads the default language's catalog
        registry.engine_for_voice(settings.TTS_DEFAULT_VOICE)
    except Exception:
        logging.getLogger(__name__).exception("could not preload the web process")


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

    from .tts.assets import mapper_path
    from .tts.frontend import Frontend, load_mapper

    try:
        Frontend.warmup()
        # The dictionaries' per-character entries parse on first use: a first digit prompt
        # took 8.3 ms to analyse against 0.6 after. Parsed here, they are shared too.
        Frontend(load_mapper(mapper_path())).analyze(WARM_TEXT)
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
    once here; `WARM_TEXT` also pays the first-call costs of a typical prompt's shapes. A
    failure is logged, never fatal: the job that needs the engine will report the reason.
    """
    import logging

    from .tts import registry
    from .tts.types import SynthesisRequest

    try:
        engine = registry.engine_for_voice(settings.TTS_DEFAULT_VOICE)
        engine.synthesize(SynthesisRequest(text=WARM_TEXT, voice=settings.TTS_DEFAULT_VOICE))
    except Exception:
        logging.getLogger(__name__).exception("could not preload the default voice")
