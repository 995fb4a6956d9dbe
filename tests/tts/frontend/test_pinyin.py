"""The compact pinyin tables give exactly what pypinyin's lazy_pinyin gives, at a fraction of
the memory (synthesis/tts/frontend/pinyin.py)."""

from __future__ import annotations

import random
import re
import subprocess
import sys

import pytest

from synthesis.tts.frontend import pinyin

pypinyin = pytest.importorskip("pypinyin")
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS  # noqa: E402


def _blank(chars: str) -> list[str]:
    return ["" for _ in chars]


def reference(text: str) -> list[str]:
    return pypinyin.lazy_pinyin(
        text, style=pypinyin.Style.TONE3, neutral_tone_with_five=True, errors=_blank
    )


def test_every_phrase_reads_as_in_pypinyin():
    words = [w for w in PHRASES_DICT if RE_HANS.match(w)]
    assert len(words) > 40_000
    wrong = [w for w in words if pinyin.tone3(w) != reference(w)]
    assert not wrong, f"{len(wrong)} phrases differ, e.g. {wrong[:5]}"


def test_every_character_reads_as_in_pypinyin():
    chars = [chr(cp) for cp in PINYIN_DICT] + ["\U0002a6d6", "\ue815", "〇", "a", "，", "😀"]
    wrong = [c for c in chars if pinyin.tone3(c) != reference(c)]
    assert not wrong, f"{len(wrong)} characters differ, e.g. {wrong[:5]}"


def test_running_text_segments_as_in_pypinyin():
    """Runs of phrases and characters glued together exercise the maximum matching across word
    boundaries, including prefixes that hold no phrase; other scripts and punctuation between."""
    rng = random.Random(7)
    words = sorted(w for w in PHRASES_DICT if RE_HANS.match(w))
    chars = [chr(cp) for cp in sorted(PINYIN_DICT)]
    glue = ["，", "a", " ", "1", "。", "ǎ", "😀", ""]
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 8)):
            roll = rng.random()
            if roll < 0.5:
                w = rng.choice(words)
                parts.append(w[: rng.randint(1, len(w))] if rng.random() < 0.3 else w)
            elif roll < 0.85:
                parts.append(rng.choice(chars))
            else:
                parts.append(rng.choice(glue))
        text = "".join(parts)
        assert pinyin.tone3(text) == reference(text), text


def test_known_readings(paragraph):
    assert pinyin.tone3("中国人民银行") == ["zhong1", "guo2", "ren2", "min2", "yin2", "hang2"]
    assert pinyin.tone3("衣裳") == ["yi1", "shang5"]
    assert pinyin.tone3("a中，") == ["", "zhong1", ""]
    assert pinyin.tone3(paragraph) == reference(paragraph)


def test_the_serving_process_never_imports_pypinyin(tmp_path):
    """pypinyin's own tables cost ≈ 50 MB; only the one-off cache build may import it."""
    code = (
        "import sys\n"
        "from synthesis.tts.frontend import g2p, pinyin\n"
        "print(pinyin.tone3('银行行长'))\n"
        "print('pypinyin' in sys.modules)\n"
    )
    env = {"TTS_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for _ in range(2):  # the first run builds the cache (in a subprocess), the second reads it
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=pinyin.Path(pinyin.__file__).resolve().parents[3],
        ).stdout.split("\n")
        assert out[0] == "['yin2', 'hang2', 'hang2', 'zhang3']"
        assert out[1] == "False"
    assert [p.name for p in (tmp_path / "tts-frontend").iterdir() if re.match("pinyin-", p.name)]


def test_a_broken_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path))
    path = pinyin.cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not marshal")
    monkeypatch.setattr(pinyin, "_store", None)
    assert pinyin.tone3("长大") == ["zhang3", "da4"]
    assert pinyin._read(path) is not None
