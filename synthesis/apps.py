"""The synthesis app: jobs, API, web UI and background tasks around the speech engines."""

from __future__ import annotations

import importlib
import logging
import sys

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _load(path: str):
    module, _sep, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr or "create")


class SynthesisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "synthesis"
    verbose_name = _("Speech synthesis")

    def ready(self) -> None:
        from . import signals
        from .tts import registry

        post_migrate.connect(
            signals.install_schedules, sender=self, dispatch_uid="synthesis.install_schedules"
        )
        if settings.TTS_PRELOAD_ENGINE:
            from django_q.signals import post_spawn

            post_spawn.connect(signals.preload_engine, dispatch_uid="synthesis.preload_engine")
            if sys.argv[1:2] == ["qcluster"]:
                signals.preload_shared()
        registry.register_defaults(
            threads=settings.TTS_ENGINE_THREADS,
            modelscope_model_dir=settings.TTS_MODELSCOPE_MODEL_DIR or None,
        )
        # TTS_EXTRA_ENGINES: "name=package.module:factory" entries (name defaults to the path),
        # for engines that live outside this package, e.g. a deterministic one under tests.
        for entry in settings.TTS_EXTRA_ENGINES:
            name, _sep, path = entry.rpartition("=")
            name = name or path
            if name not in registry.engine_names():
                registry.register(name, _load(path))
