"""Screenshots of the main pages, desktop and phone width; the phone pages must not scroll
sideways. Saved under $TTS_SCREENSHOTS_DIR when set (scripts/screenshots.py sets it to
docs/screenshots), else in the test's temporary folder."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from synthesis.models import SynthesisJob

from .conftest import log_in
from .test_synthesis_flow import SYNTH_TIMEOUT_MS, wait_for_audio

pytestmark = [pytest.mark.browser, pytest.mark.qcluster, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def test_screenshots(new_page, live_server, qcluster, alice, make_job, tmp_path):
    out = Path(os.environ.get("TTS_SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    older = [
        ("会议将在下午三点准时开始，请大家提前到场。", "neutral", "succeeded", {}),
        (
            "哇，这真是一个惊喜！",
            "surprised",
            "failed",
            {"error_message": "引擎未能加载模型文件。"},
        ),
        ("感谢您的耐心等待，祝您生活愉快。", "gentle", "succeeded", {"audio_purged_at": now}),
    ]
    for minutes, (text, emotion, status, extra) in enumerate(older, start=1):
        make_job(
            alice,
            text=text,
            voice="baker",
            emotion=emotion,
            status=status,
            audio=status == "succeeded" and not extra,
            created_at=now - dt.timedelta(hours=minutes),
            **extra,
        )

    page = new_page()
    page.goto("/login/")
    page.screenshot(path=out / "login.png", full_page=True)
    log_in(page, "alice")
    page.get_by_label("文本").fill("欢迎使用中文多情感语音合成服务，祝您今天心情愉快！")
    page.get_by_label("情感", exact=True).select_option("happy")
    page.get_by_label("语速").fill("1.1")
    page.get_by_role("button", name="合成", exact=True).click()
    expect(page.locator("#job-percent")).to_have_text("100 %", timeout=SYNTH_TIMEOUT_MS)
    wait_for_audio(page, "#job-player")
    page.evaluate("document.getElementById('job-player').pause()")
    page.screenshot(path=out / "synthesize.png", full_page=True)

    page.goto("/history/")
    page.screenshot(path=out / "history.png", full_page=True)
    job = SynthesisJob.objects.filter(owner=alice, source="web").get()
    page.goto(f"/history/{job.id}/")
    page.screenshot(path=out / "job-detail.png", full_page=True)
    page.goto("/tokens/")
    page.get_by_role("button", name="创建令牌").click()
    page.screenshot(path=out / "tokens.png", full_page=True)

    phone = new_page(**PHONE)
    log_in(phone, "alice")
    no_sideways_scroll(phone)
    phone.screenshot(path=out / "phone-synthesize.png", full_page=True)
    for path, name in (("/history/", "phone-history.png"), (f"/history/{job.id}/", None)):
        phone.goto(path)
        no_sideways_scroll(phone)
        if name:
            phone.screenshot(path=out / name, full_page=True)

    with page.expect_navigation():
        page.get_by_label("语言").select_option("en")
    page.goto(f"/history/{job.id}/")
    page.screenshot(path=out / "job-detail-en.png", full_page=True)
    assert not page.js_errors and not phone.js_errors
