"""Table tests for clause splitting and pass planning, with offsets into the original text."""

from __future__ import annotations

import pytest

PARAGRAPH = (
    "春天来了，城市边上的小河慢慢解冻，岸边的柳树抽出了嫩绿的新芽。每天早上，附近的居民都会沿着河边散步，"
    "有的人打太极拳，有的人遛狗，还有几个孩子在草地上放风筝。公园管理处最近增加了几排长椅和一个小小的图书角，"
    "让大家在休息的时候也能读上几页书。傍晚时分，夕阳把河面染成了金色。很多人说，这里已经成了他们一天中最喜欢的地方。"
)

CASES = [
    # (text, max, first_max, expected pass texts)
    ("你好。", 60, 12, ["你好。"]),
    ("你好，世界！再见。", 60, 12, ["你好，世界！", "再见。"]),
    ("春天来了，城市边上的小河慢慢解冻。", 60, 12, ["春天来了，", "城市边上的小河慢慢解冻。"]),
    ("春天来了，城市边上的小河慢慢解冻。", 60, 60, ["春天来了，城市边上的小河慢慢解冻。"]),
    ("第一句\n第二句", 60, 12, ["第一句\n", "第二句"]),
    ("等等……好吧！", 60, 12, ["等等……", "好吧！"]),
    ("价格是¥12.5，对吧？", 60, 60, ["价格是¥12.5，对吧？"]),
    ("😀你好😀。", 60, 12, ["你好😀。"]),
    ("  ", 60, 12, []),
    ("😀🎉!!", 60, 12, []),
    # the first pass is never cut inside a number/date/time reading
    (
        "银行行长在2024年5月1日下午3:30去了趟北京",
        60,
        12,
        ["银行行长", "在2024年5月1日下午3:30去了趟北京"],
    ),
    ("2024年5月1日下午3:30去了趟北京", 60, 12, ["2024年5月1日下午", "3:30去了趟北京"]),
    ("价格是¥1,234,567.89元，对吧？", 60, 12, ["价格是", "¥1,234,567.89元，对吧？"]),
    ("他的电话是13812345678，记一下", 60, 12, ["他的电话是", "13812345678，记一下"]),
    ("ABCDEFGHIJKLMN是一个缩写", 60, 12, ["ABCDEFGHIJKLMN", "是一个缩写"]),
    # the first prosodic word is longer than the budget: the pass runs to its end
    ("中华人民共和国万岁", 60, 4, ["中华人民共和国", "万岁"]),
]


@pytest.mark.parametrize(("text", "max_s", "first_s", "expected"), CASES)
def test_passes(frontend, text: str, max_s: int, first_s: int, expected: list[str]) -> None:
    passes = frontend.analyze(text, max_syllables=max_s, first_max_syllables=first_s)
    assert [p.text for p in passes] == expected
    for p in passes:
        assert text[p.start : p.end] == p.text


@pytest.mark.parametrize(("max_s", "first_s"), [(60, 12), (20, 8), (10, 4), (90, 90), (200, 12)])
def test_paragraph_budgets_and_round_trip(frontend, max_s: int, first_s: int) -> None:
    passes = frontend.analyze(PARAGRAPH, max_syllables=max_s, first_max_syllables=first_s)
    cap = min(max_s, 90)
    assert len(passes[0].pinyin) <= min(first_s, cap)
    assert all(len(p.pinyin) <= cap for p in passes)
    for p in passes:
        assert PARAGRAPH[p.start : p.end] == p.text
        assert p.symbols[0] == "sil" and p.symbols[-2:] == ["sil", "eos"]
        assert p.symbols.count("sil") == 2
    # passes are in order, do not overlap, and together speak every character of the paragraph
    assert all(a.end <= b.start for a, b in zip(passes, passes[1:], strict=False))
    assert "".join(p.text for p in passes) == PARAGRAPH
    # one syllable per Chinese character (no erhua in this paragraph)
    assert sum(len(p.pinyin) for p in passes) == sum("\u4e00" <= c <= "\u9fff" for c in PARAGRAPH)


def test_long_text_has_no_limit(frontend) -> None:
    text = PARAGRAPH * 20
    passes = frontend.analyze(text)
    assert passes[-1].end == len(text)
    assert all(len(p.pinyin) <= 60 for p in passes)


def test_pause_after(frontend) -> None:
    passes = frontend.analyze("你好，世界！再见；明天见……", first_max_syllables=60)
    assert [p.pause_after for p in passes] == [0.45, 0.55]


ROBUSTNESS = [
    "A" * 300,
    "1" * 40,
    "😀" * 50 + "好",
    "你好\u200b\u0000\x07世界",
    "……——，，。。！！",
    "ｈｅｌｌｏ，ｗｏｒｌｄ！",
    "𪚥𪚥好",
    "Ωψ∑≈√∞ 中文 ّعربي  русский",
    "一" * 200,
    "嗯嗯嗯，呣，哼。",
    "第1000000000000000000名",
    "\n\n\n你好\n\n",
]


@pytest.mark.parametrize("text", ROBUSTNESS)
def test_odd_input_never_crashes(frontend, mapper, text: str) -> None:
    passes = frontend.analyze(text, max_syllables=60, first_max_syllables=12)
    for p in passes:
        assert text[p.start : p.end] == p.text
        assert len(p.pinyin) <= 60
        assert all(s in mapper["symbol_to_id"] for s in p.symbols)
    assert all(a.end <= b.start for a, b in zip(passes, passes[1:], strict=False))


CUT_TEXTS = [
    "银行行长在2024年5月1日下午3:30去了趟北京",
    "会议定于2025年12月31日23:59:59结束，费用¥12,345.67元，折合$1,700美元左右",
    "请在2024-05-01前把CPU和GPU的型号发到13812345678，谢谢",
    "气温从-5℃升到了38℃，湿度85%，风速60km/h，能见度12.5km",
]


@pytest.mark.parametrize("first_s", [1, 3, 5, 8, 12])
@pytest.mark.parametrize("text", CUT_TEXTS)
def test_cuts_never_split_a_reading(frontend, text: str, first_s: int) -> None:
    """No pass boundary falls inside a number, date, time or acronym reading."""
    from synthesis.tts.frontend.normalize import normalize

    norm = normalize(text)
    passes = frontend.analyze(text, max_syllables=60, first_max_syllables=first_s)
    assert "".join(p.normalized for p in passes) == norm.text
    cut = 0
    for p in passes[:-1]:
        cut += len(p.normalized)
        assert all(not (a < cut < b) for a, b in norm.atoms), (p.normalized, first_s)
    assert all(len(p.pinyin) <= 60 for p in passes)
