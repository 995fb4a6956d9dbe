"""History: list, filters, detail, delete and cancel, each user seeing only their own jobs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from synthesis.models import SynthesisJob

pytestmark = pytest.mark.django_db
Status = SynthesisJob.Status


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def jobs(alice, bob, make_job):
    now = timezone.now()
    return {
        "a_happy": make_job(alice, text="开心的一天", emotion="happy", audio=True),
        "a_sad": make_job(alice, text="难过", emotion="sad", created_at=now - timedelta(days=3)),
        "a_failed": make_job(alice, status=Status.FAILED, error_message="boom"),
        "b_job": make_job(bob, text="鲍勃的话"),
    }


def test_users_see_only_their_own_jobs_newest_first(alice_api, bob_api, jobs):
    response = alice_api.get("/api/tts/jobs")
    body = response.json()
    assert body["count"] == 3
    assert ids(response) == {str(jobs[k].pk) for k in ("a_happy", "a_sad", "a_failed")}
    assert body["results"][-1]["id"] == str(jobs["a_sad"].pk)
    assert ids(bob_api.get("/api/tts/jobs")) == {str(jobs["b_job"].pk)}


def test_staff_see_everyones_jobs(staff_api, jobs):
    assert len(ids(staff_api.get("/api/tts/jobs"))) == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=failed", {"a_failed"}),
        ("emotion=happy", {"a_happy"}),
        ("search=难过", {"a_sad"}),
        ("voice=test-tone", {"a_happy", "a_sad", "a_failed"}),
        ("voice=baker", set()),
    ],
)
def test_filters(alice_api, jobs, query, expected):
    assert ids(alice_api.get(f"/api/tts/jobs?{query}")) == {str(jobs[k].pk) for k in expected}


def test_date_range(alice_api, jobs):
    since = (timezone.now() - timedelta(days=1)).isoformat()
    found = ids(alice_api.get("/api/tts/jobs", {"created_after": since}))
    assert str(jobs["a_sad"].pk) not in found and len(found) == 2
    before = ids(alice_api.get("/api/tts/jobs", {"created_before": since}))
    assert before == {str(jobs["a_sad"].pk)}


def test_an_unknown_status_filter_is_a_400(alice_api, jobs):
    response = alice_api.get("/api/tts/jobs?status=exploded")
    assert response.status_code == 400
    assert response.json()["status"] == "error"


def test_pagination(alice_api, alice, make_job):
    for _ in range(5):
        make_job(alice)
    body = alice_api.get("/api/tts/jobs?page_size=2").json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]


def test_job_json_has_progress_timings_and_a_signed_audio_url(alice_api, jobs):
    job = jobs["a_happy"]
    body = alice_api.get(f"/api/tts/jobs/{job.pk}").json()
    assert body["status"] == "succeeded"
    assert body["progress"] == {"done": 2, "total": 2, "fraction": 1.0}
    assert body["audio_url"].startswith(f"http://testserver/api/tts/jobs/{job.pk}/audio?sig=")
    assert body["download_url"].endswith("&download=1")
    for key in (
        "created_at",
        "started_at",
        "finished_at",
        "synthesis_seconds",
        "rtf",
        "duration",
        "size_bytes",
        "error_message",
        "engine",
        "attempts",
    ):
        assert key in body
    failed = alice_api.get(f"/api/tts/jobs/{jobs['a_failed'].pk}").json()
    assert failed["error_message"] == "boom" and failed["audio_url"] is None


def test_another_users_job_is_a_404_everywhere(bob_api, jobs):
    pk = jobs["a_happy"].pk
    for response in (
        bob_api.get(f"/api/tts/jobs/{pk}"),
        bob_api.delete(f"/api/tts/jobs/{pk}"),
        bob_api.post(f"/api/tts/jobs/{pk}/cancel"),
        bob_api.get(f"/api/tts/jobs/{pk}/audio"),
        bob_api.get(f"/api/tts/jobs/{uuid.uuid4()}"),
    ):
        assert response.status_code == 404
        assert response.json()["status"] == "error"
    assert SynthesisJob.objects.get(pk=pk).deleted_at is None


def test_staff_can_open_delete_and_cancel_others_jobs(staff_api, alice, make_job, jobs):
    queued = make_job(alice, status=Status.QUEUED)
    assert staff_api.get(f"/api/tts/jobs/{jobs['a_happy'].pk}").status_code == 200
    assert staff_api.post(f"/api/tts/jobs/{queued.pk}/cancel").json()["status"] == "cancelled"
    assert staff_api.delete(f"/api/tts/jobs/{jobs['a_sad'].pk}").status_code == 204


def test_delete_removes_audio_and_hides_the_job_but_keeps_an_audit_row(alice_api, jobs):
    from django.core.files.storage import default_storage

    job = jobs["a_happy"]
    name = job.audio.name
    assert alice_api.delete(f"/api/tts/jobs/{job.pk}").status_code == 204
    assert not default_storage.exists(name)
    assert alice_api.get(f"/api/tts/jobs/{job.pk}").status_code == 404
    assert str(job.pk) not in ids(alice_api.get("/api/tts/jobs"))
    job.refresh_from_db()
    assert job.deleted_at is not None and job.text == ""


def test_cancel_a_queued_job_and_not_a_finished_one(alice_api, alice, make_job, jobs):
    queued = make_job(alice, status=Status.QUEUED)
    response = alice_api.post(f"/api/tts/jobs/{queued.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = alice_api.post(f"/api/tts/jobs/{jobs['a_happy'].pk}/cancel")
    assert response.status_code == 409
    assert response.json()["status"] == "error"
