"""Table tests for Baker symbol mapping."""

from __future__ import annotations

import pytest

from synthesis.tts.frontend.symbols import SymbolMapper

SYLLABLES = [
    ("ai4", ["^", "ai4"]),
    ("wo3", ["^", "uo3"]),
    ("you3", ["^", "iou3"]),
    ("liu2", ["l", "iou2"]),
    ("gui4", ["g", "uei4"]),
    ("lun2", ["l", "uen2"]),
    ("yuan2", ["^", "van2"]),
    ("juan4", ["j", "van4"]),
    ("lv4", ["l", "v4"]),
    ("nve4", ["n", "ve4"]),
    ("lve4", ["l", "ve4"]),
    ("zhi1", ["zh", "iii1"]),
    ("ri4", ["r", "iii4"]),
    ("si1", ["s", "ii1"]),
    ("ci2", ["c", "ii2"]),
    ("er2", ["^", "er2"]),
    ("huar1", ["h", "ua1", "er5"]),
    ("wanr2", ["^", "uan2", "er5"]),
    ("dianr3", ["d", "ian3", "er5"]),
    ("n2", ["^", "en2"]),
    ("ng4", ["^", "en4"]),
    ("hm5", ["h", "en5"]),
    ("de", ["d", "e5"]),
]


@pytest.fixture(scope="module")
def sm(mapper) -> SymbolMapper:
    return SymbolMapper(mapper)


@pytest.mark.parametrize(("syl", "expected"), SYLLABLES)
def test_syllable(sm: SymbolMapper, syl: str, expected: list[str]) -> None:
    assert sm.syllable(syl) == expected


def test_unknown_syllable_maps_to_a_valid_one(sm: SymbolMapper, caplog) -> None:
    out = sm.syllable("xyzzy3")
    assert all(s in sm.symbol_to_id for s in out)
    assert "unknown syllable" in caplog.text


SENTENCES = [
    # the upstream reference sentence, now with prosody marks; every syllable matches upstream
    (
        "今天天气真好，我们一起去公园散步吧！",
        "sil j in1 #0 t ian1 #0 t ian1 #0 q i4 #1 zh en1 #0 h ao3 #3 "
        "^ uo3 #0 m en5 #1 ^ i4 #0 q i3 #0 q v4 #2 "
        "g ong1 #0 ^ van2 #1 s an4 #0 b u4 #0 b a5 sil eos",
    ),
    ("花儿红了。", "sil h ua1 er5 #0 h ong2 #0 l e5 sil eos"),
    ("嗯。", "sil ^ en2 sil eos"),
    ("CPU", "sil x i1 #0 p i1 #0 ^ iou1 sil eos"),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_sentence_symbols(frontend, text: str, expected: str) -> None:
    symbols = [s for p in frontend.analyze(text) for s in p.symbols]
    assert " ".join(symbols) == expected


def test_ids_are_valid(frontend, mapper) -> None:
    p = frontend.analyze("今天天气真好，我们一起去公园散步吧！")[0]
    ids = frontend.ids(p)
    assert ids[0] == mapper["symbol_to_id"]["sil"] and ids[-1] == mapper["symbol_to_id"]["eos"]
    assert len(ids) == len(p.symbols)
