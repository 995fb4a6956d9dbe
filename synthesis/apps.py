"""The synthesis app: jobs, API, web UI and background tasks around the speech engines."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthesisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "synthesis"
    verbose_name = _("Speech synthesis")
