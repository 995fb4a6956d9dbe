"""manage.py prune_audio [--dry-run]."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_dry_run_lists_and_keeps_then_a_real_run_removes(alice, make_job, settings):
    settings.TTS_PRUNE_MAX_AGE_DAYS = 7
    old = make_job(alice, audio=True, finished_at=timezone.now() - timedelta(days=8))
    out = StringIO()
    call_command("prune_audio", "--dry-run", stdout=out)
    assert f"would remove {old.audio.name} (age)" in out.getvalue()
    assert default_storage.exists(old.audio.name)
    out = StringIO()
    call_command("prune_audio", stdout=out)
    assert "removed 1 files of 1 jobs" in out.getvalue()
    assert not default_storage.exists(old.audio.name)
