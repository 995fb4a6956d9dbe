"""Fuzz and odd-script tests: analyze never crashes, never loops, emits only known symbols."""

from __future__ import annotations

import random
import time

import pytest

# Code-point pools the fuzzer draws from: CJK, ASCII, digits, full-width forms, kana, Hangul,
# Cyrillic, combining marks, controls, emoji and joiners, variation selectors, punctuation.
_POOLS = [
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20, 0x7E), (0x30, 0x39), (0xFF01, 0xFF5E),
    (0x3040, 0x30FF), (0xAC00, 0xD7A3), (0x0400, 0x04FF), (0x0300, 0x036F), (0x00, 0x1F),
    (0x1F300, 0x1FAFF), (0x200B, 0x200F), (0xFE00, 0xFE0F), (0x3000, 0x303F), (0x2000, 0x206F),
    (0x0600, 0x06FF), (0x0E00, 0x0E7F), (0xE000, 0xE0FF), (0x20000, 0x2A6DF), (0x80, 0xFF),
]  # fmt: skip
_SNIPPETS = [
    "¥", "元", "%", "℃", "kg", "公斤", "2024年", "5月1日", "3:30", "-", ".", "/", "一", "不",
    "儿", "，", "。", "……", "\u200d", "👨\u200d👩\u200d👧", "e\u0301", "\x1b[0m",
]  # fmt: skip


def _random_text(rng: random.Random) -> str:
    out: list[str] = []
    n = rng.randint(0, 300)
    while len(out) < n:
        if rng.random() < 0.15:
            out.append(rng.choice(_SNIPPETS))
        else:
            lo, hi = rng.choice(_POOLS)
            out.append(chr(rng.randint(lo, hi)))
    return "".join(out)[:300]


def _check(frontend, mapper, text: str) -> None:
    t0 = time.perf_counter()
    passes = frontend.analyze(text, max_syllables=60, first_max_syllables=12)
    assert time.perf_counter() - t0 < 2.0, "analyze took too long (loop?)"
    ids = mapper["symbol_to_id"]
    prev_end = 0
    for p in passes:
        assert 0 <= p.start <= p.end <= len(text)
        assert p.start >= prev_end
        prev_end = p.end
        assert text[p.start : p.end] == p.text
        assert p.pinyin and len(p.pinyin) <= 60
        assert all(s in ids for s in p.symbols), [s for s in p.symbols if s not in ids]
        assert p.symbols[0] == "sil" and p.symbols[-2:] == ["sil", "eos"]


def test_fuzz_random_unicode(frontend, mapper) -> None:
    rng = random.Random(20240501)
    for _ in range(300):
        text = _random_text(rng)
        try:
            _check(frontend, mapper, text)
        except Exception as e:  # report the failing input, not just the assertion
            raise AssertionError(f"input {text!r}: {e!r}") from e


MIXED = [
    ("👨\u200d👩\u200d👧\u200d👦你好", "ni2 hao3"),
    ("你\u200d好", "ni2 hao3"),
    ("cafe\u0301好", "xi1 ei1 ai2 fu5 yi4 hao3"),
    ("café好", "xi1 ei1 ai2 fu5 yi4 hao3"),
    ("１２３ＡＢＣ", "yi4 bai3 er4 shi2 san1 ei1 bi4 xi1"),
    ("こんにちは世界", "shi4 jie4"),
    ("안녕하세요，你好", "ni2 hao3"),
    ("Привет，你好", "ni2 hao3"),
    ("\x00\x07\x1b[31m红色\x1b[0m", "hong2 se4"),
    ("❤️好的", "hao3 de5"),
    ("🇨🇳中国", "zhong1 guo2"),
]


@pytest.mark.parametrize(("text", "expected"), MIXED)
def test_mixed_scripts(frontend, mapper, pinyin_of, text: str, expected: str) -> None:
    _check(frontend, mapper, text)
    assert pinyin_of(text) == expected
