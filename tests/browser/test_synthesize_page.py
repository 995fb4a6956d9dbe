"""The synthesize page's behaviour in a browser: long texts, cancelling, inline errors,
the controls, and the language switch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE

from .conftest import log_in
from .test_synthesis_flow import RECORD_PROGRESS, SYNTH_TIMEOUT_MS, wait_for_audio

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PARAGRAPH = (
    "春天来了，公园里的花都开了。孩子们在草地上奔跑，老人们坐在长椅上聊天。"
    "远处的湖面上，几只小船慢慢地划过，阳光照在水面上，闪闪发光。"
    "我们沿着小路一直往前走，听着鸟儿的歌声，心情格外舒畅。"
)


@pytest.mark.qcluster
def test_a_long_text_shows_progress_the_whole_way(page, live_server, qcluster, alice):
    # The test voice (a tone per clause, 20 ms each) keeps this about the page, not the engine:
    # the built-in voice takes minutes for this much text on a small box.
    long_text = "[sleep=0.02]" + PARAGRAPH * 33  # about 3,000 characters, some 300 clauses
    assert len(long_text) >= 3000
    log_in(page, "alice")
    page.get_by_label("音色").select_option(TEST_VOICE)
    page.get_by_label("文本").fill(long_text)
    expect(page.locator("#char-count")).to_contain_text(f"{len(long_text)} / 5000")
    page.get_by_label("情感", exact=True).select_option("sad")
    page.evaluate(RECORD_PROGRESS)
    page.get_by_role("button", name="合成", exact=True).click()
    expect(page.locator("#job-percent")).to_have_text("100 %", timeout=SYNTH_TIMEOUT_MS)
    seen = page.evaluate("window.seenPercents")
    between = {p for p in seen if p not in ("0 %", "100 %")}
    assert len(between) >= 3, seen  # it moved in steps, not 0 then 100
    percents = [int(p.split()[0]) for p in seen]
    assert percents == sorted(percents), seen
    state = wait_for_audio(page, "#job-player")
    assert state["error"] is None and state["duration"] > 25, state


@pytest.mark.qcluster
def test_cancel_a_running_job(page, live_server, qcluster, alice):
    log_in(page, "alice")
    page.get_by_label("音色").select_option(TEST_VOICE)
    clauses = "，".join(f"第{i}句" for i in range(40))
    page.get_by_label("文本").fill(f"[sleep=0.3]{clauses}。")
    page.get_by_role("button", name="合成", exact=True).click()
    expect(page.locator("#job-status")).to_contain_text("正在合成", timeout=SYNTH_TIMEOUT_MS)
    page.get_by_role("button", name="取消").click()
    expect(page.locator("#job-status")).to_have_text("已取消。")
    expect(page.locator("#job-cancel")).to_be_hidden()
    expect(page.locator("#job-audio")).to_be_hidden()
    assert page.locator("#synth-submit").is_enabled()
    assert SynthesisJob.objects.get(owner=alice).status == SynthesisJob.Status.CANCELLED


def test_errors_appear_inline_in_plain_words(page, live_server, alice, settings):
    log_in(page, "alice")
    submit = page.get_by_role("button", name="合成", exact=True)
    error = page.locator("#form-error")

    submit.click()  # nothing typed
    expect(error).to_have_text("请输入要合成的文本。")

    settings.TTS_MAX_TEXT_CHARS = 20
    page.reload()
    page.get_by_label("文本").fill("一" * 21)
    expect(page.locator("#char-count")).to_have_class(re.compile("over"))
    page.get_by_label("文本").press("Control+Enter")
    expect(error).to_contain_text("文本过长")

    # A refusal from the server (the queue is full) reads as a sentence, not a JSON blob.
    settings.TTS_MAX_QUEUED_JOBS = 0
    page.get_by_label("文本").fill("你好")
    submit.click()
    expect(error).to_have_text("队列已满，请一分钟后再试。")
    assert "{" not in error.inner_text()
    expect(page.locator("#result")).to_be_hidden()
    assert submit.is_enabled()


def test_controls_follow_the_voice_and_reset(page, live_server, alice):
    log_in(page, "alice")
    emotion = page.get_by_label("情感", exact=True)
    page.get_by_label("音色").select_option("baker")
    assert len(emotion.locator("option").all()) == 7
    emotion.select_option("fearful")
    page.get_by_label("音色").select_option(TEST_VOICE)
    assert emotion.locator("option").all_inner_texts() == ["中性", "开心", "悲伤", "生气"]
    expect(emotion).to_have_value("neutral")  # fearful is not spoken by this voice

    speed = page.get_by_label("语速")
    speed.fill("1.5")
    expect(page.locator("#id_speed_value")).to_have_text("1.5 ×")
    page.get_by_role("button", name="重置语速").click()
    expect(speed).to_have_value("1")
    expect(page.locator("#id_speed_value")).to_have_text("1 ×")
    expect(speed).to_be_focused()

    # The form is reachable by keyboard, in order.
    page.get_by_label("文本").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("音色")).to_be_focused()


def test_language_switch(page, live_server, alice):
    log_in(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("语音合成")
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Synthesize speech")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("历史记录")


def test_token_is_shown_once_and_can_be_revoked(page, live_server, alice):
    log_in(page, "alice")
    page.get_by_role("link", name="API 令牌").click()
    page.get_by_role("button", name="创建令牌").click()
    key = page.get_by_label("您的令牌").input_value()
    assert len(key) == 40
    page.reload()
    expect(page.get_by_label("您的令牌")).to_have_count(0)
    assert key not in page.content()
    response = page.request.get("/api/voices", headers={"Authorization": f"Token {key}"})
    assert response.status == 200
    page.get_by_role("button", name="撤销令牌").click()
    expect(page.get_by_text("您还没有 API 令牌。")).to_be_visible()
    anonymous = page.context.browser.new_context(base_url=page.url.split("/tokens/")[0])
    try:
        response = anonymous.request.get("/api/voices", headers={"Authorization": f"Token {key}"})
        assert response.status == 401
    finally:
        anonymous.close()


REFUSE_AUTOPLAY = """
(() => {
  // What a browser's autoplay policy does to play() without a user gesture.
  const play = HTMLMediaElement.prototype.play;
  window.playCalls = 0;
  HTMLMediaElement.prototype.play = function () {
    window.playCalls += 1;
    if (window.playCalls === 1) {
      return Promise.reject(new DOMException("autoplay refused", "NotAllowedError"));
    }
    return play.call(this);
  };
})();
"""


@pytest.mark.qcluster
def test_a_refused_autoplay_says_to_press_play_and_play_works(
    new_page, live_server, qcluster, alice
):
    page = new_page()
    page.context.add_init_script(REFUSE_AUTOPLAY)
    log_in(page, "alice")
    page.get_by_label("音色").select_option(TEST_VOICE)
    page.get_by_label("文本").fill("[sleep=0.02]你好，世界。")
    page.get_by_role("button", name="合成", exact=True).click()
    note = page.locator("#autoplay-note")
    expect(note).to_be_visible(timeout=SYNTH_TIMEOUT_MS)
    expect(note).to_contain_text("播放")
    # Pressing play (the second call) plays: the note was a hint, not a dead end.
    page.evaluate("document.getElementById('job-player').play()")
    page.wait_for_function("!document.getElementById('job-player').paused")
    # A new synthesis hides the stale hint.
    page.get_by_role("button", name="合成", exact=True).click()
    expect(note).to_be_hidden()
    assert page.evaluate("window.playCalls") >= 2
    assert not page.js_errors, page.js_errors
