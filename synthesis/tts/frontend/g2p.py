"""Grapheme-to-pinyin: phrase readings from pypinyin's data, context rules, neutral tones, erhua."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from . import pinyin as _pinyin
from .normalize import LETTER_PINYIN

log = logging.getLogger(__name__)

__all__ = ["Word", "g2p", "word_pinyin", "init", "init_seconds"]


@dataclass
class Word:
    """One segmented word: text, POS, normalized-text span, syllables (tones 1-5, ü as v)."""

    text: str
    pos: str
    start: int = 0  # offsets into the normalized text
    end: int = 0
    syllables: list[str] = field(default_factory=list)
    boundary: str = "#0"  # prosodic boundary after this word (#0..#3), filled by prosody


# Whole-word readings pypinyin's phrase dictionary gets wrong or that need a TTS choice.
CORRECTIONS: dict[str, list[str]] = {
    "得去": ["dei3", "qu4"], "得走": ["dei3", "zou3"], "还得": ["hai2", "dei3"],
    "就得": ["jiu4", "dei3"], "总得": ["zong3", "dei3"], "非得": ["fei1", "dei3"],
    "结实": ["jie1", "shi5"], "衣服": ["yi1", "fu5"], "朋友": ["peng2", "you5"],
    "先生": ["xian1", "sheng5"], "东西": ["dong1", "xi5"], "地方": ["di4", "fang5"],
    "数一数": ["shu3", "yi1", "shu3"], "数数": ["shu3", "shu5"], "差不多": ["cha4", "bu5", "duo1"],
     "一会": ["yi1", "hui4"], "一会儿": ["yi1", "hui4", "er5"],
    "长得": ["zhang3", "de5"], "长高": ["zhang3", "gao1"], "长出": ["zhang3", "chu1"],
    "觉得": ["jue2", "de5"], "睡觉": ["shui4", "jiao4"], "午觉": ["wu3", "jiao4"],
    "暖和": ["nuan3", "huo5"], "便宜": ["pian2", "yi5"], "人参": ["ren2", "shen1"],
    "着急": ["zhao2", "ji2"], "睡着": ["shui4", "zhao2"], "看着": ["kan4", "zhe5"],
    "朝代": ["chao2", "dai4"], "朝阳": ["zhao1", "yang2"], "出差": ["chu1", "chai1"],
    "管理处": ["guan3", "li3", "chu4"], "流血": ["liu2", "xue4"], "似的": ["shi4", "de5"],
    "模样": ["mu2", "yang4"], "散步": ["san4", "bu4"], "风筝": ["feng1", "zheng5"],
    "什么": ["shen2", "me5"], "怎么": ["zen3", "me5"],
    "那么": ["na4", "me5"], "这么": ["zhe4", "me5"],
    "多么": ["duo1", "me5"], "为什么": ["wei4", "shen2", "me5"], "干什么": ["gan4", "shen2", "me5"],
    "嗯": ["n2"], "哪儿": ["na3", "er5"], "这儿": ["zhe4", "er5"], "那儿": ["na4", "er5"],
    "一点儿": ["yi4", "dian3", "er5"], "花儿": ["hua1", "er5"], "玩儿": ["wan2", "er5"],
    "老头儿": ["lao3", "tou2", "er5"], "小孩儿": ["xiao3", "hai2", "er5"], "事儿": ["shi4", "er5"],
    "处理": ["chu3", "li3"], "处于": ["chu3", "yu2"], "相处": ["xiang1", "chu3"],
    "重新": ["chong2", "xin1"], "重复": ["chong2", "fu4"], "音乐": ["yin1", "yue4"],
    "快乐": ["kuai4", "le4"], "了解": ["liao3", "jie3"], "为了": ["wei4", "le5"],
    "因为": ["yin1", "wei4"], "还是": ["hai2", "shi4"], "还钱": ["huan2", "qian2"],
    "长椅": ["chang2", "yi3"], "几排": ["ji3", "pai2"], "几页": ["ji3", "ye4"],
    "角落": ["jiao3", "luo4"], "图书角": ["tu2", "shu1", "jiao3"], "时分": ["shi2", "fen1"],
    "男子": ["nan2", "zi3"], "女子": ["nv3", "zi3"],
    "电子": ["dian4", "zi3"], "原子": ["yuan2", "zi3"],
    "有的": ["you3", "de5"], "别的": ["bie2", "de5"], "真的": ["zhen1", "de5"],
}  # fmt: skip

# Common words whose last syllable is neutral (轻声) in standard Mandarin.
NEUTRAL_WORDS: frozenset[str] = frozenset(
    """
    我们 你们 他们 她们 它们 咱们 人们 孩子们 同学们 朋友们 什么 怎么 那么 这么 多么
    东西 朋友 先生 衣服 衣裳 桌子 椅子 房子 孩子 儿子 妻子 日子 样子 名字 事情 意思
    时候 地方 知道 认识 告诉 喜欢 觉得 明白 清楚 聪明 漂亮 舒服 休息 眼睛 耳朵 头发
    眉毛 鼻子 嘴巴 脑袋 指头 骨头 舌头 石头 木头 馒头 枕头 里头 外头 上头 前头 后头
    念头 跟头 爸爸 妈妈 哥哥 姐姐 弟弟 妹妹 爷爷 奶奶 姥姥 姥爷 叔叔 伯伯 舅舅 姑姑
    阿姨 宝宝 娃娃 星星 谢谢 看看 丈夫 姑娘 媳妇 女婿 亲戚 师傅 师父 大夫 客气 麻烦
    糊涂 马虎 热闹 凉快 暖和 便宜 漂亮 豆腐 萝卜 葡萄 玻璃 蘑菇 芝麻 棉花 窗户 风筝
    月亮 太阳 消息 生意 买卖 学问 本事 力气 脾气 福气 运气 规矩 道理 商量 打听 打扮
    打算 收拾 琢磨 折腾 吩咐 嘱咐 招呼 答应 应付 对付 委屈 欺负 佩服 照顾 介绍 报酬
    关系 部分 困难 厉害 结实 老实 踏实 扎实 自在 体面 大方 小气 和尚 尾巴 哑巴
    下巴 巴掌 包袱 口袋 喇叭 钥匙 行李 被子 鞋子 袜子 裤子 裙子 帽子 杯子 盘子 筷子
    勺子 瓶子 箱子 盒子 本子 院子 屋子 村子 镜子 肚子 脖子 嗓子 胡子 个子 身子 影子
    例子 句子 点子 法子 位子 车子 票子 虫子 狮子 兔子 猴子 鸽子 蚊子 叶子 果子 橘子
    李子 桃子 柿子 栗子 竹子 种子 扇子 梳子 刷子 饺子 包子 粽子 钉子 柱子 胳膊 膏药
    结巴 疙瘩 窝囊 唠叨 嘀咕 嘟囔 哆嗦 咳嗽 吆喝 苍蝇 蛤蟆 骆驼 狐狸 刺猬 玫瑰 琵琶
    枇杷 薄荷 晚上 早上 身上 地上 天上 路上 脸上 手上 头上 楼上 家里 屋里 夜里 心里
    这里 那里 哪里 这个 那个 哪个 起来 出来 进来 回来 过来 上来 下来 出去 进去 回去
    上去 下去 明白 分析 动静 打量 算计 记性 忘性 正经 机灵 精神 利索 利落 痛快 爽快
    勤快 新鲜 干净 暖和 凉快 模糊 含糊 清楚 随和 温和 软和 匀称
    """.split()
)

# Words ending in 儿 whose 儿 is a full syllable (ér), not an erhua suffix.
FULL_ER: frozenset[str] = frozenset(
    "女儿 婴儿 幼儿 孤儿 健儿 男儿 胎儿 宠儿 患儿 少儿 孙儿 侄儿 孩儿 犬儿 "
    "乳儿 混血儿 新生儿 早产儿 弃儿 宁馨儿 育儿 托儿 幸运儿 弄潮儿 儿".split()
)

# Single-character words whose reading depends on the POS tag: (char, pos prefix) → pinyin.
CHAR_POS: dict[tuple[str, str], str] = {
    ("还", "v"): "huan2", ("还", "d"): "hai2",
    ("长", "a"): "chang2", ("长", "v"): "zhang3",
    ("数", "v"): "shu3", ("数", "m"): "shu4", ("数", "n"): "shu4",
    ("得", "ud"): "de5", ("得", "v"): "de2", ("地", "uv"): "de5", ("地", "n"): "di4",
    ("的", "uj"): "de5", ("着", "uz"): "zhe5", ("着", "v"): "zhao2", ("了", "ul"): "le5",
    ("了", "y"): "le5", ("过", "ug"): "guo5", ("为", "p"): "wei4", ("为", "v"): "wei2",
    ("教", "v"): "jiao1", ("处", "v"): "chu3", ("处", "n"): "chu4", ("种", "v"): "zhong4",
    ("干", "a"): "gan1", ("干", "v"): "gan4", ("重", "d"): "chong2", ("好", "a"): "hao3",
    ("只", "d"): "zhi3", ("只", "q"): "zhi1", ("和", "c"): "he2", ("和", "p"): "he2",
    ("哪", "r"): "na3", ("将", "d"): "jiang1", ("相", "d"): "xiang1", ("少", "a"): "shao3",
    ("朝", "p"): "chao2", ("差", "a"): "cha4", ("差", "v"): "cha4", ("便", "d"): "bian4",
    ("行", "v"): "xing2", ("行", "a"): "xing2", ("行", "q"): "hang2",
}  # fmt: skip

# Characters whose pypinyin default reading is wrong in every common word (遛狗 is liù gǒu).
CHAR_OVERRIDE: dict[str, str] = {"遛": "liu4"}

_PARTICLES_NEUTRAL = set("吗呢吧啊呀啦嘛哦哇呗咯喽么")
_MODAL_STARTS = {
    "好好",
    "赶快",
    "马上",
    "赶紧",
    "快点",
    "早点",
    "多多",
}  # jieba often tags these n/l
_DEGREE = {"很", "太", "更", "最", "多", "好", "真", "挺", "特别", "比较", "非常"}
_STRUCTURAL = {"的": "de5", "地": "de5", "得": "de5"}
_DIRECTIONAL = {
    "起来",
    "出来",
    "进来",
    "回来",
    "过来",
    "上来",
    "下来",
    "出去",
    "进去",
    "回去",
    "过去",
    "上去",
    "下去",
}
_OBJECT_POS = ("n", "r", "m")

_init_seconds: float | None = None


def init() -> float:
    """Load the pinyin tables once (building their cache first if missing); returns seconds."""
    global _init_seconds
    if _init_seconds is None:
        t0 = time.perf_counter()
        _pinyin.init()
        _init_seconds = time.perf_counter() - t0
    return _init_seconds


def init_seconds() -> float | None:
    """Seconds the pinyin tables' one-time load took, or None if it has not run."""
    return _init_seconds


def _raw_pinyin(text: str) -> list[str]:
    return _pinyin.tone3(text)


def _neutral(syl: str) -> str:
    return syl[:-1] + "5" if syl and syl[-1].isdigit() else syl


def _is_han(text: str) -> bool:
    return all("\u3400" <= c <= "\u9fff" or "\U00020000" <= c <= "\U0002fa1f" for c in text)


def word_pinyin(
    text: str, pos: str, prev: tuple[str, str] | None = None, nxt: tuple[str, str] | None = None
) -> list[str]:
    """Pinyin of one word in context (prev/next: neighbouring (word, pos)); one per char."""
    if text.isascii() and text.isalpha():
        return [s for ch in text.upper() for s in LETTER_PINYIN.get(ch, [])]
    if text == "一行":  # 一行人 (a party, xíng) vs 一行字 (a line, háng)
        syls = ["yi4", "xing2" if nxt and nxt[0][:1] == "人" else "hang2"]
    elif text in CORRECTIONS:
        syls = list(CORRECTIONS[text])
    else:
        syls = _raw_pinyin(text)
        if len(syls) == len(text):
            for i, ch in enumerate(text):
                if ch in CHAR_OVERRIDE:
                    syls[i] = CHAR_OVERRIDE[ch]
    if len(text) == 1:
        syls = _single_char(text, pos, syls, prev, nxt)
    else:
        syls = _neutral_rules(text, pos, syls, prev)
    return syls


def _single_char(
    ch: str, pos: str, syls: list[str], prev: tuple[str, str] | None, nxt: tuple[str, str] | None
) -> list[str]:
    nword, npos = nxt if nxt else ("", "")
    if (
        ch == "还"
        and nword
        and npos.startswith(_OBJECT_POS)
        and nword not in ("有", "是", "要", "在")
    ):
        return ["huan2"]  # 还钱/还他: verb before an object, even when jieba tags it d
    if ch == "为" and npos[:1] == "m":
        return ["wei2"]  # 指数为七十五: "to be", not "for"
    if ch == "长":
        if nword[:1] in ("得", "大", "高", "出", "成", "满", "胖", "肉"):
            return ["zhang3"]
        if prev and prev[0] in _DEGREE:
            return ["chang2"]
    if ch == "得":
        if prev and prev[1][:1] in ("v", "a") and len(prev[0]) <= 2:
            return ["de5"]  # 跑得快, 说得好: complement marker even when jieba tags it v
        if nword[:1] in ("了", "到"):
            return ["de2"]  # 得了第一名: "obtain"
        modal_next = npos[:1] in ("v", "d", "p", "a", "z") or nword[:2] in _MODAL_STARTS
        if modal_next and (not prev or prev[1][:1] in ("r", "n", "d", "t")):
            return ["dei3"]  # 你得好好学习, 我得走: modal "must"
    if ch in _STRUCTURAL and pos.startswith("u"):
        return [_STRUCTURAL[ch]]
    for p in (pos, pos[:1]):
        hit = CHAR_POS.get((ch, p))
        if hit:
            return [hit]
    if ch in _PARTICLES_NEUTRAL and pos in ("y", "e", "zg", "x", "uj"):
        return [_neutral(syls[0])]
    if ch in "上里" and pos == "f" and prev and prev[1][:1] in ("n", "r", "s"):
        return [_neutral(syls[0])]  # 草地上, 房间里: localizers after a noun are toneless
    if ch in "了着过" and pos.startswith("u"):
        return [_neutral(syls[0])]
    return syls


def _neutral_rules(text: str, pos: str, syls: list[str], prev: tuple[str, str] | None) -> list[str]:
    if text in CORRECTIONS:
        return syls
    if text in NEUTRAL_WORDS or (len(text) > 2 and text[-2:] in NEUTRAL_WORDS):
        syls[-1] = _neutral(syls[-1])  # also 放风筝, 好朋友: the neutral word is the tail
    elif text[-1] == "们" and len(text) > 1:
        syls[-1] = _neutral(syls[-1])
    elif len(text) == 2 and text[0] == text[1] and pos[:1] in ("n", "v"):
        syls[-1] = _neutral(syls[-1])  # 妈妈, 看看, 试试
    elif (
        text[-1] == "子"
        and pos[:1] == "n"
        and text
        not in (
            "男子",
            "女子",
            "分子",
            "原子",
            "电子",
            "量子",
            "孔子",
            "老子",
            "瓜子",
            "莲子",
            "石子",
            "棋子",
            "君子",
            "太子",
            "天子",
            "才子",
        )
    ):
        syls[-1] = _neutral(syls[-1])
    elif text[-1] in "么" or (text[-1] in _PARTICLES_NEUTRAL and pos[:1] == "y"):
        syls[-1] = _neutral(syls[-1])
    if text[-1] in "上里" and pos == "s":
        syls[-1] = _neutral(syls[-1])  # 边上, 家里, 桌上
    if len(text) == 3 and text[1] == "得" and pos[:1] in ("l", "v", "a", "i"):
        syls[1] = "de5"  # 跑得快, 看得见: V得C complement marker
    if text in _DIRECTIONAL and prev and prev[1].startswith("v"):
        syls = [_neutral(s) for s in syls]  # 站起来, 拿出去: directional complements are toneless
    elif len(text) == 3 and text[1:] in _DIRECTIONAL and pos[:1] == "v" and len(syls) == 3:
        syls[1:] = [_neutral(s) for s in syls[1:]]  # 坐下来, 走进去 as one jieba word
    return syls


def _apply_erhua(text: str, syls: list[str]) -> list[str]:
    """Merge a suffix 儿 into the previous syllable (hua1 er5 → huar1) unless it is a full ér."""
    if (
        len(text) < 2
        or text[-1] != "儿"
        or len(syls) < 2
        or text in FULL_ER
        or text[-2:] in FULL_ER
    ):
        return syls
    base = syls[-2]
    if not base or not base[-1].isdigit() or base[:-1].endswith("r"):
        return syls
    return syls[:-2] + [base[:-1] + "r" + base[-1]]


def _directional_verb(w: Word) -> bool:
    return (
        len(w.text) == 2
        and w.pos[:1] == "v"
        and w.text[-1] in "下上进出回过起开"
        and len(w.syllables) == 2
    )


def g2p(pairs: list[tuple[str, str]], offset: int = 0) -> list[Word]:
    """Convert (word, pos) pairs to Words; punctuation and unknown characters yield none."""
    words: list[Word] = []
    pos_in_text = offset
    n = len(pairs)
    for i, (text, pos) in enumerate(pairs):
        start = pos_in_text
        pos_in_text += len(text)
        prev = pairs[i - 1] if i else None
        nxt = pairs[i + 1] if i + 1 < n else None
        if (
            text == "儿"
            and words
            and words[-1].syllables
            and words[-1].end == start
            and _is_han(words[-1].text)
        ):
            merged = _apply_erhua(words[-1].text + "儿", words[-1].syllables + ["er5"])
            if len(merged) == len(words[-1].syllables):  # erhua attached to the previous word
                words[-1].text += "儿"
                words[-1].end = pos_in_text
                words[-1].syllables = merged
                continue
        syls = word_pinyin(text, pos, prev, nxt)
        if (
            text in ("来", "去")
            and words
            and words[-1].end == start
            and _directional_verb(words[-1])
        ):
            # 坐下|来, 走进|去 split by jieba: the complement 下来/进去 is toneless
            words[-1].syllables[-1] = _neutral(words[-1].syllables[-1])
            syls = [_neutral(syls[0])]
        if _is_han(text):
            syls = _apply_erhua(text, syls)
        kept = [s for s in syls if s]
        if len(kept) != len(syls) and _is_han(text):
            log.warning("g2p: no reading for some characters of %r", text)
        if not kept:
            continue  # punctuation, symbols: no syllables
        words.append(Word(text=text, pos=pos, start=start, end=pos_in_text, syllables=kept))
    return words
