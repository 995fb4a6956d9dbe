"""Table tests for prosodic boundaries and pauses."""

from __future__ import annotations

import pytest

from synthesis.tts.frontend.prosody import pause_for


@pytest.mark.parametrize(
    ("punct", "seconds"),
    [
        ("。", 0.45),
        ("！", 0.45),
        ("？", 0.45),
        ("；", 0.3),
        ("：", 0.25),
        ("，", 0.2),
        ("、", 0.12),
        ("……", 0.55),
        ("——", 0.35),
        ("", 0.0),
        ("，。", 0.45),
    ],
)
def test_pause(punct: str, seconds: float) -> None:
    assert pause_for(punct) == seconds


def _marks(frontend, text: str) -> str:
    """Text with the boundary after each word, e.g. 我们#1一起去#3."""
    p = frontend.analyze(text)[0]
    return " ".join(s for s in p.symbols if s.startswith("#") and s != "#0")


BOUNDARIES = [
    # particles join their host, so no #1 before 了/的/吧
    ("春天来了", ""),
    ("他走了吗", ""),
    # a comma inside a pass is #3
    ("你好，再见", "#3"),
    ("我们一起去公园散步吧", "#1 #2 #1"),
    ("岸边的柳树抽出了嫩绿的新芽", "#1 #2 #1 #1"),
    # a conjunction / numeral-classifier phrase goes with what it introduces or counts
    ("几排长椅和一个小小的图书角", "#1 #2 #1 #1"),
    ("他买了三本很有意思的书", "#2 #1 #1"),
    # an 8-9 syllable phrase stays whole unless there is a clear break (subject | predicate)
    ("附近的居民都会沿着河边散步", "#1 #2 #1 #1 #1"),
    ("这里已经成了他们一天中最喜欢的地方", "#1 #2 #1 #2 #1"),
    # adverbs lean on their verb, not on a preceding monosyllabic subject
    ("我也想买", "#1"),
    ("他不想走", "#1"),
    ("我很想你", "#1"),
    ("傍晚时分，夕阳把河面染成了金色", "#1 #3 #1 #2 #1"),
]


@pytest.mark.parametrize(("text", "expected"), BOUNDARIES)
def test_boundaries(frontend, text: str, expected: str) -> None:
    assert _marks(frontend, text) == expected


def test_no_boundary_mark_between_modifier_and_head(frontend) -> None:
    p = frontend.analyze("城市边上的小河慢慢解冻")[0]
    i = p.pinyin.index("de5")
    # after 的 comes #1 at most, never a phrase break
    sylls = [k for k, s in enumerate(p.symbols) if s == "e5"]
    assert p.symbols[sylls[0] + 1] in ("#0", "#1")
    assert i >= 0


PARAGRAPH_MARKS = [
    "春天来了",
    "城市#1边上的#1小河#2慢慢#1解冻#3岸边的#1柳树#2抽出了#1嫩绿的#1新芽",
    "每天#1早上#3附近的#1居民#2都会#1沿着#1河边#1散步#3有的人#1打太极拳#3有的人#1遛狗#3"
    "还有#1几个#1孩子#2在草地上#1放风筝",
    "公园#1管理处#1最近#2增加了#1几排#1长椅#2和一个#1小小的#1图书角#3让大家#2在休息的#1时候#2"
    "也能读上#1几页书",
    "傍晚#1时分#3夕阳#1把河面#2染成了#1金色",
    "很多人#1说#3这里#1已经成了#2他们#1一天中#2最喜欢的#1地方",
]


def test_benchmark_paragraph_marks(frontend, paragraph: str) -> None:
    """Regression table: the benchmark paragraph with its prosody marks, pass by pass."""
    passes = frontend.analyze(paragraph, max_syllables=60, first_max_syllables=12)
    got = []
    for p in passes:
        marks = iter(s for s in p.symbols if s.startswith("#"))
        text = "".join(c for c in p.normalized if "\u4e00" <= c <= "\u9fff")
        out = ""
        for i, c in enumerate(text):
            out += c
            if i < len(text) - 1:
                m = next(marks)
                out += "" if m == "#0" else m
        got.append(out)
    assert got == PARAGRAPH_MARKS


def test_benchmark_paragraph_phrase_lengths(frontend, paragraph: str) -> None:
    """Prosodic words are 1-4 syllables; #2/#3-delimited phrases at most 9 syllables."""
    for p in frontend.analyze(paragraph, max_syllables=60, first_max_syllables=12):
        marks = [s for s in p.symbols if s.startswith("#")] + ["#3"]
        word = phrase = 0
        for m in marks:
            word += 1
            phrase += 1
            if m != "#0":
                assert 1 <= word <= 4, p.normalized
                word = 0
            if m in ("#2", "#3"):
                assert 2 <= phrase <= 9, p.normalized
                phrase = 0
