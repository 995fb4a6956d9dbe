"""The staff UI in a real browser: log in, synthesize with an emotion, listen, download, find the
job in the history, delete it, log out; and another user cannot reach it."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import pytest
from playwright.sync_api import expect

from synthesis.models import SynthesisJob

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.qcluster, pytest.mark.slow]

SENTENCE = "今天天气真好，我们一起去公园散步吧！"
SYNTH_TIMEOUT_MS = 90_000  # the worker loads the built-in voice on its first job

# Records every percentage the page shows, so a test can tell that progress moved.
RECORD_PROGRESS = """() => {
  window.seenPercents = [];
  const node = document.getElementById('job-percent');
  new MutationObserver(() => window.seenPercents.push(node.textContent))
    .observe(node, {childList: true, characterData: true, subtree: true});
}"""

AUDIO_STATE = """(selector) => {
  const audio = document.querySelector(selector);
  return {duration: audio.duration, error: audio.error ? audio.error.code : null,
          readyState: audio.readyState, src: audio.currentSrc};
}"""


def wait_for_audio(page, selector: str) -> dict:
    page.wait_for_function(
        "(s) => { const a = document.querySelector(s); return a && (a.error || a.duration > 0); }",
        arg=selector,
        timeout=SYNTH_TIMEOUT_MS,
    )
    return page.evaluate(AUDIO_STATE, selector)


def test_synthesize_listen_download_find_delete(page, new_page, live_server, qcluster, alice, bob):
    # Every page but the login page sends a stranger to log in.
    page.goto("/history/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/history/"))
    log_in(page, "alice")
    expect(page).to_have_url(re.compile(r"/history/$"))
    page.get_by_role("link", name="合成", exact=True).click()

    # Synthesize a sentence with an emotion, submitting with Ctrl+Enter.
    text = page.get_by_label("文本")
    text.fill(SENTENCE)
    expect(page.locator("#char-count")).to_contain_text(f"{len(SENTENCE)} / ")
    page.get_by_label("音色").select_option("baker")
    page.get_by_label("情感", exact=True).select_option("happy")
    page.evaluate(RECORD_PROGRESS)
    text.press("Control+Enter")

    expect(page.locator("#job-percent")).to_have_text("100 %", timeout=SYNTH_TIMEOUT_MS)
    assert page.eval_on_selector("#job-progress", "p => p.value") == 100
    expect(page.locator("#job-status")).to_have_text("完成。")
    expect(page.locator("#job-cancel")).to_be_hidden()

    # The audio loads and plays: a real duration, no media error.
    state = wait_for_audio(page, "#job-player")
    assert state["error"] is None, state
    assert state["duration"] > 1.0, state
    expect(page.locator("#job-duration")).to_contain_text("秒")
    expect(page.locator("#job-synthesis-time")).to_contain_text("秒")
    page.wait_for_function(
        "() => !document.getElementById('job-player').paused || "
        "!document.getElementById('autoplay-note').hidden"
    )

    job = SynthesisJob.objects.get(owner=alice)
    assert (job.status, job.voice, job.emotion, job.source) == (
        "succeeded",
        "baker",
        "happy",
        "web",
    )

    # The download is a valid WAV file at the voice's 24 kHz.
    with page.expect_download() as download_info:
        page.locator("#job-download").click()
    path = Path(download_info.value.path())
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(str(path)) as wav:
        assert wav.getframerate() == 24000
        assert wav.getnframes() / wav.getframerate() == pytest.approx(state["duration"], abs=0.05)
    audio_url = state["src"]

    # The job is in the history, newest first, and can be searched and filtered.
    page.get_by_role("link", name="历史记录").click()
    row = page.locator("tbody tr", has_text=SENTENCE)
    expect(row).to_have_count(1)
    assert row.get_attribute("data-job-id") == str(job.id)
    expect(row.locator("audio")).to_have_count(1)

    page.get_by_label("搜索文本").fill("公园")
    page.get_by_role("button", name="筛选").click()
    expect(row).to_have_count(1)
    page.get_by_label("搜索文本").fill("没有这句话")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有符合筛选条件的任务。")).to_be_visible()
    page.get_by_label("搜索文本").fill("")
    page.get_by_label("情感").select_option("sad")
    page.get_by_role("button", name="筛选").click()
    expect(row).to_have_count(0)
    page.get_by_label("情感").select_option("happy")
    page.get_by_label("状态").select_option("succeeded")
    page.get_by_role("button", name="筛选").click()
    expect(row).to_have_count(1)

    # The inline player of the row plays the same audio.
    row.locator("audio").evaluate("a => a.load()")
    inline = wait_for_audio(page, f"tr[data-job-id='{job.id}'] audio")
    assert inline["error"] is None and inline["duration"] > 1.0

    # The detail page lists the parameters.
    row.get_by_role("link", name=SENTENCE).click()
    expect(page).to_have_url(re.compile(rf"/history/{job.id}/$"))
    parameters = page.locator(".facts").first
    expect(parameters).to_contain_text("开心")
    expect(parameters).to_contain_text("24000 Hz")
    detail_url = page.url

    # Bob, in his own browser context, can neither see the job nor fetch its audio.
    bob_page = new_page()
    log_in(bob_page, "bob")
    assert bob_page.goto(detail_url).status == 404
    unsigned = bob_page.request.get(f"/api/tts/jobs/{job.id}/audio")
    assert unsigned.status in (403, 404)
    assert bob_page.request.get(f"/history/{job.id}/status/").status == 404
    bob_page.goto("/history/")
    expect(bob_page.locator("tbody tr")).to_have_count(0)
    assert SENTENCE not in bob_page.content()

    # Alice deletes the job after confirming; its audio link dies with it.
    page.get_by_role("link", name="删除").click()
    expect(page.get_by_role("heading", name="删除这个任务？")).to_be_visible()
    page.get_by_role("button", name="确认删除").click()
    expect(page).to_have_url(re.compile(r"/history/$"))
    expect(page.get_by_text("任务已删除。")).to_be_visible()
    expect(page.locator("tbody tr", has_text=SENTENCE)).to_have_count(0)
    assert page.request.get(audio_url).status in (403, 404, 410)

    # Log out through the user menu.
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
