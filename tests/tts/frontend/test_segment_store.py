"""The segmenter's dictionary: a cache file mapped into memory, answering as jieba's own
prefix dictionary does, rebuilt when it is missing or damaged."""

from __future__ import annotations

import random

import pytest

from synthesis.tts.frontend import segment


@pytest.fixture(scope="module")
def jieba_tables():
    """jieba's own FREQ and total, and the tags of dict.txt, parsed by jieba's code."""
    import jieba

    with open(segment._dict_path(), "rb") as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)
    tags = {}
    with open(segment._dict_path(), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2:
                tags[parts[0]] = parts[2]
    return freq, total, tags


def test_the_mapped_dictionary_answers_as_jiebas(tmp_path, monkeypatch, jieba_tables):
    freq, total, tags = jieba_tables
    monkeypatch.setattr(segment, "cache_dir", lambda: tmp_path)
    segment._load_store()  # builds and writes the cache
    store, got_total = segment._load_store()  # maps it
    assert isinstance(store._data.obj, segment.mmap.mmap), "read from the mapped file"
    assert got_total == total
    view, tag_view = segment._FreqView(store), segment._TagView(store)
    assert len(view) == len(freq)
    words = sorted(freq)
    for word in random.Random(1).sample(words, 3000) + ["一", "的", "中华人民共和国"]:
        assert view[word] == freq[word], word
        assert tag_view.get(word) == (tags.get(word) or None), word
    for missing in ("龘龘龘", "𠀀", "xyz"):
        assert missing not in view and view.get(missing) is None
        assert tag_view.get(missing, "?") == "?"


@pytest.mark.parametrize("damage", ["empty", "truncated", "other version"])
def test_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch, damage):
    monkeypatch.setattr(segment, "cache_dir", lambda: tmp_path)
    segment._load_store()
    path = segment._cache_file()
    good = path.read_bytes()
    bad = {
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "other version": good[:8] + (segment._CACHE_VERSION + 1).to_bytes(4, "little") + good[12:],
    }[damage]
    path.write_bytes(bad)
    store, total = segment._load_store()
    assert segment._FreqView(store)["中国"] > 0 and total > 0
    assert path.read_bytes() == good, "rewritten whole"


def test_an_older_format_is_removed_when_the_new_cache_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(segment, "cache_dir", lambda: tmp_path)
    old = tmp_path / "jieba-buckets-v1-1-2.marshal"
    old.write_bytes(b"old")
    other = tmp_path / f"jieba-buckets-v{segment._CACHE_VERSION}-1-2.bin"  # another dict.txt
    other.write_bytes(b"theirs")
    segment._load_store()
    assert not old.exists()
    assert other.exists(), "another install's cache of this format stays"
    assert segment._cache_file().exists()
