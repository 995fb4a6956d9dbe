"""Pinyin of Chinese text from pypinyin's dictionaries, in about 1 MB instead of about 50 MB.

pypinyin keeps its 47k-phrase dictionary as Python lists of lists of strings, plus a copy of
it, a set of every phrase prefix, and a 42k-entry character table. That is ≈ 50 MB in every
process that speaks: each qcluster worker, and the web process when it previews text. This
module gives the same results as

    lazy_pinyin(text, Style.TONE3, neutral_tone_with_five=True, errors=lambda s: [""] * len(s))

from a compact cache:
- The cache is built once per machine, in a subprocess that imports pypinyin. The readings in
  it are therefore converted to TONE3 by pypinyin's own converter, and the serving process
  never holds pypinyin's tables.
- Characters are stored as one array of syllable numbers indexed by code point.
- Phrases are bucketed by their first character (one string per bucket), and a bucket is
  parsed the first time a run of text starting with that character is segmented.

Segmentation follows pypinyin's strict forward maximum matching over its phrase dictionary
(`pypinyin.seg.mmseg.seg`), including its quirks: when a run is a prefix of some phrase but
contains no phrase, it is split into single characters. tests/tts/frontend/test_pinyin.py compares
this module with pypinyin on every phrase, every character and running text.

Build the cache ahead (scripts/install.sh does): `python -c "from synthesis.tts.frontend.pinyin
import main; main()" [--build PATH]`.
"""

from __future__ import annotations

import importlib.util
import logging
import marshal
import re
import subprocess
import sys
import threading
from array import array
from pathlib import Path

from .segment import cache_dir, write_marshal

log = logging.getLogger(__name__)

__all__ = ["tone3", "init", "cache_file"]

_CACHE_VERSION = 1
_NOT_HAN = "\t"  # a phrase with characters outside RE_HANS: a prefix, never a match
_lock = threading.Lock()
_store: _Store | None = None


def _data_dir() -> Path:
    """pypinyin's package folder, found without importing it (importing loads its tables)."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pypinyin is not installed; it carries the pinyin dictionaries")
    return Path(next(iter(spec.submodule_search_locations)))


def cache_file() -> Path:
    """Where the compact tables live; the name changes when pypinyin's data files change."""
    stamp = "-".join(
        f"{st.st_size}-{st.st_mtime_ns}"
        for st in (
            (_data_dir() / name).stat() for name in ("phrases_dict.json", "pinyin_dict.json")
        )
    )
    return cache_dir() / f"pinyin-v{_CACHE_VERSION}-{stamp}.marshal"


class _Store:
    """The character table, the phrase buckets, and the pattern of characters with pinyin."""

    def __init__(self, data: dict) -> None:
        self.syllables: list[str] = data["syllables"]
        self.chars = array("H")
        self.chars.frombytes(data["chars"])
        self.han = re.compile(f"({data['han_class']}+)")
        self._blobs: dict[str, tuple[str, str]] = data["phrases"]
        self._buckets: dict[str, tuple[dict[str, list[str]], frozenset[str]]] = {}
        self._lock = threading.Lock()

    def char(self, c: str) -> str:
        cp = ord(c)
        return self.syllables[self.chars[cp]] if cp < len(self.chars) else ""

    def bucket(self, c: str) -> tuple[dict[str, list[str]], frozenset[str]]:
        """Phrases starting with c (→ syllables) and every prefix of them (c included)."""
        hit = self._buckets.get(c)
        if hit is not None:
            return hit
        with self._lock:
            hit = self._buckets.get(c)
            if hit is None:
                blob = self._blobs.get(c)
                phrases: dict[str, list[str]] = {}
                prefixes: set[str] = set()
                if blob is not None:
                    readings = blob[1].split("\n")
                    for i, word in enumerate(blob[0].split("\n")):
                        if readings[i] != _NOT_HAN:
                            phrases[word] = readings[i].split(" ")
                        prefixes.update(word[:n] for n in range(1, len(word) + 1))
                hit = self._buckets[c] = (phrases, frozenset(prefixes))
            return hit

    def cut(self, run: str) -> list[str]:
        """Split a run of characters with pinyin the way pypinyin's strict mmseg does."""
        out: list[str] = []
        i, n = 0, len(run)
        while i < n:
            phrases, prefixes = self.bucket(run[i])
            last = 0
            j = i
            while j < n and run[i : j + 1] in prefixes:
                if run[i : j + 1] in phrases:
                    last = j + 1
                j += 1
            if last:
                out.append(run[i:last])
                i = last
            elif j < n:  # no phrase starts here: one character, then try again after it
                out.append(run[i])
                i += 1
            else:  # the rest is a prefix of some phrase but holds none: single characters
                out.extend(run[i:])
                i = n
        return out

    def tone3(self, text: str) -> list[str]:
        out: list[str] = []
        for k, part in enumerate(self.han.split(text)):
            if k % 2 == 0:  # between runs: characters without pinyin
                out.extend("" for _ in part)
                continue
            for word in self.cut(part):
                if len(word) == 1:
                    out.append(self.char(word))
                else:
                    out.extend(self.bucket(word[0])[0][word])
        return out


def tone3(text: str) -> list[str]:
    """TONE3 syllables with 5 for the neutral tone, one per character ("" where none)."""
    store = _store or _load()
    return store.tone3(text)


def init() -> None:
    """Load the compact tables now (building them first, once per machine, if missing)."""
    if _store is None:
        _load()


def _load() -> _Store:
    global _store
    with _lock:
        if _store is not None:
            return _store
        path = cache_file()
        data = _read(path)
        if data is None:
            log.info("building the pinyin cache %s", path)
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"from {__name__} import main; main()",
                    "--build",
                    str(path),
                ],
                cwd=Path(__file__).resolve().parents[3],
                capture_output=True,
                text=True,
            )
            data = _read(path)
            if data is None:
                raise RuntimeError(
                    f"could not build the pinyin cache {path}: {done.stderr[-2000:]}"
                )
        _store = _Store(data)
        return _store


def _read(path: Path) -> dict | None:
    try:
        with open(path, "rb") as f:
            data = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
        return None
    return data


def _blank(chars: str) -> list[str]:
    return ["" for _ in chars]


def build(path: Path) -> None:
    """Read pypinyin's tables (this process imports pypinyin) and write the compact cache."""
    from pypinyin import Style
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS
    from pypinyin.converter import UltimateConverter

    conv = UltimateConverter(neutral_tone_with_five=True)

    def convert(segment: str) -> list[str]:
        """What lazy_pinyin returns for one segment its mmseg produced."""
        return [x[0] for x in conv.convert(segment, Style.TONE3, False, _blank, True)]

    pattern = RE_HANS.pattern
    if not (pattern.startswith("^(?:[") and pattern.endswith("])+$")):
        raise RuntimeError(f"unexpected pypinyin RE_HANS pattern: {pattern[:40]}")
    syllables: dict[str, int] = {"": 0}
    singles = {chr(cp) for cp in PINYIN_DICT} | {k for k in PHRASES_DICT if len(k) == 1}
    singles = {c for c in singles if RE_HANS.match(c)}
    table = array("H", bytes(2 * (max(map(ord, singles)) + 1)))
    for c in singles:
        (syl,) = convert(c)
        table[ord(c)] = syllables.setdefault(syl, len(syllables))
    buckets: dict[str, list[tuple[str, str]]] = {}
    for word in PHRASES_DICT:
        reading = " ".join(convert(word)) if RE_HANS.match(word) else _NOT_HAN
        buckets.setdefault(word[0], []).append((word, reading))
    data = {
        "version": _CACHE_VERSION,
        "han_class": pattern[len("^(?:") : -len(")+$")],
        "syllables": list(syllables),
        "chars": table.tobytes(),
        "phrases": {
            c: ("\n".join(w for w, _ in rows), "\n".join(r for _, r in rows))
            for c, rows in buckets.items()
        },
    }
    write_marshal(path, data)


def main() -> None:
    """Build the cache (`python -c "from synthesis.tts.frontend.pinyin import main; main()"`)."""
    import argparse

    parser = argparse.ArgumentParser(description="Build the compact pinyin cache.")
    parser.add_argument("--build", type=Path, default=None, help="cache path (default: ours)")
    args = parser.parse_args()
    target = args.build or cache_file()
    build(target)
    print(target)


if __name__ == "__main__":
    main()
