"""Word segmentation with POS tags (jieba.posseg), initialised lazily once per process."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["segment", "init", "init_seconds", "cache_dir"]

_lock = threading.Lock()
_pos_tokenizer = None
_init_seconds: float | None = None

# Words jieba's default dictionary lacks or splits badly for TTS purposes (word, freq, pos).
# Erhua words must stay whole so g2p can merge 儿 into the previous syllable.
_USER_WORDS: list[tuple[str, int, str]] = [
    ("一会儿", 2000, "m"), ("一点儿", 2000, "m"), ("哪儿", 2000, "r"), ("这儿", 2000, "r"),
    ("那儿", 2000, "r"), ("玩儿", 2000, "v"), ("花儿", 2000, "n"), ("小孩儿", 2000, "n"),
    ("好好儿", 2000, "d"), ("慢慢儿", 2000, "d"), ("差不多", 5000, "d"),
    ("数一数", 2000, "v"), ("看一看", 2000, "v"), ("想一想", 2000, "v"), ("试一试", 2000, "v"),
]  # fmt: skip


def cache_dir() -> Path:
    """Writable dir for jieba's dictionary cache (TTS_CACHE_DIR, else XDG cache, else tmp)."""
    base = os.environ.get("TTS_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    path = Path(base) / "tts-frontend" if base else Path(tempfile.gettempdir()) / "tts-frontend"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = Path(tempfile.gettempdir())
    return path


def init() -> float:
    """Load jieba (dictionary cache + POS tables) once; returns the seconds it took."""
    global _pos_tokenizer, _init_seconds
    if _pos_tokenizer is not None:
        return _init_seconds or 0.0
    with _lock:
        if _pos_tokenizer is not None:
            return _init_seconds or 0.0
        t0 = time.perf_counter()
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)  # jieba prints its cache chatter at INFO/DEBUG
        tok = jieba.Tokenizer()
        tok.tmp_dir = str(cache_dir())  # the marshalled prefix dict loads ~5x faster than parsing
        tok.initialize()
        for word, freq, pos in _USER_WORDS:
            tok.add_word(word, freq, pos)
        # Importing jieba.posseg already parsed dict.txt for POS tags into its global tokenizer;
        # reuse that table instead of parsing again (POSTokenizer.__init__ costs ~0.4 s).
        pt = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
        pt.tokenizer = tok
        pt.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
        for word, _freq, pos in _USER_WORDS:
            pt.word_tag_tab[word] = pos
        list(pt.cut("预热"))  # forces the HMM/Viterbi tables to load now, not on the first request
        _pos_tokenizer = pt
        _init_seconds = time.perf_counter() - t0
        log.info("jieba initialised in %.3f s", _init_seconds)
        return _init_seconds


def init_seconds() -> float | None:
    """Seconds the one-time jieba initialisation took, or None if it has not run."""
    return _init_seconds


def segment(text: str) -> list[tuple[str, str]]:
    """Segment Chinese text into (word, pos) pairs with jieba's POS tag set."""
    if _pos_tokenizer is None:
        init()
    assert _pos_tokenizer is not None
    return [(p.word, p.flag) for p in _pos_tokenizer.cut(text)]


def is_word(text: str) -> bool:
    """Whether jieba knows `text` as a word (gives the structure of 3-3-3 words)."""
    if _pos_tokenizer is None:
        init()
    assert _pos_tokenizer is not None
    return bool(_pos_tokenizer.tokenizer.FREQ.get(text))
