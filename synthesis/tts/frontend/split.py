"""Split normalized text into sentences and clauses; plan passes under a syllable budget."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .g2p import Word
from .prosody import pause_for

__all__ = [
    "Clause",
    "PassPlan",
    "split_clauses",
    "plan_passes",
    "iter_passes",
    "HARD_MAX_SYLLABLES",
]

# ~90 syllables ≈ 20 s at 4-5 syllables/s, safely under the model's 2,048-frame (~25 s) limit.
HARD_MAX_SYLLABLES = 90
SENTENCE_END = set("。！？\n…")
CLAUSE_END = set("，、；：—") | SENTENCE_END


@dataclass
class Clause:
    """A stretch of normalized text up to (and including) its punctuation."""

    start: int  # normalized offsets of the spoken content
    end: int
    punct: str  # the punctuation run that ended it ("" at end of text)
    punct_end: int  # normalized offset just past the punctuation
    sentence_end: bool
    words: list[Word] = field(default_factory=list)

    @property
    def syllables(self) -> int:
        return sum(len(w.syllables) for w in self.words)


@dataclass
class PassPlan:
    """Words of one acoustic pass and what follows it."""

    words: list[Word]
    n_start: int  # normalized span including the final punctuation
    n_end: int
    pause_after: float


def split_clauses(text: str) -> list[Clause]:
    """Cut normalized text at clause punctuation; a punctuation run ends the clause before it."""
    clauses: list[Clause] = []
    i, n, start = 0, len(text), 0
    while i < n:
        if text[i] in CLAUSE_END:
            j = i
            while j < n and text[j] in CLAUSE_END:
                j += 1
            punct = text[i:j]
            clauses.append(Clause(start, i, punct, j, any(c in SENTENCE_END for c in punct)))
            start = i = j
        else:
            i += 1
    if start < n:
        clauses.append(Clause(start, n, "", n, True))
    return clauses


def _cut(words: Sequence[Word], budget: int, limit: int, blocked: Collection[int] = ()) -> int:
    """How many leading words make the next pass.

    The cut never falls inside a normalized number/date/time/acronym (`blocked` offsets) and
    prefers, within `budget` syllables, a #2 boundary (unless much earlier than a #1), then a #1.
    If no prosodic-word boundary fits, the pass runs to the end of the first prosodic word
    (up to `limit` syllables); only then does it cut inside a prosodic word (#0).
    """
    total = syl2 = syl1 = 0
    best2 = best1 = best0 = any_cut = over = 0
    n = len(words)
    for k in range(1, n + 1):
        w = words[k - 1]
        total += len(w.syllables)
        ok = k == n or w.end not in blocked
        phrase = w.boundary in ("#2", "#3")
        if total <= budget:
            any_cut = k
            if not ok:
                continue
            if phrase:
                best2, syl2 = k, total
            elif w.boundary == "#1":
                best1, syl1 = k, total
            else:
                best0 = k
        else:
            if ok and (phrase or w.boundary == "#1" or k == n) and total <= limit:
                over = k
                break
            if total > limit:
                break
    if best2 and syl2 * 2 >= syl1:  # a #2 not too far back beats a later #1
        return best2
    return best1 or best2 or over or best0 or any_cut or 1


def _split_word(w: Word, size: int) -> list[Word]:
    """Cut an over-long word into pieces of ≤ `size` syllables; text spans split proportionally."""
    n_syl, n_chr = len(w.syllables), w.end - w.start
    pieces: list[Word] = []
    for i in range(0, n_syl, size):
        a = w.start + n_chr * i // n_syl
        b = w.start + n_chr * min(i + size, n_syl) // n_syl
        text = w.text[a - w.start : b - w.start]
        pieces.append(Word(text, w.pos, a, b, w.syllables[i : i + size], "#1"))
    pieces[-1].boundary = w.boundary
    return pieces


def plan_passes(
    clauses: Sequence[Clause],
    max_syllables: int = 60,
    first_max_syllables: int = 12,
    blocked: Collection[int] = (),
) -> list[PassPlan]:
    """Merge clauses of a sentence into passes under the budget (smaller first); cut long ones.

    `blocked`: normalized offsets inside a number/date/acronym reading, never a cut point.
    """
    return list(iter_passes(clauses, max_syllables, first_max_syllables, blocked))


def iter_passes(
    clauses: Iterable[Clause],
    max_syllables: int = 60,
    first_max_syllables: int = 12,
    blocked: Collection[int] = (),
) -> Iterator[PassPlan]:
    """`plan_passes`, lazily: each pass is yielded as soon as it is decided, having read only
    the clauses up to the one after it, so a caller can analyse clauses as they are asked for
    (the engine speaks the first pass before the rest of a long text is analysed)."""
    max_syllables = max(4, min(max_syllables, HARD_MAX_SYLLABLES))
    first_max_syllables = max(1, min(first_max_syllables, max_syllables))
    ready: list[PassPlan] = []
    planned = 0
    cur: list[Word] = []
    cur_syl = 0
    cur_start = cur_end = 0
    cur_pause = 0.0

    def budget() -> int:
        return first_max_syllables if not planned else max_syllables

    def flush() -> None:
        nonlocal cur, cur_syl, planned
        if cur:
            cur[-1].boundary = "#3"
            ready.append(PassPlan(cur, cur_start, cur_end, cur_pause))
            planned += 1
        cur, cur_syl = [], 0

    for c in clauses:
        words = list(c.words)
        if not words:
            if cur and c.punct:  # punctuation-only clause (e.g. after an emoji): lengthen the pause
                cur_pause = max(cur_pause, pause_for(c.punct))
                cur_end = c.punct_end
        else:
            syl = c.syllables
            if cur and cur_syl + syl > budget():
                flush()
            while words:
                n_syl = sum(len(w.syllables) for w in words)
                room = budget() - cur_syl
                if n_syl <= room:
                    if not cur:
                        cur_start = words[0].start
                    cur.extend(words)
                    cur_syl += n_syl
                    cur_end, cur_pause = c.punct_end, pause_for(c.punct)
                    cur[-1].boundary = "#3"
                    break
                if cur:  # does not fit next to earlier clauses: start a fresh pass
                    flush()
                    continue
                if len(words[0].syllables) > max_syllables:  # one giant word (200 spelled letters)
                    words[:1] = _split_word(words[0], room)
                k = _cut(words, room, max_syllables, blocked)
                head, words = words[:k], words[k:]
                cur_start = head[0].start
                cur, cur_syl = head, sum(len(w.syllables) for w in head)
                cur_end, cur_pause = head[-1].end, 0.0
                flush()
        if c.sentence_end:
            flush()
        yield from ready  # before the next clause is asked for
        ready.clear()
    flush()
    yield from ready
