"""The prune and reap schedules are installed by migrate, exactly once however often it runs."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django_q.models import Schedule

from synthesis.signals import SCHEDULES, install_schedules

pytestmark = pytest.mark.django_db


def schedules() -> dict[str, Schedule]:
    return {s.name: s for s in Schedule.objects.filter(name__in=SCHEDULES)}


def test_migrate_twice_leaves_one_schedule_each():
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    found = schedules()
    assert set(found) == set(SCHEDULES)
    assert Schedule.objects.filter(name__in=SCHEDULES).count() == len(SCHEDULES)
    assert found["synthesis: prune audio"].func == "synthesis.tasks.prune_audio"
    assert found["synthesis: reap stalled jobs"].func == "synthesis.tasks.reap_jobs"
    assert all(s.repeats == -1 and s.schedule_type == Schedule.MINUTES for s in found.values())


def test_installing_again_updates_the_interval_without_duplicating(settings):
    install_schedules()
    first = schedules()["synthesis: prune audio"]
    settings.TTS_PRUNE_EVERY_MINUTES = 15
    install_schedules()
    apps.get_app_config("synthesis").ready()  # ready() twice must not add schedules either
    found = schedules()
    assert Schedule.objects.filter(name__in=SCHEDULES).count() == len(SCHEDULES)
    assert found["synthesis: prune audio"].minutes == 15
    assert found["synthesis: prune audio"].next_run == first.next_run  # not rescheduled


def test_the_tasks_are_importable_and_run():
    from synthesis import tasks

    assert tasks.prune_audio().startswith("purged 0 files")
    assert tasks.reap_jobs() == "requeued 0, failed 0, re-sent 0 lost"
