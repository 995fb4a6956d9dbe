"""Mandarin TTS text frontend: normalize → segment → g2p → sandhi → prosody → symbols → passes."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import g2p as _g2p
from . import prosody as _prosody
from . import sandhi as _sandhi
from . import segment as _segment
from .normalize import normalize as _normalize
from .split import iter_passes, split_clauses
from .symbols import SymbolMapper

log = logging.getLogger(__name__)

__all__ = ["Pass", "Frontend", "load_mapper"]


@dataclass
class Pass:
    """One acoustic-model pass."""

    text: str  # original text span
    start: int  # offsets into the ORIGINAL input string
    end: int
    normalized: str
    pinyin: list[str]  # e.g. ["yin2", "hang2"]
    symbols: list[str]  # Baker symbols incl. sil ... sil eos
    pause_after: float  # seconds of silence to append after this pass


def load_mapper(path: str | Path) -> dict:
    """Read a baker_mapper.json file."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Frontend:
    """Text → acoustic passes for the Baker voice; dictionaries load lazily, once per process."""

    def __init__(
        self, mapper: dict, *, max_syllables: int = 60, first_max_syllables: int = 12
    ) -> None:
        self.mapper = mapper
        self.symbols = SymbolMapper(mapper)
        self.max_syllables = max_syllables
        self.first_max_syllables = first_max_syllables

    @staticmethod
    def warmup() -> dict[str, float]:
        """Load jieba, pypinyin and OpenCC now (e.g. at server start); seconds per library."""
        t0 = time.perf_counter()
        jieba_s = _segment.init()
        pinyin_s = _g2p.init()
        t1 = time.perf_counter()
        _normalize("預熱")  # loads OpenCC's Traditional→Simplified table (~10 ms)
        opencc_s = time.perf_counter() - t1
        return {
            "jieba": jieba_s,
            "pypinyin": pinyin_s,
            "opencc": opencc_s,
            "total": time.perf_counter() - t0,
        }

    @classmethod
    def start_warmup(cls) -> threading.Thread:
        """Run warmup() in a daemon thread (e.g. while the networks load); analyze() waits for
        whatever part is still loading, so this is always safe. Join it to get the timings."""
        t = threading.Thread(target=cls.warmup, name="tts-frontend-warmup", daemon=True)
        t.start()
        return t

    def normalize(self, text: str) -> str:
        """Normalized text (for --dry-run)."""
        return _normalize(text).text

    def analyze(
        self, text: str, *, max_syllables: int | None = None, first_max_syllables: int | None = None
    ) -> list[Pass]:
        """Split text into passes with pinyin and symbols; [] when nothing speakable remains."""
        return list(
            self.iter_analyze(
                text, max_syllables=max_syllables, first_max_syllables=first_max_syllables
            )
        )

    def iter_analyze(
        self, text: str, *, max_syllables: int | None = None, first_max_syllables: int | None = None
    ) -> Iterator[Pass]:
        """`analyze`, lazily: clauses are segmented and read only as passes are asked for, so
        the first pass of a long text is ready after its first clause or two (the paragraph:
        1 ms instead of 12 ms). The passes are the same as `analyze`'s."""
        norm = _normalize(text)
        if not norm.text:
            return

        def analysed(clauses):
            for c in clauses:
                if c.end > c.start:
                    pairs = _segment.segment(norm.text[c.start : c.end])
                    words = _g2p.g2p(pairs, offset=c.start)
                    if words:
                        groups = _prosody.group_words(words)
                        _sandhi.apply_sandhi(words, groups, _segment.is_word)
                        _prosody.assign_boundaries(words, groups)
                        c.words = words
                yield c

        plans = iter_passes(
            analysed(split_clauses(norm.text)),
            self.max_syllables if max_syllables is None else max_syllables,
            self.first_max_syllables if first_max_syllables is None else first_max_syllables,
            norm.blocked(),
        )
        prev_end = 0
        for p in plans:
            syllables: list[str] = []
            bounds: list[str] = []
            for w in p.words:
                syllables.extend(w.syllables)
                bounds.extend(["#0"] * (len(w.syllables) - 1) + [w.boundary])
            start, end = norm.orig_span(p.n_start, p.n_end)
            # one spoken token (e.g. a long number) may feed two passes: keep spans non-overlapping
            start = max(start, prev_end)
            end = max(end, start)
            prev_end = end
            yield Pass(
                text=text[start:end],
                start=start,
                end=end,
                normalized=norm.text[p.n_start : p.n_end],
                pinyin=syllables,
                symbols=self.symbols.encode(syllables, bounds),
                pause_after=p.pause_after,
            )

    def ids(self, p: Pass) -> list[int]:
        """Model input ids of a pass (symbols → ids via mapper['symbol_to_id'])."""
        return self.symbols.ids(p.symbols)
