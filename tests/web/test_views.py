"""The staff web UI through Django's test client: access, permissions, history, tokens, i18n."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE

pytestmark = pytest.mark.django_db

JOB_PAGES = ("job_detail", "job_delete", "job_status")


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/history/", "/tokens/", "/password/", f"/history/{uuid.uuid4()}/"],
)
def test_every_page_but_login_needs_a_signed_in_user(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


def test_login_then_logout(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "alice-pass-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("synthesize")
    assert response.context["user"] == alice
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_bad_login_says_so_in_plain_words(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_password_change(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "alice-pass-123",
            "new_password1": "a-much-longer-pass-456",
            "new_password2": "a-much-longer-pass-456",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a-much-longer-pass-456")


# --- synthesize page --------------------------------------------------------------------------


def test_synthesize_page_shows_limit_pickers_and_sliders(client, alice, settings):
    settings.TTS_MAX_TEXT_CHARS = 1234
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert 'maxlength="1234"' in html
    for name in ("voice", "emotion", "output_format", "speed", "pitch", "volume", "intensity"):
        assert f'name="{name}"' in html
    assert 'id="voices-data"' in html
    assert "data-reset=" in html


def test_empty_text_is_an_inline_json_error(client, alice):
    client.force_login(alice)
    response = client.post("/", {"text": "  "}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error"
    assert body["message"]
    assert "Traceback" not in body["message"]


def test_too_long_text_is_refused_in_plain_words(client, alice, settings):
    settings.TTS_MAX_TEXT_CHARS = 10
    client.force_login(alice)
    response = client.post(
        "/",
        {"text": "一" * 11, "voice": "baker", "emotion": "neutral"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "10" in response.json()["message"]


def test_synthesize_again_prefills_the_form(client, alice, make_job):
    job = make_job(alice, text="再说一遍", emotion="sad", speed=1.5)
    client.force_login(alice)
    form = client.get(f"/?again={job.id}").context["form"]
    assert form.initial["text"] == "再说一遍"
    assert form.initial["emotion"] == "sad"
    assert form.initial["speed"] == 1.5


def test_synthesize_again_ignores_someone_elses_job(client, alice, bob, make_job):
    job = make_job(alice, text="秘密")
    client.force_login(bob)
    response = client.get(f"/?again={job.id}")
    assert response.status_code == 200
    assert "秘密" not in response.content.decode()


def test_job_status_json(client, alice, make_job):
    job = make_job(
        alice,
        status=SynthesisJob.Status.RUNNING,
        progress_done=3,
        progress_total=4,
    )
    client.force_login(alice)
    body = client.get(reverse("job_status", args=[job.id])).json()
    assert body["status"] == "running"
    assert (body["progress_done"], body["progress_total"], body["percent"]) == (3, 4, 75)
    assert body["final"] is False
    assert body["audio_url"] == ""


def test_finished_job_status_has_signed_audio_urls(client, alice, make_job):
    job = make_job(alice, audio=True, synthesis_seconds=0.12)
    client.force_login(alice)
    body = client.get(reverse("job_status", args=[job.id])).json()
    assert body["percent"] == 100
    assert "sig=" in body["audio_url"]
    assert "download=1" in body["download_url"]


def test_failed_job_shows_its_reason_not_a_blob(client, alice, make_job):
    job = make_job(alice, status=SynthesisJob.Status.FAILED, error_message="引擎未加载")
    client.force_login(alice)
    body = client.get(reverse("job_status", args=[job.id])).json()
    assert "引擎未加载" in body["error"]
    html = client.get(reverse("job_detail", args=[job.id])).content.decode()
    assert "引擎未加载" in html


def test_cancel_an_active_job(client, alice, make_job):
    job = make_job(alice, status=SynthesisJob.Status.QUEUED, progress_done=0)
    client.force_login(alice)
    response = client.post(reverse("job_cancel", args=[job.id]), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = client.post(reverse("job_cancel", args=[job.id]), HTTP_ACCEPT="application/json")
    assert again.status_code == 409
    assert again.json()["message"]


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", JOB_PAGES)
def test_bob_cannot_see_alices_job(client, alice, bob, make_job, name):
    job = make_job(alice, audio=True)
    client.force_login(bob)
    assert client.get(reverse(name, args=[job.id])).status_code == 404


def test_bob_cannot_delete_or_cancel_alices_job(client, alice, bob, make_job):
    job = make_job(alice, status=SynthesisJob.Status.QUEUED)
    client.force_login(bob)
    assert client.post(reverse("job_delete", args=[job.id])).status_code == 404
    assert client.post(reverse("job_cancel", args=[job.id])).status_code == 404
    job.refresh_from_db()
    assert job.deleted_at is None
    assert job.status == SynthesisJob.Status.QUEUED


def test_history_shows_only_own_jobs(client, alice, bob, make_job):
    make_job(alice, text="爱丽丝的句子")
    make_job(bob, text="鲍勃的句子")
    client.force_login(bob)
    html = client.get(reverse("history")).content.decode()
    assert "鲍勃的句子" in html
    assert "爱丽丝的句子" not in html
    assert client.get(reverse("history")).context["show_owner"] is False


def test_staff_see_everyone_with_an_owner_column_and_filter(client, alice, bob, staff, make_job):
    make_job(alice, text="爱丽丝的句子")
    make_job(bob, text="鲍勃的句子")
    client.force_login(staff)
    response = client.get(reverse("history"))
    html = response.content.decode()
    assert response.context["show_owner"]
    assert "爱丽丝的句子" in html and "鲍勃的句子" in html
    html = client.get(reverse("history"), {"owner": "bob"}).content.decode()
    assert "鲍勃的句子" in html and "爱丽丝的句子" not in html


def test_staff_can_open_anyones_job(client, alice, staff, make_job):
    job = make_job(alice)
    client.force_login(staff)
    assert client.get(reverse("job_detail", args=[job.id])).status_code == 200


# --- history ----------------------------------------------------------------------------------


def texts(response) -> list[str]:
    return [row["job"].text for row in response.context["rows"]]


def test_history_is_newest_first_and_paginated(client, alice, make_job):
    now = timezone.now()
    for i in range(25):
        make_job(alice, text=f"第{i}句", created_at=now - dt.timedelta(minutes=i))
    client.force_login(alice)
    first = client.get(reverse("history"))
    assert texts(first)[:2] == ["第0句", "第1句"]
    assert len(texts(first)) == 20
    assert first.context["page"].paginator.num_pages == 2
    second = client.get(reverse("history"), {"page": 2})
    assert texts(second) == [f"第{i}句" for i in range(20, 25)]


def test_pagination_keeps_the_filters(client, alice, make_job):
    for i in range(22):
        make_job(alice, text=f"天气 {i}", emotion="happy")
    client.force_login(alice)
    html = client.get(reverse("history"), {"emotion": "happy"}).content.decode()
    assert "emotion=happy&amp;page=2" in html


def test_history_search_and_filters(client, alice, make_job):
    make_job(alice, text="今天天气很好", emotion="happy")
    make_job(alice, text="我很难过", emotion="sad", status=SynthesisJob.Status.FAILED)
    old = make_job(alice, text="很久以前", emotion="neutral")
    SynthesisJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    client.force_login(alice)
    url = reverse("history")
    assert texts(client.get(url, {"q": "天气"})) == ["今天天气很好"]
    assert texts(client.get(url, {"emotion": "sad"})) == ["我很难过"]
    assert texts(client.get(url, {"status": "failed"})) == ["我很难过"]
    assert texts(client.get(url, {"voice": TEST_VOICE, "q": "很"})) == [
        "我很难过",
        "今天天气很好",
        "很久以前",
    ]
    today = timezone.localdate()
    assert sorted(texts(client.get(url, {"date_from": today.isoformat()}))) == sorted(
        ["今天天气很好", "我很难过"]
    )
    before = (today - dt.timedelta(days=5)).isoformat()
    assert texts(client.get(url, {"date_to": before})) == ["很久以前"]
    assert texts(client.get(url, {"q": "没有这句"})) == []


def test_history_escapes_the_users_text(client, alice, make_job):
    make_job(alice, text="<script>alert(1)</script>")
    client.force_login(alice)
    html = client.get(reverse("history")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_history_plays_audio_inline_and_marks_purged_audio(client, alice, make_job):
    make_job(alice, text="有声音", audio=True)
    make_job(alice, text="已清理", audio_purged_at=timezone.now(), audio="audio/gone.wav")
    client.force_login(alice)
    html = client.get(reverse("history")).content.decode()
    assert html.count("<audio") == 1
    assert "sig=" in html
    assert "音频已按保留策略删除" in html


def test_deleted_jobs_leave_the_history(client, alice, make_job):
    make_job(alice, text="", deleted_at=timezone.now())
    client.force_login(alice)
    assert texts(client.get(reverse("history"))) == []


# --- delete -----------------------------------------------------------------------------------


def test_delete_asks_for_confirmation_first(client, alice, make_job):
    job = make_job(alice, text="要删除的", audio=True)
    client.force_login(alice)
    response = client.get(reverse("job_delete", args=[job.id]))
    assert response.status_code == 200
    assert "要删除的" in response.content.decode()
    job.refresh_from_db()
    assert job.deleted_at is None and job.has_audio


def test_delete_after_confirmation(client, alice, make_job):
    job = make_job(alice, text="要删除的", audio=True)
    client.force_login(alice)
    response = client.post(reverse("job_delete", args=[job.id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("history")
    job.refresh_from_db()
    assert job.deleted_at is not None
    assert job.text == ""
    assert client.get(reverse("job_detail", args=[job.id])).status_code == 404


def test_job_detail_shows_parameters_and_timings(client, alice, make_job):
    job = make_job(
        alice,
        audio=True,
        emotion="happy",
        speed=1.25,
        pitch=2.0,
        volume=-3.0,
        synthesis_seconds=0.42,
        rtf=0.1,
        started_at=timezone.now(),
    )
    client.force_login(alice)
    html = client.get(reverse("job_detail", args=[job.id])).content.decode()
    for expected in ("开心", "1.25", "2.0", "-3.0", "0.42", "24000 Hz", "<audio"):
        assert expected in html


def test_job_detail_of_purged_audio_has_no_player(client, alice, make_job):
    job = make_job(alice, audio_purged_at=timezone.now(), audio="audio/gone.wav")
    client.force_login(alice)
    html = client.get(reverse("job_detail", args=[job.id])).content.decode()
    assert "<audio" not in html
    assert "音频已按保留策略删除" in html


# --- tokens -----------------------------------------------------------------------------------


def test_token_is_created_shown_once_and_revoked(client, alice):
    client.force_login(alice)
    assert client.get(reverse("tokens")).context["token"] is None
    response = client.post(reverse("tokens"), {"action": "create"}, follow=True)
    key = Token.objects.get(user=alice).key
    assert key in response.content.decode()
    again = client.get(reverse("tokens")).content.decode()
    assert key not in again
    assert key[:4] in again
    client.post(reverse("tokens"), {"action": "revoke"})
    assert not Token.objects.filter(user=alice).exists()


def test_replacing_a_token_invalidates_the_old_one(client, alice):
    client.force_login(alice)
    client.post(reverse("tokens"), {"action": "create"})
    first = Token.objects.get(user=alice).key
    client.post(reverse("tokens"), {"action": "create"})
    assert Token.objects.get(user=alice).key != first


def test_token_pages_only_touch_ones_own_token(client, alice, bob):
    bobs = Token.objects.create(user=bob)
    client.force_login(alice)
    assert client.get(reverse("tokens")).context["token"] is None
    client.post(reverse("tokens"), {"action": "revoke"})
    assert Token.objects.filter(pk=bobs.pk).exists()


def test_tokens_need_csrf(alice):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    assert csrf_client.post(reverse("tokens"), {"action": "create"}).status_code == 403


# --- language ---------------------------------------------------------------------------------


def test_language_switch_to_english_and_back(client, alice):
    client.force_login(alice)
    assert "历史记录" in client.get(reverse("history")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("history")})
    assert response.status_code == 302
    html = client.get(reverse("history")).content.decode()
    assert '<html lang="en">' in html
    assert "History" in html and "历史记录" not in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "历史记录" in client.get(reverse("history")).content.decode()


# --- submitting -------------------------------------------------------------------------------


def test_submitting_creates_a_web_job_and_answers_json(client, alice):
    client.force_login(alice)
    response = client.post(
        "/",
        {"text": "你好。", "voice": TEST_VOICE, "emotion": "happy", "speed": "1.2"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 202
    body = response.json()
    job = SynthesisJob.objects.get(pk=body["id"])
    assert (job.owner, job.source, job.emotion, job.speed) == (alice, "web", "happy", 1.2)
    assert (job.pitch, job.volume, job.intensity) == (0.0, 0.0, 1.0)
    assert body["status"] == "queued"
    assert body["detail_url"] == reverse("job_detail", args=[job.id])


def test_submitting_without_javascript_lands_on_the_job_page(client, alice):
    client.force_login(alice)
    response = client.post("/", {"text": "你好。", "voice": TEST_VOICE, "emotion": "neutral"})
    job = SynthesisJob.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("job_detail", args=[job.id])
    html = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in html  # it follows the job without JavaScript too


def test_an_emotion_the_voice_cannot_speak_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(
        "/",
        {"text": "你好。", "voice": TEST_VOICE, "emotion": "gentle"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "温柔" in response.json()["message"]
    assert not SynthesisJob.objects.exists()


def test_out_of_range_controls_are_refused(client, alice):
    client.force_login(alice)
    response = client.post(
        "/",
        {"text": "你好。", "voice": TEST_VOICE, "emotion": "neutral", "speed": "9"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "speed" in response.json()["errors"]
