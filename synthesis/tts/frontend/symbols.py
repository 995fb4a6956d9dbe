"""Pinyin + prosody marks → Baker (TensorFlowTTS BakerProcessor) symbols and ids."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Sequence

log = logging.getLogger(__name__)

__all__ = ["SymbolMapper"]

# Syllabic nasals and interjections that the Baker set has no syllable for.
_SPECIAL = {
    "n": "en",
    "ng": "en",
    "m": "mu",
    "hm": "hen",
    "hng": "heng",
    "ê": "ei",
    "yo": "you",
    "lo": "luo",
}


class SymbolMapper:
    """Turns syllables such as 'huar1' or 'lv4' into Baker symbols and symbols into model ids."""

    def __init__(self, mapper: dict) -> None:
        self.symbol_to_id: dict[str, int] = {k: int(v) for k, v in mapper["symbol_to_id"].items()}
        self.pinyin_dict: dict[str, list[str]] = {
            k: list(v) for k, v in mapper["pinyin_dict"].items()
        }
        self._cache: dict[str, list[str]] = {}

    def _closest(self, base: str) -> str:
        match = difflib.get_close_matches(base, self.pinyin_dict.keys(), n=1, cutoff=0.0)
        return match[0] if match else "a"

    def syllable(self, syl: str) -> list[str]:
        """Symbols of one syllable: [initial, final+tone] (+ 'er5' for erhua); never raises."""
        hit = self._cache.get(syl)
        if hit is not None:
            return hit
        tone = syl[-1] if syl and syl[-1] in "12345" else "5"
        base = (
            (syl[:-1] if syl and syl[-1].isdigit() else syl)
            .lower()
            .replace("ü", "v")
            .replace("u:", "v")
        )
        erhua = False
        if (
            base not in self.pinyin_dict
            and base.endswith("r")
            and base != "er"
            and base[:-1] in self.pinyin_dict
        ):
            base, erhua = base[:-1], True
        if base not in self.pinyin_dict and base in _SPECIAL:
            base = _SPECIAL[base]
        if base not in self.pinyin_dict:
            new = self._closest(base)
            log.warning("symbols: unknown syllable %r, using %r", syl, new)
            base = new
        initial, final = self.pinyin_dict[base]
        out = [initial, final + tone]
        if out[1] not in self.symbol_to_id:
            out[1] = final + "5" if final + "5" in self.symbol_to_id else "a5"
        if erhua:
            out.append("er5")
        self._cache[syl] = out
        return out

    def encode(self, syllables: Sequence[str], boundaries: Sequence[str]) -> list[str]:
        """Symbols of a pass: sil, syllables joined by boundaries[i] (#0..#3), sil, eos."""
        out = ["sil"]
        n = len(syllables)
        for i, syl in enumerate(syllables):
            out.extend(self.syllable(syl))
            if i < n - 1:
                out.append(boundaries[i] if i < len(boundaries) else "#0")
        out.extend(["sil", "eos"])
        return out

    def ids(self, symbols: Sequence[str]) -> list[int]:
        """Model ids of symbols; an unknown symbol maps to '#0' rather than crashing."""
        fallback = self.symbol_to_id.get("#0", 0)
        return [self.symbol_to_id.get(s, fallback) for s in symbols]
