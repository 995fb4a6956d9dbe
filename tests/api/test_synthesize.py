"""POST /api/tts: the article-compatible contract, every error status, wait and reuse."""

from __future__ import annotations

import pytest
from django.urls import reverse

from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE

pytestmark = pytest.mark.django_db
URL = "/api/tts"


def post(client, **body):
    return client.post(URL, body, format="json")


def assert_error(response, status: int, fragment: str = "") -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    assert isinstance(body["message"], str) and body["message"]
    assert fragment.lower() in body["message"].lower()


def test_article_body_is_accepted_and_queued_with_a_location(alice_api):
    response = post(alice_api, text="今天天气真好！", emotion="happy", wait=0)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    job = SynthesisJob.objects.get(pk=body["id"])
    assert (job.emotion, job.voice, job.source) == ("happy", TEST_VOICE, "api")
    detail = reverse("api:job-detail", kwargs={"pk": job.pk})
    assert response["Location"].endswith(detail)
    assert body["url"] == response["Location"]
    assert body["job"]["progress"] == {"done": 0, "total": 0, "fraction": 0.0}


def test_optional_controls_are_recorded(alice_api):
    response = post(
        alice_api,
        text="你好。",
        emotion="sad",
        voice=TEST_VOICE,
        speed=0.8,
        pitch=-2,
        volume=3,
        intensity=1.5,
        format="ogg",
        sample_rate=22050,
        wait=0,
    )
    assert response.status_code == 202
    job = SynthesisJob.objects.get(pk=response.json()["id"])
    assert (job.speed, job.pitch, job.volume, job.intensity) == (0.8, -2, 3, 1.5)
    assert (job.output_format, job.sample_rate) == ("ogg", 22050)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"text": ""}, "empty"),
        ({"text": "   "}, "empty"),
        ({}, "empty"),
        ({"text": "长" * 5001}, "too long"),
        ({"text": "你好", "emotion": "bored"}, "unknown emotion"),
        ({"text": "你好", "voice": "nobody"}, "unknown voice"),
        ({"text": "你好", "speed": 5}, "speed"),
        ({"text": "你好", "speed": "fast"}, "speed"),
        ({"text": "你好", "pitch": 13}, "pitch"),
        ({"text": "你好", "volume": -21}, "volume"),
        ({"text": "你好", "intensity": 2.5}, "intensity"),
        ({"text": "你好", "format": "aiff"}, "format"),
        ({"text": "你好", "sample_rate": 12345}, "sample_rate"),
    ],
)
def test_bad_requests_are_400_with_a_message(alice_api, body, fragment):
    assert_error(post(alice_api, **body), 400, fragment)
    assert not SynthesisJob.objects.exists()


def test_invalid_json_is_400(alice_api):
    response = alice_api.post(URL, "{not json", content_type="application/json")
    assert_error(response, 400)


def test_without_credentials_it_is_401(anon_api):
    assert_error(post(anon_api, text="你好"), 401)


def test_an_oversized_body_is_413(alice_api, settings):
    settings.TTS_MAX_REQUEST_BYTES = 1000
    assert_error(post(alice_api, text="长" * 2000), 413)


def test_the_per_user_throttle_answers_429(alice_api, bob_api, settings):
    settings.TTS_THROTTLE_RATE = "2/min"
    for _ in range(2):
        assert post(alice_api, text="你好", wait=0).status_code == 202
    response = post(alice_api, text="你好", wait=0)
    assert_error(response, 429)
    assert int(response["Retry-After"]) > 0
    assert post(bob_api, text="你好", wait=0).status_code == 202  # per user


def test_a_full_queue_answers_503(alice_api, alice, make_job, settings):
    settings.TTS_MAX_QUEUED_JOBS = 1
    make_job(alice, status=SynthesisJob.Status.QUEUED)
    assert_error(post(alice_api, text="你好", wait=0), 503, "queue")


def test_a_reused_result_answers_200_at_once(alice_api, alice, make_job):
    from synthesis import services

    first = services.job_create(owner=alice, text="一样。", voice=TEST_VOICE)
    services.job_run(job_id=first.pk)
    response = post(alice_api, text="一样。", wait=0)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["reused"] is True
    assert body["duration"] > 0
    assert "/audio?sig=" in body["audio_url"]
    assert body["audio_url"].startswith("http://testserver/")


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_job_that_finishes_within_wait_answers_200_with_audio(qcluster, alice_api, anon_api):
    response = post(alice_api, text="你好，世界。", emotion="happy", wait=20)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "success"
    assert body["duration"] > 0
    assert body["job"]["status"] == "succeeded"
    audio = anon_api.get(body["audio_url"])  # the signed link needs no credentials
    assert audio.status_code == 200
    assert audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content)[:4] == b"RIFF"


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_slow_job_answers_202_then_the_location_shows_it_finish(qcluster, alice_api):
    response = post(alice_api, text="[sleep=0.5]一，二，三。", wait=0.3)
    assert response.status_code == 202
    assert response.json()["status"] in ("queued", "running")
    location = response["Location"]
    import time

    for _ in range(100):
        job = alice_api.get(location).json()
        if job["status"] == "succeeded":
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded"
    assert job["progress"] == {"done": 3, "total": 3, "fraction": 1.0}


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_failed_job_within_wait_is_an_error(qcluster, alice_api):
    response = post(alice_api, text="一，二。[fail]", wait=20)
    assert_error(response, 500, "tone generator broke down")
    assert response.json()["id"]
