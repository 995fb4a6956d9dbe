"""The admin: the job list with filters and search, the player, purge and re-run actions."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from synthesis.models import SynthesisJob

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:synthesis_synthesisjob_changelist")


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


def test_changelist_loads_with_filters_and_search(admin_client_, alice, make_job):
    make_job(alice, text="开心的话", emotion="happy", audio=True)
    make_job(alice, text="失败了", status=SynthesisJob.Status.FAILED)
    for query in (
        "",
        "?status__exact=failed",
        "?emotion__exact=happy",
        "?q=开心",
        f"?owner__id__exact={alice.pk}",
        "?voice__exact=test-tone",
    ):
        response = admin_client_.get(CHANGELIST + query)
        assert response.status_code == 200, query
    content = admin_client_.get(CHANGELIST + "?q=开心").content.decode()
    assert "开心的话" in content and "失败了" not in content


def test_change_page_is_read_only_with_a_player(admin_client_, alice, make_job):
    job = make_job(alice, audio=True)
    response = admin_client_.get(reverse("admin:synthesis_synthesisjob_change", args=[job.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert f"/api/tts/jobs/{job.pk}/audio?sig=" in content and "<audio" in content
    assert 'name="text"' not in content  # no editable inputs


def test_jobs_cannot_be_added_by_hand(admin_client_):
    assert admin_client_.get(reverse("admin:synthesis_synthesisjob_add")).status_code == 403


def test_purge_action_removes_audio_and_keeps_rows(admin_client_, alice, make_job):
    jobs = [make_job(alice, audio=True) for _ in range(2)]
    response = admin_client_.post(
        CHANGELIST,
        {"action": "purge_audio", "_selected_action": [str(j.pk) for j in jobs]},
        follow=True,
    )
    assert response.status_code == 200
    for job in jobs:
        job.refresh_from_db()
        assert job.audio_purged_at is not None
        assert not default_storage.exists(job.audio.name)


def test_rerun_action_queues_new_jobs_from_admin(admin_client_, superuser, alice, make_job):
    job = make_job(alice, text="再来。", emotion="sad", speed=1.3)
    admin_client_.post(CHANGELIST, {"action": "rerun", "_selected_action": [str(job.pk)]})
    new = SynthesisJob.objects.exclude(pk=job.pk).get()
    assert new.status == SynthesisJob.Status.QUEUED
    assert (new.text, new.emotion, new.speed) == ("再来。", "sad", 1.3)
    assert new.source == SynthesisJob.Source.ADMIN and new.owner == superuser


def test_django_q_admin_is_there(admin_client_):
    assert admin_client_.get(reverse("admin:django_q_schedule_changelist")).status_code == 200


def test_delete_action_keeps_an_audit_row_and_hard_delete_is_off(admin_client_, alice, make_job):
    job = make_job(alice, audio=True)
    admin_client_.post(
        CHANGELIST, {"action": "delete_keep_audit", "_selected_action": [str(job.pk)]}
    )
    job.refresh_from_db()
    assert job.deleted_at is not None and job.text == ""
    assert not default_storage.exists(job.audio.name)
    delete_url = reverse("admin:synthesis_synthesisjob_delete", args=[job.pk])
    assert admin_client_.get(delete_url).status_code == 403
