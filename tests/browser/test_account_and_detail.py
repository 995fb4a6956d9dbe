"""The job detail page following a running job to its end, and changing one's password, in a
real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from synthesis import services
from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE

from .conftest import log_in
from .test_synthesis_flow import RECORD_PROGRESS, SYNTH_TIMEOUT_MS, wait_for_audio

pytestmark = [pytest.mark.browser]


@pytest.mark.qcluster
@pytest.mark.slow
def test_the_detail_page_follows_a_running_job_and_then_plays_it(
    page, live_server, qcluster, alice
):
    clauses = "，".join(f"第{i}句" for i in range(12))
    job = services.job_create(owner=alice, text=f"[sleep=0.4]{clauses}。", voice=TEST_VOICE)
    log_in(page, "alice")
    page.goto(f"/history/{job.pk}/")
    expect(page.locator("#live-job")).to_be_visible()
    # Done: the page reloads itself without the live box, with a player that loads the audio.
    expect(page.locator("#live-job")).to_have_count(0, timeout=SYNTH_TIMEOUT_MS)
    state = wait_for_audio(page, "audio")
    assert state["error"] is None and state["duration"] > 0.5, state
    assert SynthesisJob.objects.get(pk=job.pk).status == SynthesisJob.Status.SUCCEEDED


@pytest.mark.qcluster
def test_the_detail_page_shows_live_progress_before_the_end(page, live_server, qcluster, alice):
    clauses = "，".join(f"第{i}句" for i in range(20))
    job = services.job_create(owner=alice, text=f"[sleep=0.4]{clauses}。", voice=TEST_VOICE)
    log_in(page, "alice")
    page.goto(f"/history/{job.pk}/")
    page.evaluate(RECORD_PROGRESS)
    # Progress moves on the page while the worker runs, without reloading it.
    page.wait_for_function(
        "() => (window.seenPercents || []).some(p => p !== '0 %' && p !== '100 %')",
        timeout=SYNTH_TIMEOUT_MS,
    )
    expect(page.locator("#job-status")).to_contain_text("正在合成")


def test_a_user_changes_their_password_and_logs_in_with_the_new_one(page, live_server, alice):
    log_in(page, "alice")
    page.locator("summary", has_text="alice").click()  # the user menu
    page.get_by_role("link", name="修改密码").click()
    page.get_by_label("旧密码").fill("alice-pass-123")
    page.get_by_label("新密码", exact=True).fill("a-new-Passphrase-42")
    page.get_by_label("新密码确认").fill("a-new-Passphrase-42")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("heading", name="密码已修改")).to_be_visible()
    page.locator("summary", has_text="alice").click()
    page.get_by_role("button", name="退出登录").click()
    page.goto("/login/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill("alice-pass-123")  # the old one no longer works
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert "/login/" in page.url
    log_in(page, "alice", "a-new-Passphrase-42")
    expect(page.locator("summary", has_text="alice")).to_be_visible()


def test_a_wrong_old_password_is_refused_in_plain_words(page, live_server, alice):
    log_in(page, "alice")
    page.goto("/password/")
    page.get_by_label("旧密码").fill("not-my-password")
    page.get_by_label("新密码", exact=True).fill("a-new-Passphrase-42")
    page.get_by_label("新密码确认").fill("a-new-Passphrase-42")
    page.get_by_role("button", name="修改密码").click()
    expect(page.locator("form.stack")).to_contain_text("你的旧密码不正确")
    assert page.url.endswith("/password/")
    alice.refresh_from_db()
    assert alice.check_password("alice-pass-123")
