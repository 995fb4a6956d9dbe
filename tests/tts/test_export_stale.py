"""Old exports are removed beside a new one, but not another installation's."""

from __future__ import annotations

import json
import sys

from synthesis.tts.runtime import cache, export


def _export(folder, python):
    folder.mkdir()
    info = {"export_version": cache.EXPORT_VERSION}
    if python is not None:
        info["python"] = python
    (folder / cache.DONE).write_text(json.dumps(info))
    return folder


def test_stale_exports_go_and_another_installations_stay(tmp_path):
    current = _export(tmp_path / "onnx-0000000000000001", sys.prefix)
    older_here = _export(tmp_path / "onnx-0000000000000002", sys.prefix)
    before_the_field = _export(tmp_path / "onnx-0000000000000003", None)
    other_install = _export(tmp_path / "onnx-0000000000000004", str(tmp_path))  # exists
    gone_install = _export(tmp_path / "onnx-0000000000000005", str(tmp_path / "deleted-venv"))
    unfinished = tmp_path / "onnx-0000000000000006"
    unfinished.mkdir()
    not_ours = tmp_path / "onnx-notanexport"
    not_ours.mkdir()

    export._remove_stale(current)

    assert current.exists() and other_install.exists() and not_ours.exists()
    for gone in (older_here, before_the_field, gone_install, unfinished):
        assert not gone.exists(), gone.name
