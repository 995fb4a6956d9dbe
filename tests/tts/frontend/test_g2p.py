"""Table tests for pinyin after sandhi: polyphones, neutral tone, erhua, letters, Traditional."""

from __future__ import annotations

import pytest

from synthesis.tts.frontend.g2p import g2p, word_pinyin

POLYPHONES = [
    ("银行", "yin2 hang2"),
    ("行走", "xing2 zou3"),
    ("他长大了", "ta1 zhang3 da4 le5"),
    ("长度", "chang2 du4"),
    ("重新", "chong2 xin1"),
    ("重要", "zhong4 yao4"),
    ("音乐", "yin1 yue4"),
    ("快乐", "kuai4 le4"),
    ("还是", "hai2 shi4"),
    ("他还没还钱", "ta1 hai2 mei2 huan2 qian2"),
    ("睡觉", "shui4 jiao4"),
    ("觉得", "jue2 de5"),
    ("了解", "liao2 jie3"),
    ("为了", "wei4 le5"),
    ("因为", "yin1 wei4"),
    ("土地", "tu3 di4"),
    ("得到", "de2 dao4"),
    ("我得去", "wo2 dei3 qu4"),
    ("跑得快", "pao3 de5 kuai4"),
    ("数字", "shu4 zi4"),
    ("数一数", "shu3 yi5 shu3"),
    ("着急", "zhao2 ji2"),
    ("看着我", "kan4 zhe5 wo3"),
    ("和平", "he2 ping2"),
    ("暖和", "nuan3 huo5"),
    ("朝代", "chao2 dai4"),
    ("便宜", "pian2 yi5"),
    ("方便", "fang1 bian4"),
    ("参加", "can1 jia1"),
    ("人参", "ren2 shen1"),
    ("差不多", "cha4 bu5 duo1"),
    ("出差", "chu1 chai1"),
    ("他慢慢地走", "ta1 man4 man4 de5 zou3"),
    ("处理", "chu2 li3"),
    ("会计", "kuai4 ji4"),
    ("女人", "nv3 ren2"),
    ("绿色", "lv4 se4"),
    ("学习", "xue2 xi2"),
    ("首都北京", "shou3 du1 bei3 jing1"),
    ("我要去种树", "wo3 yao4 qu4 zhong4 shu4"),
    ("三种语言", "san1 zhong3 yu3 yan2"),
    ("他的爱好", "ta1 de5 ai4 hao4"),
    ("少年", "shao4 nian2"),
    ("他睡着了", "ta1 shui4 zhao2 le5"),
    ("一行人走了", "yi4 xing2 ren2 zou3 le5"),
    ("一行字", "yi4 hang2 zi4"),
    ("把书还给我", "ba3 shu1 huan2 gei2 wo3"),
    ("你还好吗", "ni3 hai2 hao3 ma5"),
    ("你得好好学习", "ni2 dei3 hao2 hao3 xue2 xi2"),
    ("他得了第一名", "ta1 de2 le5 di4 yi1 ming2"),
    ("我得走了", "wo3 dei2 zou3 le5"),
    ("说得好", "shuo1 de5 hao3"),
    ("差距", "cha1 ju4"),
    ("空调", "kong1 tiao2"),
    ("教书", "jiao1 shu1"),
    ("教室", "jiao4 shi4"),
    ("自传", "zi4 zhuan4"),
    ("子弹", "zi3 dan4"),
    ("血液", "xue4 ye4"),
    ("似乎", "si4 hu1"),
    ("作为", "zuo4 wei2"),
    ("几乎", "ji1 hu1"),
    ("角色", "jue2 se4"),
    ("头发", "tou2 fa5"),
    ("要求", "yao1 qiu2"),
    ("曾经", "ceng2 jing1"),
    ("数学", "shu4 xue2"),
    ("数不清", "shu3 bu5 qing1"),
    ("遛狗", "liu4 gou3"),
    ("指数为七十五", "zhi3 shu4 wei2 qi1 shi2 wu3"),
    ("为人民服务", "wei4 ren2 min2 fu2 wu4"),
    ("实在太快了", "shi2 zai4 tai4 kuai4 le5"),
    ("不得不承认", "bu4 de2 bu4 cheng2 ren4"),
]

NEUTRAL = [
    ("地方", "di4 fang5"),
    ("买东西", "mai3 dong1 xi5"),
    ("朋友", "peng2 you5"),
    ("先生", "xian1 sheng5"),
    ("衣服", "yi1 fu5"),
    ("我们", "wo3 men5"),
    ("桌子", "zhuo1 zi5"),
    ("什么", "shen2 me5"),
    ("妈妈", "ma1 ma5"),
    ("走吧", "zou3 ba5"),
    ("好吗", "hao3 ma5"),
    ("你呢", "ni3 ne5"),
    ("放风筝", "fang4 feng1 zheng5"),
    ("男子", "nan2 zi3"),
    ("薄荷", "bo4 he5"),
    ("草地上", "cao3 di4 shang5"),
    ("家里", "jia1 li5"),
    ("房间里", "fang2 jian1 li5"),
    ("马上", "ma3 shang4"),
    ("休息的时候", "xiu1 xi5 de5 shi2 hou5"),
    ("站起来", "zhan4 qi5 lai5"),
    ("他只好坐下来", "ta1 zhi2 hao3 zuo4 xia5 lai5"),
    ("走进去", "zou3 jin5 qu5"),
    ("他回来了", "ta1 hui2 lai5 le5"),
    ("休息一下吧", "xiu1 xi5 yi2 xia4 ba5"),
]

ERHUA = [
    ("花儿", "huar1"),
    ("等一会儿", "deng3 yi2 huir4"),
    ("一点儿", "yi4 dianr3"),
    ("哪儿", "nar3"),
    ("玩儿", "wanr2"),
    ("儿子", "er2 zi5"),
    ("女儿", "nv3 er2"),
    ("婴儿", "ying1 er2"),
]

LETTERS_AND_SCRIPT = [
    ("CPU", "xi1 pi1 you1"),
    ("AI", "ei1 ai4"),
    ("GDP", "ji4 di4 pi1"),
    ("买了iPhone", "mai3 le5 ai4 pi1 ai2 qi1 ou1 en1 yi4"),
    ("銀行", "yin2 hang2"),
    ("我們的朋友", "wo3 men5 de5 peng2 you5"),
    ("嗯", "n2"),
    ("今天天气真好", "jin1 tian1 tian1 qi4 zhen1 hao3"),
]


@pytest.mark.parametrize(("text", "expected"), POLYPHONES + NEUTRAL + ERHUA + LETTERS_AND_SCRIPT)
def test_pinyin(pinyin_of, text: str, expected: str) -> None:
    assert pinyin_of(text) == expected


@pytest.mark.parametrize(
    ("word", "pos", "expected"),
    [
        ("了", "ul", ["le5"]),
        ("的", "uj", ["de5"]),
        ("着", "uz", ["zhe5"]),
        ("过", "ug", ["guo5"]),
        ("XYZ", "eng", ["ai2", "ke4", "si5", "wai4", "zei4"]),
    ],
)
def test_word_pinyin_function_words(word: str, pos: str, expected: list[str]) -> None:
    assert word_pinyin(word, pos) == expected


def test_unknown_characters_do_not_crash() -> None:
    words = g2p([("𪚥", "x"), ("好", "a")])
    assert [w.text for w in words][-1] == "好"


def test_benchmark_paragraph_pinyin(pinyin_of, paragraph: str, paragraph_pinyin: str) -> None:
    assert pinyin_of(paragraph) == paragraph_pinyin


TRADITIONAL = [
    ("銀行行長說，這個價格很便宜。", "银行行长说，这个价格很便宜。"),
    ("我們會說話", "我们会说话"),
    ("臺灣的軟體很好用", "台湾的软体很好用"),
    ("他還沒還錢", "他还没还钱"),
    ("長頸鹿長得很高", "长颈鹿长得很高"),
]


@pytest.mark.parametrize(("trad", "simp"), TRADITIONAL)
def test_traditional_round_trip(frontend, trad: str, simp: str) -> None:
    """Traditional input reads exactly like Simplified; pass spans point into the original."""
    pt = frontend.analyze(trad)
    ps = frontend.analyze(simp)
    assert [p.pinyin for p in pt] == [p.pinyin for p in ps]
    assert [p.symbols for p in pt] == [p.symbols for p in ps]
    assert [(p.start, p.end) for p in pt] == [(p.start, p.end) for p in ps]
    for p in pt:
        assert trad[p.start : p.end] == p.text


def test_traditional_sentence_pinyin(pinyin_of) -> None:
    assert pinyin_of("銀行行長說，這個價格很便宜。") == (
        "yin2 hang2 hang2 zhang3 shuo1 zhe4 ge5 jia4 ge2 hen3 pian2 yi5"
    )
