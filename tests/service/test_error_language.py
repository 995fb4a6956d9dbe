"""Failure reasons are stored in English, whatever language the worker speaks, and read in
the reader's language (zh-Hans by default, English one setting away)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from synthesis import services
from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE

pytestmark = pytest.mark.django_db
Status = SynthesisJob.Status


def test_a_chinese_worker_stores_an_english_reason_that_readers_see_in_their_language(
    alice, make_job, settings
):
    settings.TTS_MAX_ATTEMPTS = 2
    job = make_job(
        alice,
        status=Status.RUNNING,
        attempts=2,
        worker="deadhost:1:ab",
        started_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    with translation.override("zh-hans"):  # the worker's LANGUAGE_CODE by default
        services.jobs_reap()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error_message == "The worker stopped responding; gave up after 2 attempts."
    with translation.override("zh-hans"):
        chinese = job.localized_error()
    with translation.override("en"):
        english = job.localized_error()
    assert english == job.error_message
    assert "2" in chinese and chinese != english and "worker" not in chinese


def test_an_unexpected_error_keeps_its_technical_detail_under_a_translated_heading(alice):
    created = services.job_create(owner=alice, text="一，二。[fail]", voice=TEST_VOICE)
    with translation.override("zh-hans"):
        job = services.job_run(job_id=created.pk)
    assert job.error_message.startswith("Synthesis failed: RuntimeError: ")
    with translation.override("zh-hans"):
        chinese = job.localized_error()
    assert "the tone generator broke down" in chinese and not chinese.startswith("Synthesis")


def test_the_api_shows_the_reason_in_the_callers_language(alice, make_job, client):
    job = make_job(
        alice,
        status=Status.FAILED,
        error_message="The text has nothing to speak.",
        error_detail={"msgid": "The text has nothing to speak."},
    )
    client.force_login(alice)
    zh = client.get(f"/api/tts/jobs/{job.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = client.get(f"/api/tts/jobs/{job.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert en["error_message"] == "The text has nothing to speak."
    assert zh["error_message"] != en["error_message"] and zh["error_message"]


def test_reasons_stored_before_error_detail_existed_still_show(alice, make_job):
    job = make_job(alice, status=Status.FAILED, error_message="引擎未加载")
    assert job.localized_error() == "引擎未加载"


def test_a_text_with_nothing_to_speak_is_refused_before_it_is_queued(alice, client):
    """Punctuation, symbols and emoji alone: a 400 with the reason in the caller's language,
    not a job that fails in the worker."""
    from rest_framework.authtoken.models import Token

    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=alice).key}"}
    before = SynthesisJob.objects.count()
    replies = {}
    for language in ("zh-hans", "en"):
        response = client.post(
            "/api/tts",
            {"text": "……！！！🙂", "emotion": "neutral"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
            **headers,
        )
        assert response.status_code == 400
        replies[language] = response.json()["message"]
    assert replies["en"] == "The text has nothing to speak."
    assert replies["zh-hans"] != replies["en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in replies["zh-hans"]), "said in Chinese"
    assert SynthesisJob.objects.count() == before


def test_the_engines_nothing_to_speak_is_stored_as_our_translatable_reason(alice):
    created = services.job_create(owner=alice, text="[sleep=0]", voice=TEST_VOICE)
    with translation.override("zh-hans"):
        job = services.job_run(job_id=created.pk)
    assert job.status == Status.FAILED
    assert job.error_message == "The text has nothing to speak."
    with translation.override("zh-hans"):
        chinese = job.localized_error()
    assert chinese and chinese != job.error_message
