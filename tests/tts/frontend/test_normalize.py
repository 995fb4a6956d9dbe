"""Table tests for text normalization and its offset map."""

from __future__ import annotations

import pytest

from synthesis.tts.frontend.normalize import int_to_cn, normalize

CASES = [
    # integers, 两
    ("一共123个", "一共一百二十三个"),
    ("2个苹果", "两个苹果"),
    ("2000人", "两千人"),
    ("12000元", "一万两千元"),
    ("有2万人", "有两万人"),
    ("第2名", "第二名"),
    ("第1", "第一"),
    ("1001个", "一千零一个"),
    ("公元1001年", "公元一零零一年"),
    ("105", "一百零五"),
    ("10", "十"),
    ("20", "二十"),
    ("100000", "十万"),
    ("1,000,000", "一百万"),
    ("22000", "两万两千"),
    ("他考了120分", "他考了一百二十分"),
    # decimals, percentages, fractions, negatives
    ("3.14", "三点一四"),
    ("2.5", "二点五"),
    ("0.5", "零点五"),
    ("50%", "百分之五十"),
    ("-10%", "负百分之十"),
    ("3.5%", "百分之三点五"),
    ("3/4", "四分之三"),
    ("1/2", "二分之一"),
    ("-3", "负三"),
    ("-5℃", "零下五摄氏度"),
    ("温度-5°C", "温度零下五摄氏度"),
    ("38℃", "三十八摄氏度"),
    # dates and times
    ("2024年", "二零二四年"),
    ("2024-05-01", "二零二四年五月一日"),
    ("2024/5/1", "二零二四年五月一日"),
    ("2024年5月1日", "二零二四年五月一日"),
    ("5月1日", "五月一日"),
    ("12:30", "十二点三十分"),
    ("8:05", "八点零五分"),
    ("2:00", "两点"),
    ("10:15:30", "十点十五分三十秒"),
    # ranges and currency
    ("3-5个", "三到五个"),
    ("10~20", "十到二十"),
    ("¥12.5", "十二点五元"),
    ("12.5元", "十二点五元"),
    ("$3", "三美元"),
    ("€100", "一百欧元"),
    # a currency sign plus a unit word is one unit, spoken as written
    ("¥128.5元", "一百二十八点五元"),
    ("¥128.5", "一百二十八点五元"),
    ("128.5元", "一百二十八点五元"),
    ("$3美元", "三美元"),
    ("$3", "三美元"),
    ("￥2元", "两元"),
    ("¥5块", "五块"),
    ("¥5块钱", "五块钱"),
    ("$5美金", "五美金"),
    ("€20欧元", "二十欧元"),
    ("¥1,299元", "一千二百九十九元"),
    ("$3-5美元", "三到五美元"),
    ("100元人民币", "一百元人民币"),
    ("$100 USD", "一百美元"),
    ("100USD", "一百美元"),
    ("2 RMB", "两元"),
    ("€9.9EUR", "九点九欧元"),
    ("价格¥12.5元/斤", "价格十二点五元每斤"),
    # a unit symbol plus its own unit word is read once
    ("3kg公斤", "三公斤"),
    ("5kg千克", "五千克"),
    ("3 kg 公斤", "三公斤"),
    ("10km公里", "十公里"),
    ("20℃", "二十摄氏度"),
    ("20℃摄氏度", "二十摄氏度"),
    ("-5℃摄氏度", "零下五摄氏度"),
    ("5%", "百分之五"),
    ("百分之5%", "百分之五"),
    ("5km路程", "五公里路程"),
    # phone numbers, digit by digit with 幺
    ("13812345678", "幺三八幺二三四五六七八"),
    ("010-12345678", "零幺零幺二三四五六七八"),
    ("400-800-1234", "四零零八零零幺二三四"),
    ("请拨打110", "请拨打幺幺零"),
    ("拨打10086", "拨打幺零零八六"),
    ("急救电话120", "急救电话幺二零"),
    # units
    ("10km", "十公里"),
    ("5kg", "五千克"),
    ("30cm", "三十厘米"),
    ("2m", "两米"),
    ("5mm", "五毫米"),
    ("100g", "一百克"),
    ("500ml", "五百毫升"),
    ("1.5L", "一点五升"),
    ("60km/h", "六十公里每小时"),
    ("3-5km", "三到五公里"),
    ("10min", "十分钟"),
    ("25°", "二十五度"),
    ("-40°F", "零下四十华氏度"),
    # more numbers in context
    ("3.5亿", "三点五亿"),
    ("2点", "两点"),
    ("2倍", "两倍"),
    ("2月", "二月"),
    ("2岁", "两岁"),
    ("22个", "二十二个"),
    ("2-3个", "两到三个"),
    ("50-60%", "百分之五十到百分之六十"),
    ("10%~20%", "百分之十到百分之二十"),
    ("¥1,299", "一千二百九十九元"),
    ("-0.5", "负零点五"),
    ("90后", "九零后"),
    ("比分3:2", "比分三比二"),
    ("7×24小时", "七乘二十四小时"),
    ("1+1=2", "一加一等于二"),
    ("3-2=1", "三减二等于一"),
    ("No.1", "第一"),
    ("2024.05.01", "二零二四年五月一日"),
    ("邮箱a@b.com", "邮箱A艾特B点COM"),
    ("https://www.baidu.com", "BAIDU点COM"),
    ("R&D", "R和D"),
    ("A4纸", "A四纸"),
    # letters, width, script, symbols
    ("CPU和AI", "CPU和AI"),
    ("gdp", "GDP"),
    ("１２３ＡＢＣ", "一百二十三ABC"),
    ("café", "CAFE"),
    ("\x1b[31m红色\x1b[0m", "红色"),
    ("我們會說話", "我们会说话"),
    ("臺灣的軟體", "台湾的软体"),
    ("你好😀！", "你好！"),
    ("《你好》", "你好"),
    ("好...吧", "好……吧"),
    ("一起——走", "一起——走"),
    ("Hi, OK?", "HI，OK？"),
    ("😀🎉", ""),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    ("n", "liang", "expected"),
    [
        ("0", False, "零"),
        ("2", True, "两"),
        ("2", False, "二"),
        ("200", False, "两百"),
        ("1010", False, "一千零一十"),
        ("100000000", False, "一亿"),
    ],
)
def test_int_to_cn(n: str, liang: bool, expected: str) -> None:
    assert int_to_cn(n, liang=liang) == expected


@pytest.mark.parametrize(
    "text", ["气温-5℃，风速60km/h。", "我們在2024-05-01見😀", "电话：010-12345678，谢谢"]
)
def test_offsets_point_into_original(text: str) -> None:
    n = normalize(text)
    assert len(n.spans) == len(n.text)
    for s, e in n.spans:
        assert 0 <= s < e <= len(text)
    # spans never go backwards, so subtitles advance monotonically
    assert all(a[0] <= b[0] for a, b in zip(n.spans, n.spans[1:], strict=False))


def test_offsets_of_number_cover_digits() -> None:
    n = normalize("买了2个")
    i = n.text.index("两")
    assert n.spans[i] == (2, 3)
    assert n.orig_span(0, len(n.text)) == (0, 4)


@pytest.mark.parametrize(
    ("text", "atoms"),
    [
        ("在2024年5月1日下午3:30", ["二零二四年五月一日", "三点三十分"]),
        ("CPU和AI", ["CPU", "AI"]),
        ("¥128.5元", ["一百二十八点五元"]),
        ("你好", []),
    ],
)
def test_atoms_cover_spoken_replacements(text: str, atoms: list[str]) -> None:
    n = normalize(text)
    assert [n.text[a:b] for a, b in n.atoms] == atoms
