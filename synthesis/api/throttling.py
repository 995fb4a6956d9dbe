"""Per-user throttle on creating jobs; the rate is the TTS_THROTTLE_RATE setting."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class SynthesisRateThrottle(UserRateThrottle):
    scope = "tts"

    def get_rate(self) -> str | None:
        # Read at request time (not class creation) so the setting can change under tests.
        return settings.TTS_THROTTLE_RATE or None
