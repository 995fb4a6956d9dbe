"""Voices, the OpenAPI schema and docs, health probes, and error shapes of unknown routes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_voices_list_emotions_controls_formats(alice_api):
    response = alice_api.get("/api/voices")
    assert response.status_code == 200
    voices = {v["id"]: v for v in response.json()["voices"]}
    tone = voices["test-tone"]
    assert [e["id"] for e in tone["emotions"]] == ["neutral", "happy", "sad", "angry"]
    assert tone["emotions"][1]["label"] == "Happy"
    assert tone["controls"]["speed"] == {"min": 0.5, "max": 2.0, "default": 1.0, "unit": "x"}
    assert tone["controls"]["pitch"]["min"] == -12 and tone["controls"]["pitch"]["max"] == 12
    assert (tone["controls"]["volume"]["min"], tone["controls"]["volume"]["max"]) == (-20, 12)
    assert tone["controls"]["intensity"]["max"] == 2
    assert tone["formats"] == ["wav", "flac", "ogg", "mp3", "opus"]
    assert 24000 in tone["sample_rates"]
    assert tone["sample_rates_by_format"]["opus"] == [8000, 16000, 24000, 48000]
    assert tone["sample_rates_by_format"]["wav"] == tone["sample_rates"]


def test_the_builtin_voice_is_listed_with_seven_emotions(alice_api):
    voices = {v["id"]: v for v in alice_api.get("/api/voices").json()["voices"]}
    if "baker" not in voices:
        pytest.skip("built-in engine not registered")
    assert {e["id"] for e in voices["baker"]["emotions"]} >= {
        "neutral",
        "happy",
        "sad",
        "angry",
        "surprised",
        "fearful",
        "gentle",
    }


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/tts", "/api/tts/jobs", "/api/tts/jobs/{id}/cancel", "/api/voices"):
        assert path in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_503_without_a_cluster(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["voice"]["ok"] is True
    assert checks["queue"]["ok"] is False


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_readyz_is_200_with_a_cluster(qcluster, client):
    import time

    for _ in range(60):
        response = client.get("/readyz")
        if response.status_code == 200:
            break
        time.sleep(0.5)
    assert response.status_code == 200, response.json()
    assert all(check["ok"] for check in response.json()["checks"].values())


def test_unknown_api_paths_are_404_in_the_error_shape(alice_api, anon_api):
    for client in (alice_api, anon_api):
        response = client.get("/api/nothing/here")
        assert response.status_code == 404
        assert response.json()["status"] == "error"


def test_wrong_method_is_405_in_the_error_shape(alice_api):
    response = alice_api.get("/api/tts")
    assert response.status_code == 405
    assert response.json() == {"status": "error", "message": 'Method "GET" not allowed.'}


def test_error_messages_follow_the_callers_language(alice_api, anon_api):
    response = alice_api.post(
        "/api/tts", {"text": ""}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": "error",
        "message": "text: 文本为空。",
        "errors": {"text": ["文本为空。"]},
    }
    response = anon_api.get("/api/tts/jobs", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json()["message"] == "身份认证信息未提供。"
