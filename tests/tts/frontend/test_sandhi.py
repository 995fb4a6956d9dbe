"""Table tests for tone sandhi: 3-3 within and across words, 一 and 不."""

from __future__ import annotations

import pytest

from synthesis.tts.frontend.g2p import Word
from synthesis.tts.frontend.sandhi import apply_sandhi

SENTENCES = [
    # 3-3
    ("你好", "ni2 hao3"),
    ("展览馆", "zhan2 lan2 guan3"),
    ("小老虎", "xiao3 lao2 hu3"),
    ("纸老虎", "zhi3 lao2 hu3"),
    ("老虎", "lao2 hu3"),
    ("可以", "ke2 yi3"),
    ("水果", "shui2 guo3"),
    ("洗手", "xi2 shou3"),
    ("买雨伞", "mai3 yu2 san3"),
    ("我很好", "wo3 hen2 hao3"),
    ("演讲稿", "yan2 jiang2 gao3"),
    ("你得快点", "ni2 dei3 kuai4 dian3"),
    ("给予", "ji2 yu3"),
    ("尽管", "jin2 guan3"),
    # numbers: 3-3 only inside digit+unit pairs
    ("三千九百九十九", "san1 qian1 jiu2 bai3 jiu3 shi2 jiu3"),
    ("五百五十五", "wu2 bai3 wu3 shi2 wu3"),
    # 一
    ("一", "yi1"),
    ("第一", "di4 yi1"),
    ("统一", "tong3 yi1"),
    ("星期一", "xing1 qi1 yi1"),
    ("一天", "yi4 tian1"),
    ("一年", "yi4 nian2"),
    ("一起", "yi4 qi3"),
    ("一个", "yi2 ge4"),
    ("一样", "yi2 yang4"),
    ("一下", "yi2 xia4"),
    ("一直", "yi4 zhi2"),
    ("一边写一边想", "yi4 bian1 xie3 yi4 bian1 xiang3"),
    ("一千", "yi4 qian1"),
    ("十一个", "shi2 yi1 ge4"),
    ("看一看", "kan4 yi5 kan4"),
    ("一百一十一", "yi4 bai3 yi1 shi2 yi1"),
    ("二零二一年", "er4 ling2 er4 yi1 nian2"),
    ("一月一日", "yi1 yue4 yi1 ri4"),
    # 不
    ("不对", "bu2 dui4"),
    ("不是", "bu2 shi4"),
    ("不去", "bu2 qu4"),
    ("不好", "bu4 hao3"),
    ("不来", "bu4 lai2"),
    ("好不好", "hao3 bu5 hao3"),
    ("对不起", "dui4 bu5 qi3"),
    ("我不", "wo3 bu4"),
    ("不要", "bu2 yao4"),
    ("不用", "bu2 yong4"),
    ("不错", "bu2 cuo4"),
    ("行不行", "xing2 bu5 xing2"),
    ("参差不齐", "cen1 ci1 bu4 qi2"),
    # surface tones across short function words inside a prosodic word (Baker convention)
    ("我很想你", "wo3 hen3 xiang2 ni3"),
    ("我也想买", "wo3 ye3 xiang2 mai3"),
    ("我想你", "wo3 xiang2 ni3"),
    ("你好吗", "ni2 hao3 ma5"),
    ("我们很好", "wo3 men5 hen2 hao3"),
    ("你把水果洗好", "ni3 ba3 shui2 guo3 xi2 hao3"),
    ("老李买好酒", "lao2 li3 mai2 hao2 jiu3"),
    ("手表厂", "shou2 biao2 chang3"),
    ("洗脸水", "xi2 lian2 shui3"),
    ("蒙古语", "meng2 gu2 yu3"),
    ("总统府", "zong2 tong2 fu3"),
    ("也许", "ye2 xu3"),
    ("小小的", "xiao2 xiao3 de5"),
    ("卡尔普陪外孙玩滑梯", "ka2 er2 pu3 pei2 wai4 sun1 wan2 hua2 ti1"),
    # 一 and 不 in more contexts
    ("一楼", "yi1 lou2"),
    ("第一天", "di4 yi1 tian1"),
    ("五月一日", "wu3 yue4 yi1 ri4"),
    ("一模一样", "yi4 mu2 yi2 yang4"),
    ("一年一度", "yi4 nian2 yi2 du4"),
    ("一共", "yi2 gong4"),
    ("一口", "yi4 kou3"),
    ("一二三", "yi1 er4 san1"),
    ("不一定", "bu4 yi2 ding4"),
    ("不知不觉", "bu4 zhi1 bu4 jue2"),
    ("不得不", "bu4 de2 bu4"),
    ("不可以", "bu4 ke2 yi3"),
    ("不懂", "bu4 dong3"),
    ("不对劲", "bu2 dui4 jin4"),
    ("他不想走", "ta1 bu4 xiang2 zou3"),
    ("他买了三本很有意思的书", "ta1 mai3 le5 san1 ben3 hen2 you3 yi4 si5 de5 shu1"),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_sandhi_in_context(pinyin_of, text: str, expected: str) -> None:
    assert pinyin_of(text) == expected


@pytest.mark.parametrize(
    ("words", "groups", "expected"),
    [
        ([("你", "r", ["ni3"]), ("好", "a", ["hao3"])], [[0, 1]], ["ni2", "hao3"]),
        # a prosodic-word boundary blocks 3-3 across words
        ([("你", "r", ["ni3"]), ("好", "a", ["hao3"])], [[0], [1]], ["ni3", "hao3"]),
        ([("一", "m", ["yi1"]), ("块", "q", ["kuai4"])], [[0, 1]], ["yi2", "kuai4"]),
        ([("一", "m", ["yi1"]), ("张", "q", ["zhang1"])], [[0, 1]], ["yi4", "zhang1"]),
        ([("不", "d", ["bu4"]), ("会", "v", ["hui4"])], [[0, 1]], ["bu2", "hui4"]),
        (
            [("是", "v", ["shi4"]), ("不", "d", ["bu4"]), ("是", "v", ["shi4"])],
            [[0, 1, 2]],
            ["shi4", "bu5", "shi4"],
        ),
    ],
)
def test_pure_function(words, groups, expected) -> None:
    ws = [Word(t, p, syllables=list(s)) for t, p, s in words]
    apply_sandhi(ws, groups)
    assert [s for w in ws for s in w.syllables] == expected
