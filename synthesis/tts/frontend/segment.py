"""Word segmentation with POS tags (jieba.posseg), initialised lazily once per process.

jieba's own start-up is slow (~2 s of CPU here): unmarshalling its 500k-entry prefix
dictionary and, on ``import jieba.posseg``, parsing dict.txt again for the POS tags.
Instead we build, once per machine, a compact cache file with the prefix dictionary and the
tags bucketed by first character, map it into memory (a few milliseconds; page-cache pages
that every worker shares, of which a process holds only the buckets it has used), and turn a
bucket into a dict only when a word starting with that character is first looked up.
Segmentation results are identical to jieba's.
"""

from __future__ import annotations

import io
import logging
import marshal
import mmap
import os
import re
import struct
import sys
import tempfile
import threading
import time
from array import array
from bisect import bisect_left
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["segment", "init", "init_seconds", "cache_dir", "is_word"]

_lock = threading.Lock()
_pos_tokenizer = None
_init_seconds: float | None = None
_CACHE_VERSION = 3

# Words jieba's default dictionary lacks or splits badly for TTS purposes (word, freq, pos).
# Erhua words must stay whole so g2p can merge 儿 into the previous syllable.
_USER_WORDS: list[tuple[str, int, str]] = [
    ("一会儿", 2000, "m"), ("一点儿", 2000, "m"), ("哪儿", 2000, "r"), ("这儿", 2000, "r"),
    ("那儿", 2000, "r"), ("玩儿", 2000, "v"), ("花儿", 2000, "n"), ("小孩儿", 2000, "n"),
    ("好好儿", 2000, "d"), ("慢慢儿", 2000, "d"), ("差不多", 5000, "d"),
    ("数一数", 2000, "v"), ("看一看", 2000, "v"), ("想一想", 2000, "v"), ("试一试", 2000, "v"),
]  # fmt: skip


def cache_dir() -> Path:
    """Writable dir for the frontend's dictionary caches: beside the model cache
    (`$TTS_CACHE_DIR`, else ~/.cache/zhtts-torch), so they survive a reboot; else the temp dir."""
    from ..runtime.cache import cache_root

    path = cache_root() / "tts-frontend"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path(tempfile.gettempdir())
    return path if os.access(path, os.W_OK) else Path(tempfile.gettempdir())


def write_cache(path: Path, data: bytes) -> None:
    """Write a dictionary cache whole or not at all (readers never see a partial file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)  # built at install or image build time, read by an unprivileged worker
    os.replace(tmp, path)


def write_marshal(path: Path, data) -> None:
    write_cache(path, marshal.dumps(data))


class _Store:
    """jieba's FREQ and POS tables, bucketed by first character and parsed on first use.

    `data` is the cache file's layout (`_encode`), usually the file itself mapped read-only:
    the 584k-entry dictionary costs a process only the pages of the buckets it has parsed
    (12 MB of private memory when it was unmarshalled whole; bench/README.md, "The seventh
    session")."""

    def __init__(self, data) -> None:
        view = memoryview(data)
        magic, version, buckets, self.total, self._count = _HEADER.unpack_from(view)
        if magic != _MAGIC or version != _CACHE_VERSION:
            raise ValueError("not a dictionary cache of this version")
        at = _HEADER.size
        self._chars = view[at : at + 4 * buckets].cast("I")  # sorted first characters
        at += 4 * buckets
        # Bucket i's words, frequencies and tags are chunks 3i, 3i + 1, 3i + 2 of the data;
        # chunk j runs from _bounds[j] to _bounds[j + 1].
        self._bounds = view[at : at + 8 * (3 * buckets + 1)].cast("Q")
        if self._bounds[-1] != len(view):
            raise ValueError("truncated dictionary cache")
        self._data = view
        self._freq: dict[str, dict[str, int]] = {}
        self._tags: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def freq_bucket(self, c: str) -> dict[str, int]:
        d = self._freq.get(c)
        if d is None:
            d = self._parse(c)[0]
        return d

    def tag_bucket(self, c: str) -> dict[str, str]:
        d = self._tags.get(c)
        if d is None:
            d = self._parse(c)[1]
        return d

    def _parse(self, c: str) -> tuple[dict[str, int], dict[str, str]]:
        with self._lock:
            if c in self._freq:
                return self._freq[c], self._tags[c]
            i = bisect_left(self._chars, ord(c))
            f: dict[str, int] = {}
            t: dict[str, str] = {}
            if i < len(self._chars) and self._chars[i] == ord(c):
                words, freq_bytes, tags = (
                    self._data[self._bounds[j] : self._bounds[j + 1]]
                    for j in range(3 * i, 3 * i + 3)
                )
                words = str(words, "utf-8").split("\n")
                freqs = array("q")
                freqs.frombytes(freq_bytes)
                f = dict(zip(words, freqs, strict=True))
                t = dict(zip(words, str(tags, "utf-8").split("\n"), strict=True))
            self._tags[c] = t
            self._freq[c] = f
            return f, t


class _FreqView:
    """The dict protocol jieba.Tokenizer uses on FREQ (in, [], get, []=)."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(key) and key in self._s.freq_bucket(key[0])

    def __getitem__(self, key: str) -> int:
        if not key:
            raise KeyError(key)
        return self._s.freq_bucket(key[0])[key]

    def get(self, key: str, default: int | None = None) -> int | None:
        if not key:
            return default
        return self._s.freq_bucket(key[0]).get(key, default)

    def __setitem__(self, key: str, value: int) -> None:
        self._s.freq_bucket(key[0])[key] = value

    def __len__(self) -> int:
        return self._s._count


class _TagView:
    """The dict protocol jieba.posseg uses on word_tag_tab (get, []=, update)."""

    def __init__(self, store: _Store) -> None:
        self._s = store

    def get(self, key: str, default: str | None = None) -> str | None:
        if not key:
            return default
        return self._s.tag_bucket(key[0]).get(key) or default  # "" marks a prefix-only entry

    def __getitem__(self, key: str) -> str:
        tag = self.get(key)
        if tag is None:
            raise KeyError(key)
        return tag

    def __setitem__(self, key: str, value: str) -> None:
        self._s.tag_bucket(key[0])[key] = value

    def update(self, other: dict[str, str]) -> None:
        for k, v in other.items():
            self[k] = v


def _dict_path() -> Path:
    import jieba

    return Path(jieba.__file__).with_name("dict.txt")


def _cache_file() -> Path:
    st = _dict_path().stat()
    return cache_dir() / f"jieba-buckets-v{_CACHE_VERSION}-{st.st_size}-{st.st_mtime_ns}.bin"


def _build_blobs() -> tuple[dict[str, tuple[str, bytes, str]], int, int]:
    """Parse jieba's dict.txt exactly as jieba does (FREQ with prefixes, total, POS tags)."""
    freq: dict[str, int] = {}
    tags: dict[str, str] = {}
    total = 0
    with open(_dict_path(), encoding="utf-8") as f:
        for line in f:
            parts = line.strip().split(" ")
            if len(parts) < 2 or not parts[0]:
                continue
            word, n = parts[0], int(parts[1])
            freq[word] = n
            total += n
            if len(parts) > 2:
                tags[word] = parts[2]
            for i in range(1, len(word)):
                freq.setdefault(word[:i], 0)
    buckets: dict[str, list[str]] = {}
    for w in freq:
        buckets.setdefault(w[0], []).append(w)
    blobs = {
        c: ("\n".join(ws), array("q", (freq[w] for w in ws)).tobytes(),
            "\n".join(tags.get(w, "") for w in ws))
        for c, ws in buckets.items()
    }  # fmt: skip
    return blobs, total, len(freq)


# magic, version, buckets, total, entries; the first characters' code points, sorted; the
# offsets where each bucket's words ("\n"-joined UTF-8), frequencies (int64) and tags begin,
# and where the data ends; then the data. Native byte order: the file never leaves the
# machine, and its magic says which order wrote it.
_MAGIC = b"TTSJB" + sys.byteorder[0].encode() + b"\0\0"
_HEADER = struct.Struct("=8sIIqq")


def _encode(blobs: dict[str, tuple[str, bytes, str]], total: int, count: int) -> bytes:
    chars = sorted(blobs)
    chunks = [
        chunk
        for words, freqs, tags in (blobs[c] for c in chars)
        for chunk in (words.encode(), freqs, tags.encode())
    ]
    bounds = array("Q", [_HEADER.size + 4 * len(chars) + 8 * (len(chunks) + 1)])
    for chunk in chunks:
        bounds.append(bounds[-1] + len(chunk))
    head = _HEADER.pack(_MAGIC, _CACHE_VERSION, len(chars), total, count)
    return b"".join([head, array("I", map(ord, chars)).tobytes(), bounds.tobytes(), *chunks])


def _load_store() -> tuple[_Store, int]:
    path = _cache_file()
    try:
        with open(path, "rb") as f:
            store = _Store(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError, struct.error, TypeError):
        log.info("building jieba dictionary cache %s", path)
        data = _encode(*_build_blobs())
        store = _Store(data)  # in memory: works even where the cache cannot be written
        try:
            write_cache(path, data)
            # Older formats only: another install sharing the folder may use another dict.txt.
            for stale in path.parent.glob("jieba-buckets-v*"):
                version = stale.name.split("-")[2][1:]
                if version.isdigit() and int(version) < _CACHE_VERSION:
                    stale.unlink(missing_ok=True)
        except OSError:
            log.warning("could not write jieba cache %s", path, exc_info=True)
    return store, store.total


def _import_posseg():
    """Import jieba.posseg without its import-time parse of dict.txt for POS tags (~0.7 s)."""
    import sys

    import jieba

    if "jieba.posseg" in sys.modules:
        return sys.modules["jieba.posseg"]
    jieba.dt.get_dict_file = lambda: io.BytesIO(b"")  # the module-level POSTokenizer reads this
    try:
        import jieba.posseg
    finally:
        del jieba.dt.get_dict_file
    return jieba.posseg


def init() -> float:
    """Load jieba (compact dictionary cache + POS tables) once; returns the seconds it took."""
    global _pos_tokenizer, _init_seconds
    if _pos_tokenizer is not None:
        return _init_seconds or 0.0
    with _lock:
        if _pos_tokenizer is not None:
            return _init_seconds or 0.0
        t0 = time.perf_counter()
        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba prints its cache chatter at INFO/DEBUG
        posseg = _import_posseg()
        store, total = _load_store()
        tok = jieba.Tokenizer()
        tok.FREQ, tok.total = _FreqView(store), total  # type: ignore[assignment]
        tok.initialized = True
        tags = _TagView(store)
        if not posseg.dt.word_tag_tab:  # the global POSTokenizer we kept from parsing dict.txt
            posseg.dt.word_tag_tab = tags
        for word, freq, pos in _USER_WORDS:
            tok.add_word(word, freq, pos)
        pt = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
        pt.tokenizer = tok
        pt.word_tag_tab = tags
        for word, _freq, pos in _USER_WORDS:
            tags[word] = pos
        tok.user_word_tag_tab = {}
        list(pt.cut("预热"))  # forces the HMM/Viterbi tables to load now, not on the first request
        _pos_tokenizer = pt
        _init_seconds = time.perf_counter() - t0
        log.info("jieba initialised in %.3f s", _init_seconds)
        return _init_seconds


def init_seconds() -> float | None:
    """Seconds the one-time jieba initialisation took, or None if it has not run."""
    return _init_seconds


# jieba's HMM tags some numeral-classifier words as names or places (三本/ns, 五排/nr) and a
# few adverbs oddly (很/zg); prosody relies on these tags, so fix them.
_NUMCLS_RE = re.compile(
    "[零〇一二两三四五六七八九十百千万亿几半]+"
    "[个位只条张本次把件名头匹辆台天年岁周遍趟斤米元块毛角家间层口双对套种样份篇首部场节句"
    "行杯瓶碗盘碟片棵朵座所架艘颗粒根支枝群批扇封项门届股倍页排]"
)
_ADVERBS = frozenset("很也都最太更还又再就才只")


def _fix_pos(word: str, pos: str) -> str:
    if pos[:1] in ("n", "x", "z", "t") and _NUMCLS_RE.fullmatch(word):
        return "m"
    if word in _ADVERBS and pos[:1] in ("z", "x", "n"):
        return "d"
    return pos


def segment(text: str) -> list[tuple[str, str]]:
    """Segment Chinese text into (word, pos) pairs with jieba's POS tag set."""
    if _pos_tokenizer is None:
        init()
    assert _pos_tokenizer is not None
    return [(p.word, _fix_pos(p.word, p.flag)) for p in _pos_tokenizer.cut(text)]


def is_word(text: str) -> bool:
    """Whether jieba knows `text` as a word (gives the structure of 3-3-3 words)."""
    if _pos_tokenizer is None:
        init()
    assert _pos_tokenizer is not None
    return bool(_pos_tokenizer.tokenizer.FREQ.get(text))
