"""Mandarin text normalization to speakable text, with a map back to the original offsets."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

__all__ = ["Normalized", "normalize", "int_to_cn", "digits_to_cn", "number_to_cn"]

# Punctuation that survives normalization: split/prosody use it for boundaries and pauses.
PUNCT = set("，。！？；：、…—,.!?;:")
_ASCII_PUNCT = {",": "，", "!": "！", "?": "？", ";": "；", ":": "："}

_DIGITS = "零一二三四五六七八九"
_PHONE_DIGITS = "零幺二三四五六七八九"  # 幺 avoids confusing 一 with 七 over the phone

# Measure words after which a bare 2 is read 两 (两个, 两本, 两公里), not 二.
_LIANG_FOLLOWERS = set(
    "个位只条张本次把件名头匹辆台天年岁周遍趟小时分钟秒斤公里米克吨元块毛角人家间层口双对套种样份篇首部场节句行杯瓶碗盘碟片棵朵座所架艘颗粒根支枝群批扇封项门届股万亿千点倍"
)
# Chinese characters for each unit abbreviation; ordered longest-first in the regex.
_UNITS = {
    "km/h": "公里每小时",
    "m/s": "米每秒",
    "km²": "平方公里",
    "m²": "平方米",
    "m³": "立方米",
    "㎡": "平方米",
    "km": "公里",
    "kg": "千克",
    "cm": "厘米",
    "mm": "毫米",
    "ml": "毫升",
    "mL": "毫升",
    "mg": "毫克",
    "kHz": "千赫兹",
    "GHz": "吉赫兹",
    "Hz": "赫兹",
    "kW": "千瓦",
    "mAh": "毫安时",
    "KB": "千字节",
    "MB": "兆字节",
    "GB": "吉字节",
    "TB": "太字节",
    "min": "分钟",
    "℃": "摄氏度",
    "°C": "摄氏度",
    "°F": "华氏度",
    "℉": "华氏度",
    "°": "度",
    "m": "米",
    "g": "克",
    "L": "升",
    "t": "吨",
    "h": "小时",
    "s": "秒",
    "W": "瓦",
    "V": "伏",
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_CURRENCY = {"¥": "元", "￥": "元", "$": "美元", "€": "欧元", "£": "英镑"}
# A unit word written after a currency sign (¥128.5元, $3美元) is spoken once, as written.
_CURRENCY_CODES = {
    "USD": "美元", "RMB": "元", "CNY": "元", "EUR": "欧元", "GBP": "英镑", "HKD": "港元",
    "JPY": "日元",
}  # fmt: skip
_CURRENCY_WORDS = "|".join(
    ["人民币", "块钱", "美元", "美金", "欧元", "英镑", "港元", "港币", "日元", "元", "块", "圆"]
    + list(_CURRENCY_CODES)
)
# Chinese unit words that merely repeat a symbol unit (3kg公斤, 20℃摄氏度): read only one.
_UNIT_ECHO = {
    "千克": "千克|公斤", "公里": "公里|千米", "米": "米", "厘米": "厘米", "毫米": "毫米",
    "克": "克", "毫升": "毫升", "升": "升", "吨": "吨", "小时": "小时|钟头", "分钟": "分钟",
    "秒": "秒|秒钟", "摄氏度": "摄氏度|度", "华氏度": "华氏度|度", "度": "度",
    "平方米": "平方米|平米", "平方公里": "平方公里", "立方米": "立方米",
}  # fmt: skip
_ECHO_RE = "|".join(
    rf"(?<={re.escape(u)})\s*(?:{_UNIT_ECHO[spoken]})"
    for u, spoken in sorted(_UNITS.items(), key=lambda kv: len(kv[0]), reverse=True)
    if spoken in _UNIT_ECHO
)
_HOTLINES = (
    "110|119|120|122|114|12306|12315|12345|12348|12358|12369|12365|12395|"
    "10086|10010|10000|10001|10011|95\\d{3}"
)

# Letter names as pinyin, spoken letter by letter; g2p reads them from this table.
LETTER_PINYIN: dict[str, list[str]] = {
    "A": ["ei1"], "B": ["bi4"], "C": ["xi1"], "D": ["di4"], "E": ["yi4"],
    "F": ["ai2", "fu5"], "G": ["ji4"], "H": ["ai2", "qi1"], "I": ["ai4"],
    "J": ["jie4"], "K": ["kai4"], "L": ["ai2", "le5"], "M": ["ai2", "mu5"],
    "N": ["en1"], "O": ["ou1"], "P": ["pi1"], "Q": ["qiu1"], "R": ["a1", "er3"],
    "S": ["ai2", "si5"], "T": ["ti4"], "U": ["you1"], "V": ["wei1"],
    "W": ["da2", "bu5", "liu1"], "X": ["ai2", "ke4", "si5"], "Y": ["wai4"], "Z": ["zei4"],
}  # fmt: skip

_NUM = r"\d+(?:\.\d+)?"


@dataclass
class Normalized:
    """Normalized text plus, for every character, the (start, end) span in the original input."""

    text: str
    spans: list[tuple[int, int]]
    # normalized [start, end) of each multi-character spoken replacement (a number, date, time,
    # spelled acronym): pass planning never cuts inside one
    atoms: list[tuple[int, int]] = field(default_factory=list)

    def blocked(self) -> set[int]:
        """Normalized offsets strictly inside an atom, where no pass may be cut."""
        return {i for a, b in self.atoms for i in range(a + 1, b)}

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Original-text span covered by normalized characters [start, end)."""
        if start >= end:
            pos = (
                self.spans[start][0]
                if start < len(self.spans)
                else (self.spans[-1][1] if self.spans else 0)
            )
            return pos, pos
        return self.spans[start][0], self.spans[end - 1][1]


# ---------------------------------------------------------------- numbers


def digits_to_cn(s: str, phone: bool = False) -> str:
    """Read a digit string digit by digit (二零二四); `phone` uses 幺 for 1."""
    table = _PHONE_DIGITS if phone else _DIGITS
    return "".join(table[int(c)] for c in s if c.isdigit())


def _section(n: int, liang_qian: bool) -> str:
    """Read 1..9999 (no leading 零)."""
    out: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = (n // value) % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        ch = _DIGITS[d]
        if d == 2 and unit == "千" and liang_qian:
            ch = "两"
        out.append(ch + unit)
    return "".join(out)


def int_to_cn(s: str | int, liang: bool = False) -> str:
    """Read an integer as a cardinal (一百二十三, 一万零五); `liang` reads a bare 2 as 两."""
    s = str(s).lstrip("0") or "0"
    if len(s) > 16:  # beyond 万亿: read as a digit string, nobody says these as cardinals
        return digits_to_cn(s)
    n = int(s)
    if n == 0:
        return "零"
    if n == 2:
        return "两" if liang else "二"
    sections = []
    while n:
        sections.append(n % 10000)
        n //= 10000
    units = ["", "万", "亿", "万亿"]
    out: list[str] = []
    need_zero = False
    top = len(sections) - 1
    for i in range(top, -1, -1):
        v = sections[i]
        if v == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or v < 1000):
            out.append("零")
        need_zero = False
        text = _section(v, liang_qian=True)
        if i == top and v == 2 and i > 0:
            text = "两"  # 两万, 两亿
        elif i == top and text.startswith("二百"):
            text = "两" + text[1:]  # 两百 is the customary reading of a leading 200
        out.append(text + units[i])
    text = "".join(out)
    if text.startswith("一十"):  # 十二, 十二万: the leading 一 is dropped
        text = text[1:]
    return text


def number_to_cn(s: str, liang: bool = False) -> str:
    """Read an integer or decimal (三点一四); commas as thousands separators are ignored."""
    s = s.replace(",", "")
    if "." in s:
        ip, fp = s.split(".", 1)
        return int_to_cn(ip or "0") + "点" + digits_to_cn(fp)
    return int_to_cn(s, liang=liang)


# ---------------------------------------------------------------- char-level pre-pass

_FW_KEEP = set("！，：；？（）")  # full-width punctuation that already is Chinese punctuation


def _halfwidth(ch: str) -> str:
    o = ord(ch)
    if ch in _FW_KEEP:
        return ch
    if 0xC0 <= o <= 0x24F:  # é, ñ, ß...: the base Latin letter, so café is spelled C A F E
        base = unicodedata.normalize("NFKD", ch)[:1]
        return base if base.isascii() and base.isalpha() else ch
    if 0xFF01 <= o <= 0xFF5E:
        return chr(o - 0xFEE0)
    if o == 0x3000:
        return " "
    return ch


_t2s_cache: dict[str, str] = {}
_t2s_lock = threading.Lock()
_t2s_convert: Callable[[str], str] | None = None


def _t2s() -> Callable[[str], str]:
    """OpenCC's t2s table (opencc-python-reimplemented, Apache-2.0, pure Python), loaded once."""
    global _t2s_convert
    if _t2s_convert is None:
        with _t2s_lock:
            if _t2s_convert is None:
                try:
                    from opencc import OpenCC

                    _t2s_convert = OpenCC("t2s").convert
                except ImportError:  # the frontend still works, just without T2S
                    log.warning("opencc-python-reimplemented missing; no T2S conversion")
                    _t2s_convert = str
    return _t2s_convert


def _to_simplified(text: str) -> str:
    """Traditional → Simplified, guaranteed 1:1 in length so offsets stay valid."""
    if text.isascii():
        return text
    convert = _t2s()
    # t2s converts characters and phrases but not vocabulary (軟體 stays 软体), so it is 1:1
    out = convert(text)
    if len(out) == len(text):
        return out
    chars = []
    for ch in text:  # a phrase conversion changed the length: fall back to per character
        c = _t2s_cache.get(ch)
        if c is None:
            c = convert(ch)
            c = c if len(c) == 1 else ch
            _t2s_cache[ch] = c
        chars.append(c)
    return "".join(chars)


# ---------------------------------------------------------------- rules

_Handler = Callable[[re.Match[str], str, int], str]


def _liang_ok(text: str, end: int) -> bool:
    """A bare 2 reads 两 when a measure word follows (两个) and it is not an ordinal (第二)."""
    return end < len(text) and text[end] in _LIANG_FOLLOWERS


def _h_time(m: re.Match[str], text: str, end: int) -> str:
    h, mi, se = m.group("h"), m.group("mi"), m.group("s")
    out = int_to_cn(h, liang=True) + "点"
    if int(mi) or se:
        out += ("零" if mi.startswith("0") and mi != "00" else "") + int_to_cn(mi) + "分"
    if se:
        out += ("零" if se.startswith("0") and se != "00" else "") + int_to_cn(se) + "秒"
    return out


def _h_phone(m: re.Match[str], text: str, end: int) -> str:
    return digits_to_cn(m.group(0), phone=True)


def _h_percent(m: re.Match[str], text: str, end: int) -> str:
    sign = "负" if m.group("neg") else ""
    kind = "千分之" if m.group("p") == "‰" else "百分之"
    if text[: m.start()].endswith(kind):  # 百分之5%: the sign repeats the words before it
        return sign + number_to_cn(m.group("a"))
    out = sign + kind + number_to_cn(m.group("a"))
    if m.group("b"):
        out += "到" + kind + number_to_cn(m.group("b"))
    return out


def _h_fraction(m: re.Match[str], text: str, end: int) -> str:
    sign = "负" if m.group("neg") else ""
    return sign + int_to_cn(m.group("den")) + "分之" + int_to_cn(m.group("num"))


def _h_currency(m: re.Match[str], text: str, end: int) -> str:
    word = m.group("word")
    unit = _CURRENCY_CODES.get(word, word) if word else _CURRENCY[m.group("cur")]
    out = number_to_cn(m.group("a"), liang=True)
    if m.group("b"):
        out += "到" + number_to_cn(m.group("b"), liang=True)
    return out + unit


def _h_quantity(m: re.Match[str], text: str, end: int) -> str:
    a, b, unit, neg = m.group("a"), m.group("b"), m.group("unit"), m.group("neg")
    spoken_unit = _UNITS.get(unit, "") if unit else ""
    if m.group("echo"):
        spoken_unit = m.group("echo").strip()  # 3kg公斤: say the unit word as written, once
    liang = bool(unit) or _liang_ok(text, end)
    if m.start() > 0 and text[m.start() - 1] == "第":
        liang = False  # 第二, never 第两
    is_temp = spoken_unit in ("摄氏度", "华氏度", "度")
    if neg:
        sign = "零下" if is_temp else "负"
    else:
        sign = ""
    out = sign + number_to_cn(a, liang=liang and not b and not sign)
    if b:
        out = sign + number_to_cn(a, liang=liang) + "到" + number_to_cn(b, liang=liang)
    return out + spoken_unit


def _h_digits(m: re.Match[str], text: str, end: int) -> str:
    return digits_to_cn(m.group(0))


def _h_letters(m: re.Match[str], text: str, end: int) -> str:
    return m.group(0).upper()


def _h_ellipsis(m: re.Match[str], text: str, end: int) -> str:
    return "……"


def _h_dash(m: re.Match[str], text: str, end: int) -> str:
    return "——"


_RANGE_SEP = r"\s*[-~—–至到]\s*"
_MATH = {"+": "加", "×": "乘", "*": "乘", "÷": "除以", "=": "等于", "＝": "等于"}
_RULES: list[tuple[re.Pattern[str], _Handler]] = [
    (re.compile(r"\x1b\[[0-9;?]*[A-Za-z]"), lambda m, t, e: ""),  # terminal colour codes
    (re.compile(r"https?://|www\.", re.I), lambda m, t, e: ""),  # URL schemes are not read aloud
    (re.compile(r"(?<=[A-Za-z0-9])\.(?=[A-Za-z])"), lambda m, t, e: "点"),  # example.com
    (re.compile(r"(?<=[A-Za-z0-9])\s*@\s*(?=[A-Za-z0-9])"), lambda m, t, e: "艾特"),  # e-mail "at"
    (re.compile(r"(?<=[A-Za-z])\s*&\s*(?=[A-Za-z])"), lambda m, t, e: "和"),  # R&D
    (re.compile(r"\b[Nn]o\.\s*(?=\d)"), lambda m, t, e: "第"),  # No.1
    (re.compile(r"(?<=\d)\s*-\s*(?=\d+(?:\.\d+)?\s*[=＝])"), lambda m, t, e: "减"),  # 3-2=1
    (re.compile(r"(?<=\d)\s*[+×*÷=＝]\s*(?=[\d-])"), lambda m, t, e: _MATH[m.group(0).strip()]),
    # 元/斤, 次/天: a slash between a unit and a measure word is read 每 ("per")
    (
        re.compile(
            r"(?<=[元块角分克斤米升吨个次])\s*/\s*"
            r"(?=[个斤克件只台次人天年月日时份瓶盒包袋箱张本公千平立米升吨])"
        ),
        lambda m, t, e: "每",
    ),
    (re.compile(r"\.{3,}|…+|。{3,}"), _h_ellipsis),
    (re.compile(r"—{1,}|-{2,}"), _h_dash),
    # full dates first: their dashes must not be read as ranges or minus signs
    (
        re.compile(
            r"(?<!\d)(?P<y>\d{4})(?:[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)|年(?P<mo2>\d{1,2})月(?:(?P<d2>\d{1,2})[日号])?)"
        ),
        lambda m, t, e: _h_date_any(m),
    ),
    (re.compile(r"(?<!\d)(?P<y>\d{4})(?=年)"), lambda m, t, e: digits_to_cn(m.group("y"))),
    (
        re.compile(
            r"(?<![\d.])(?P<h>[01]?\d|2[0-3])[:：](?P<mi>[0-5]\d)(?:[:：](?P<s>[0-5]\d))?(?![\d.])"
        ),
        _h_time,
    ),
    # what is left of N:M after times is a score or ratio (3:2 → 三比二)
    (
        re.compile(r"(?<![\d.])(?P<a>\d{1,3})\s*[:：]\s*(?P<b>\d{1,3})(?![\d.])"),
        lambda m, t, e: int_to_cn(m.group("a")) + "比" + int_to_cn(m.group("b")),
    ),
    # generations: 90后 → 九零后
    (re.compile(r"(?<!\d)(?P<g>[0-9]0)(?=后)"), lambda m, t, e: digits_to_cn(m.group("g"))),
    # phone numbers: mobile, landline with area code, 400/800 service lines
    (re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)"), _h_phone),
    (re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"), _h_phone),
    (re.compile(r"(?<!\d)[48]00-?\d{3}-?\d{4}(?!\d)"), _h_phone),
    (
        re.compile(
            r"(?P<ctx>拨打|致电|电话|热线|号码|手机号?|拨|call|tel)(?P<sep>[：:是为\s]*)(?P<num>\d[\d-]{2,}\d)(?!\d)",
            re.I,
        ),
        lambda m, t, e: m.group("ctx") + m.group("sep") + digits_to_cn(m.group("num"), phone=True),
    ),
    (
        re.compile(
            rf"(?<![\d.])(?:{_HOTLINES})(?![\d.%])(?!\s*[个元块人次年月日号天岁米克吨斤分秒页条件名位])"
        ),
        _h_phone,
    ),
    (
        re.compile(rf"(?P<neg>[-−])?(?P<a>{_NUM})%?(?:{_RANGE_SEP}(?P<b>{_NUM}))?(?P<p>[%‰])"),
        _h_percent,
    ),
    (re.compile(r"(?<![\d/])(?P<neg>[-−])?(?P<num>\d+)/(?P<den>\d+)(?![\d/])"), _h_fraction),
    (
        re.compile(
            rf"(?P<cur>[¥￥$€£])\s*(?P<a>\d[\d,]*(?:\.\d+)?)(?:{_RANGE_SEP}(?P<b>\d[\d,]*(?:\.\d+)?))?"
            rf"\s*(?P<word>{_CURRENCY_WORDS})?"
        ),
        _h_currency,
    ),
    # 100 USD, 12.5RMB: an ISO currency code after an amount is read as the currency's name
    (
        re.compile(
            rf"(?P<a>\d[\d,]*(?:\.\d+)?)\s*(?P<code>{'|'.join(_CURRENCY_CODES)})(?![A-Za-z])"
        ),
        lambda m, t, e: number_to_cn(m.group("a"), liang=True) + _CURRENCY_CODES[m.group("code")],
    ),
    # long digit strings (IDs, codes, numbers with a leading zero) are read digit by digit
    (re.compile(r"(?<![\d.])(?:0\d{3,}|\d{17,})(?![\d.])"), _h_digits),
    (
        re.compile(
            rf"(?P<neg>(?<![\dA-Za-z])[-−]|零下)?(?P<a>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|{_NUM})"
            rf"(?:{_RANGE_SEP}(?P<b>{_NUM}))?\s*(?P<unit>(?:{_UNIT_RE})(?![A-Za-z]))?(?P<echo>{_ECHO_RE})?"
        ),
        _h_quantity,
    ),
    (re.compile(r"[A-Za-z]+"), _h_letters),
]


def _h_date_any(m: re.Match[str]) -> str:
    y = m.group("y")
    mo = m.group("mo") or m.group("mo2")
    d = m.group("d") or m.group("d2")
    out = digits_to_cn(y) + "年" + int_to_cn(mo) + "月"
    if d:
        out += int_to_cn(d) + ("号" if m.group(0).endswith("号") else "日")
    return out


def _keep_char(ch: str) -> bool:
    """Whether a character can be spoken or is boundary punctuation; everything else is skipped."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x2FA1F
        or ch == "〇"
        or ch in PUNCT
        or ch in "\n"
        or ("A" <= ch <= "Z")
    )


def normalize(text: str) -> Normalized:
    """Normalize Mandarin text for synthesis; every output char remembers its source span."""
    if not text:
        return Normalized("", [])
    pre = _to_simplified("".join(_halfwidth(c) for c in text))
    # Chunks: (text, orig_start, orig_end, done). Done chunks are spoken replacements whose
    # characters all map to the whole matched span; undone chunks still map 1:1.
    chunks: list[tuple[str, int, int, bool]] = [(pre, 0, len(pre), False)]
    for pattern, handler in _RULES:
        new_chunks: list[tuple[str, int, int, bool]] = []
        for ctext, cs, ce, done in chunks:
            if done:
                new_chunks.append((ctext, cs, ce, done))
                continue
            pos = 0
            for m in pattern.finditer(ctext):
                if m.end() == m.start():
                    continue
                if m.start() > pos:
                    new_chunks.append((ctext[pos : m.start()], cs + pos, cs + m.start(), False))
                try:
                    rep = handler(m, ctext, m.end())
                except (ValueError, KeyError, TypeError):  # never crash on odd input; leave it raw
                    log.warning("normalize: could not read %r", m.group(0))
                    rep = m.group(0)
                new_chunks.append((rep, cs + m.start(), cs + m.end(), True))
                pos = m.end()
            if pos < len(ctext):
                new_chunks.append((ctext[pos:], cs + pos, ce, False))
        chunks = new_chunks
    out_chars: list[str] = []
    spans: list[tuple[int, int]] = []
    atoms: list[tuple[int, int]] = []
    for ctext, cs, ce, done in chunks:
        n0 = len(out_chars)
        for i, ch in enumerate(ctext):
            ch = _ASCII_PUNCT.get(ch, ch)
            if ch == "." and not done:
                ch = "。"
            if not _keep_char(ch):
                continue  # emoji, quotes, brackets, stray symbols: not spoken
            out_chars.append(ch)
            # replacements of equal length (digit strings, letters) keep a per-character map
            per_char = not done or len(ctext) == ce - cs
            spans.append((cs + i, cs + i + 1) if per_char else (cs, ce))
        if done and len(out_chars) - n0 > 1:
            atoms.append((n0, len(out_chars)))
    return Normalized("".join(out_chars), spans, atoms)
