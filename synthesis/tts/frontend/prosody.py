"""Rule-based prosody for the Baker scheme (#0 syllable, #1 word, #2 phrase, #3 clause), pauses."""

from __future__ import annotations

from collections.abc import Sequence

from .g2p import Word

__all__ = ["group_words", "assign_boundaries", "pause_for", "PAUSES", "PHRASE_MAX"]

# Seconds of silence after each punctuation type; sentence ends breathe longer than commas.
PAUSES: dict[str, float] = {
    "。": 0.45, "！": 0.45, "？": 0.45, "\n": 0.6, "……": 0.55, "…": 0.55,
    "；": 0.3, "：": 0.25, "——": 0.35, "—": 0.35, "，": 0.2, "、": 0.12,
}  # fmt: skip
PHRASE_MAX = 7  # syllables: longer stretches get a #2 prosodic-phrase break...
PHRASE_SOFT_MAX = 9  # ...unless ≤ this long and no clear syntactic break (score ≥ STRONG)
STRONG = 2.5
PHRASE_MIN_SIDE = 3  # a soft-range split leaves at least this many syllables on each side
GROUP_MAX = 5  # syllables in one prosodic word, unless a clitic must attach

_ATTACH_LEFT_WORDS = set("的地得了着过们吗呢吧啊呀啦嘛哦哇儿里上下中")
_ATTACH_RIGHT_POS = (
    "d",
    "p",
)  # monosyllabic adverbs (不, 很, 都) and prepositions (在, 把) lean right


def pause_for(punct: str) -> float:
    """Pause in seconds after a punctuation mark (or run of marks), 0 for none."""
    if not punct:
        return 0.0
    if punct in PAUSES:
        return PAUSES[punct]
    return max((PAUSES.get(c, 0.0) for c in punct), default=0.0)


def _attach_left(w: Word, prev: Word) -> bool:
    if (
        len(w.text) == 1
        and w.text in _ATTACH_LEFT_WORDS
        and w.pos[:1] in ("u", "y", "f", "k", "e", "n", "v", "r")
    ):
        return w.pos[:1] in ("u", "y", "k", "e") or w.pos in ("f",) or w.text in "们儿"
    return w.pos.startswith("q") and prev.pos.startswith("m")  # 三/个, 几/排


def group_words(words: Sequence[Word]) -> list[list[int]]:
    """Group words into prosodic words: clitics join their host, monosyllables a neighbour."""
    groups: list[list[int]] = []
    sizes: list[int] = []
    for i, w in enumerate(words):
        c = len(w.syllables)
        if groups:
            last = words[groups[-1][-1]]
            lean_right = len(last.syllables) == 1 and last.pos.startswith(_ATTACH_RIGHT_POS)
            # a lone monosyllable joins the next word (他说, 让大家), but not an adverb that
            # or preposition that leans on what follows (我#1也想买, 他#1不想走, 你#1把水果)
            lone = (
                len(groups[-1]) == 1
                and sizes[-1] == 1
                and c <= 3
                and not (w.pos[:1] in ("d", "p") or w.text[:1] in "不没别")
            )
            if (
                _attach_left(w, last)
                or (lean_right and sizes[-1] + c <= GROUP_MAX)
                or (lone and sizes[-1] + c <= 4)
                or (
                    c == 1
                    and not w.pos.startswith(("c", "p", "d"))  # adverbs lean right, not left
                    and sizes[-1] <= 2
                    and not lean_right
                    and w.pos != "eng"
                )
            ):
                groups[-1].append(i)
                sizes[-1] += c
                continue
        groups.append([i])
        sizes.append(c)
    return groups


def _score(words: Sequence[Word], left: Sequence[int], right: Sequence[int]) -> float:
    a, b = words[left[-1]], words[right[0]]
    if b.pos.startswith("c"):
        return 2.0
    if a.pos in ("uj", "uv") or a.text == "的":
        return -2.0  # never split a modifier from its head (…的#1小河)
    if a.pos[:1] in ("m", "q") and b.pos[:1] in ("n", "a", "z", "b", "v", "m", "q"):
        return -1.5  # 一个|小小的图书角: a numeral-classifier phrase belongs to what it counts
    if a.pos[:1] in ("n", "r", "t", "s", "f") and b.pos[:1] in ("d", "v", "a"):
        return 2.0  # subject | predicate
    if b.pos.startswith("p"):
        return 1.5
    if a.pos in ("ul", "uz", "ug"):
        return 0.8
    return 0.0


def _split_phrases(
    words: Sequence[Word], groups: Sequence[Sequence[int]], lo: int, hi: int, cuts: set[int]
) -> None:
    sizes = [sum(len(words[i].syllables) for i in g) for g in groups[lo:hi]]
    total = sum(sizes)
    if total <= PHRASE_MAX or hi - lo < 2:
        return
    soft = total <= PHRASE_SOFT_MAX  # 8-9 syllables: split only at a clear break
    min_side = PHRASE_MIN_SIDE if soft else 2
    best, best_j = None, None
    left = 0
    for j in range(lo + 1, hi):
        left += sizes[j - 1 - lo]
        right = total - left
        if left < min_side or right < min_side:
            continue
        last = words[groups[j - 1][-1]]
        if last.pos in ("uj", "uv") or last.text == "的":
            continue  # never split a modifier from its head (休息的|时候)
        score = _score(words, groups[j - 1], groups[j]) + 1.5 * (1 - abs(left - right) / total)
        if min(left, right) < PHRASE_MIN_SIDE:
            score -= 1.0  # a two-syllable #2 phrase is a last resort
        if best is None or score > best:
            best, best_j = score, j
    if best_j is None or best is None or (soft and best < STRONG):
        return
    cuts.add(best_j)
    _split_phrases(words, groups, lo, best_j, cuts)
    _split_phrases(words, groups, best_j, hi, cuts)


def assign_boundaries(words: Sequence[Word], groups: Sequence[Sequence[int]]) -> None:
    """Set Word.boundary: #0 inside a prosodic word, #1 between, #2 phrase break, #3 clause end."""
    cuts: set[int] = set()
    _split_phrases(words, groups, 0, len(groups), cuts)
    for gi, g in enumerate(groups):
        for i in g[:-1]:
            words[i].boundary = "#0"
        nxt_is_cut = (gi + 1) in cuts
        words[g[-1]].boundary = "#2" if nxt_is_cut else "#1"
    if words:
        words[-1].boundary = "#3"
