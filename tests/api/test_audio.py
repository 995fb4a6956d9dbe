"""Audio downloads: access control, signed links, HTTP Range for seeking."""

from __future__ import annotations

import time

import pytest
from django.core.files.storage import default_storage

from synthesis import signing
from synthesis.models import SynthesisJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(alice, make_job) -> SynthesisJob:
    return make_job(alice, audio=True)


def url(job) -> str:
    return f"/api/tts/jobs/{job.pk}/audio"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def file_bytes(job) -> bytes:
    with default_storage.open(job.audio.name, "rb") as handle:
        return handle.read()


def test_the_owner_gets_the_whole_file_with_the_right_headers(alice_api, job):
    response = alice_api.get(url(job))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == job.size_bytes
    assert response["Content-Disposition"].startswith("inline;")
    assert body(response) == file_bytes(job)


def test_download_sets_an_attachment(alice_api, job):
    response = alice_api.get(url(job) + "?download=1")
    assert response["Content-Disposition"].startswith("attachment; filename=")


def test_staff_may_listen_and_strangers_may_not(staff_api, bob_api, anon_api, job):
    assert staff_api.get(url(job)).status_code == 200
    assert bob_api.get(url(job)).status_code == 404
    assert anon_api.get(url(job)).status_code == 401


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=10-999999", 10, None),
    ],
)
def test_range_requests_answer_206_with_the_slice(alice_api, job, header, start, end):
    data = file_bytes(job)
    response = alice_api.get(url(job), HTTP_RANGE=header)
    assert response.status_code == 206
    expected = data[start:] if end is None else data[start : end + 1]
    assert body(response) == expected
    first = start % len(data)
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert int(response["Content-Length"]) == len(expected)


@pytest.mark.parametrize("header", ["bytes=999999-", "bytes=50-10", "bytes=-0"])
def test_an_unsatisfiable_range_is_416(alice_api, job, header):
    response = alice_api.get(url(job), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{job.size_bytes}"
    assert response.json()["status"] == "error"


def test_a_malformed_range_is_ignored(alice_api, job):
    assert alice_api.get(url(job), HTTP_RANGE="lines=1-2").status_code == 200


def test_a_signed_link_works_without_credentials_even_with_an_audio_accept(anon_api, job):
    response = anon_api.get(
        signing.signed_audio_url(job), HTTP_ACCEPT="audio/webm,audio/ogg,audio/*;q=0.9"
    )
    assert response.status_code == 200
    assert body(response) == file_bytes(job)


def test_a_tampered_signed_link_is_403(anon_api, job, alice, make_job):
    link = signing.signed_audio_url(job)
    response = anon_api.get(link[:-3] + "abc")
    assert response.status_code == 403 and response.json()["status"] == "error"
    other = make_job(alice, audio=True)
    token = link.split("sig=")[1]
    assert anon_api.get(f"{url(other)}?sig={token}").status_code == 403


def test_a_signed_link_expires(anon_api, job, settings, monkeypatch):
    settings.TTS_SIGNED_URL_SECONDS = 60
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 120)  # issued two minutes ago
    link = signing.signed_audio_url(job)
    monkeypatch.setattr(time, "time", real)
    assert anon_api.get(link).status_code == 403


def test_a_purged_files_link_dies_with_it(anon_api, job):
    from synthesis import services

    link = signing.signed_audio_url(job)
    services.job_purge_audio(job=job)
    assert anon_api.get(link).status_code in (403, 404)


def test_a_job_without_audio_is_404(alice_api, alice, make_job):
    queued = make_job(alice, status=SynthesisJob.Status.QUEUED)
    assert alice_api.get(url(queued)).status_code == 404


def test_a_path_outside_the_audio_folder_is_never_served(alice_api, alice, make_job, settings):
    secret = settings.MEDIA_ROOT / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("top secret")
    for name in ("secret.txt", "audio/../secret.txt", "/etc/passwd"):
        job = make_job(alice, audio=name)
        response = alice_api.get(url(job))
        assert response.status_code == 404, name
