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
