"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ttsproject.settings")
application = get_wsgi_application()

# What the first request would import lazily, imported now (synthesis.signals.preload_web).
from synthesis.signals import preload_web  # noqa: E402

preload_web()
