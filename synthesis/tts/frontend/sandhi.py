"""Tone sandhi over (word, pos, syllables): 一, 不 and third-tone sandhi within prosodic words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .g2p import Word

__all__ = ["apply_sandhi", "yi_bu_sandhi", "three_tone_sandhi"]

_NUM_CHARS = set("零〇一二三四五六七八九十两")
_BIG_UNITS = set("百千万亿")
_ORDINAL_NEXT = set("月号楼")  # 一月, 一号, 一楼 (first floor): ordinals keep yi1
_ORDINAL_PREV = set("第初期周")


def _tone(s: str) -> str:
    return s[-1] if s and s[-1].isdigit() else "5"


def _set(s: str, tone: str) -> str:
    return s[:-1] + tone if s and s[-1].isdigit() else s + tone


def _char_syllables(w: Word) -> list[tuple[str, int]]:
    """(char, syllable index) for each syllable; erhua 儿 has no syllable of its own."""
    if w.pos == "eng" or not w.text:
        return []
    if len(w.text) == len(w.syllables):
        return [(c, i) for i, c in enumerate(w.text)]
    if len(w.text) == len(w.syllables) + 1 and w.text.endswith("儿"):
        return [(c, i) for i, c in enumerate(w.text[:-1])]
    return []  # unknown alignment (dropped characters): leave it alone


def yi_bu_sandhi(words: Sequence[Word]) -> None:
    """Apply 一/不 sandhi in place across a clause (the next syllable may be in the next word)."""
    flat: list[tuple[str, int, int]] = []  # (char, word index, syllable index)
    for wi, w in enumerate(words):
        flat.extend((c, wi, si) for c, si in _char_syllables(w))
    for k, (ch, wi, si) in enumerate(flat):
        if ch not in "一不":
            continue
        w = words[wi]
        prev_c = flat[k - 1][0] if k else ""
        nxt = flat[k + 1] if k + 1 < len(flat) else None
        next_c = nxt[0] if nxt else ""
        next_tone = _tone(words[nxt[1]].syllables[nxt[2]]) if nxt else ""
        word_final = si == len(w.syllables) - 1 and len(w.text) > 1
        if ch == "一":
            if (
                next_c in _BIG_UNITS
                and nxt
                and nxt[1] == wi
                or (next_c in _BIG_UNITS and len(w.text) == 1)
            ):
                tone = "2" if next_tone == "4" else "4"  # 一百, 一万
            elif (
                prev_c
                and prev_c == next_c
                and len(w.text) in (1, 3)
                and (len(w.text) == 1 or w.text[1] == "一")
            ):
                tone = "5"  # 看一看
            elif (
                not nxt
                or word_final
                or prev_c in _NUM_CHARS
                or prev_c in _ORDINAL_PREV
                or next_c in _NUM_CHARS
                or next_c in _ORDINAL_NEXT
                or (prev_c == "月" and next_c in "日号")
            ):
                tone = "1"  # counting, ordinals, dates, 统一, clause-final
            elif next_tone == "4" or (next_tone == "5" and next_c == "个"):
                tone = "2"
            else:
                tone = "4"
        else:
            if prev_c and prev_c == next_c:
                tone = "5"  # 好不好, 是不是
            elif len(w.text) == 3 and w.text[1] == "不" and si == 1:
                tone = "5"  # 看不懂, 对不起: potential complements
            elif not nxt or word_final:
                tone = "4"
            elif next_tone == "4":
                tone = "2"
            else:
                tone = "4"
        w.syllables[si] = _set(w.syllables[si], tone)


def _two_three(syls: list[str], lo: int, hi: int) -> None:
    """Left-to-right 3-3 → 2-3 over syllables [lo, hi)."""
    for i in range(lo, hi - 1):
        if _tone(syls[i]) == "3" and _tone(syls[i + 1]) == "3":
            syls[i] = _set(syls[i], "2")


def _word_internal(w: Word, is_word: Callable[[str], bool] | None) -> None:
    s = w.syllables
    n = len(s)
    if n < 2 or w.pos == "eng":
        return
    if len(w.text) == n and all(c in _NUM_CHARS or c in _BIG_UNITS for c in w.text):
        # numbers group as digit+unit (九百|九十|九): 3-3 only inside a pair
        for i in range(n - 1):
            if w.text[i + 1] in _BIG_UNITS and _tone(s[i]) == "3" and _tone(s[i + 1]) == "3":
                s[i] = _set(s[i], "2")
        return
    if n == 3 and all(_tone(x) == "3" for x in s) and len(w.text) == 3:
        # 展览馆 (2+1) → 2 2 3; 小老虎 (1+2) → 3 2 3: the inner constituent changes first
        if is_word is not None and not is_word(w.text[:2]) and is_word(w.text[1:]):
            s[1] = _set(s[1], "2")
        else:
            s[0], s[1] = _set(s[0], "2"), _set(s[1], "2")
        return
    if n == 4:
        _two_three(s, 0, 2)
        _two_three(s, 2, 4)
        if _tone(s[1]) == "3" and _tone(s[2]) == "3":
            s[1] = _set(s[1], "2")
        return
    _two_three(s, 0, n)


def three_tone_sandhi(
    words: Sequence[Word],
    groups: Sequence[Sequence[int]],
    is_word: Callable[[str], bool] | None = None,
) -> None:
    """3-3 sandhi in place: inside words, then across words of a prosodic word, right to left."""
    for w in words:
        _word_internal(w, is_word)
    for g in groups:
        for a, b in zip(reversed(g[:-1]), reversed(g[1:]), strict=True):
            wa, wb = words[a], words[b]
            if not wa.syllables or not wb.syllables or "eng" in (wa.pos, wb.pos):
                continue
            # only an underlying 3 that is still 3 on the surface triggers (小/老虎 keeps 小 = 3)
            if _tone(wa.syllables[-1]) == "3" and _tone(wb.syllables[0]) == "3":
                wa.syllables[-1] = _set(wa.syllables[-1], "2")


def apply_sandhi(
    words: Sequence[Word],
    groups: Sequence[Sequence[int]] | None = None,
    is_word: Callable[[str], bool] | None = None,
) -> None:
    """Apply all tone sandhi in place; `groups` are prosodic words as lists of word indices."""
    if groups is None:
        groups = [list(range(len(words)))]
    yi_bu_sandhi(words)
    three_tone_sandhi(words, groups, is_word)
