"""`manage.py synthesize`: speech to a file, a readable dry run, clear failures."""

from __future__ import annotations

import io
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
# The commands suite makes a test voice the default; these tests speak with the real one.


def test_writes_a_wav_with_the_chosen_emotion(tmp_path):
    out = tmp_path / "out.wav"
    call_command(
        "synthesize", "今天天气真好", "--voice", "baker", "--emotion", "happy", "-o", str(out)
    )
    with wave.open(str(out)) as w:
        assert w.getframerate() == 24000 and w.getnframes() / 24000 > 0.8


def test_format_and_rate_follow_the_options(tmp_path):
    out = tmp_path / "out.flac"
    call_command("synthesize", "你好", "--voice", "baker", "--rate", "16000", "-o", str(out))
    assert out.read_bytes()[:4] == b"fLaC"


def test_dry_run_prints_normalized_text_pinyin_and_symbols():
    stdout = io.StringIO()
    call_command("synthesize", "银行有3个人", "--voice", "baker", "--dry-run", stdout=stdout)
    normalized, pinyin, symbols = stdout.getvalue().strip().splitlines()
    assert normalized == "银行有三个人"
    assert pinyin.split() == ["yin2", "hang2", "you3", "san1", "ge4", "ren2"]
    assert symbols.startswith("sil ^ in2") and symbols.endswith("sil eos")


def test_text_from_standard_input_via_dash(tmp_path):
    out = tmp_path / "stdin.wav"
    result = subprocess.run(
        [sys.executable, "manage.py", "synthesize", "-", "-o", str(out)],
        cwd=ROOT,
        input="我爱北京",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:4] == b"RIFF"


@pytest.mark.parametrize(
    "args, message",
    [
        (["   "], "empty"),
        (["你好", "--emotion", "bored"], "unknown emotion"),
        (["你好", "--speed", "9"], "speed"),
        (["你好", "--pitch", "-13"], "pitch"),
        (["你好", "--voice", "nobody"], "unknown voice"),
        (["你好", "-o", "/nonexistent/dir/x.wav"], "cannot write"),
    ],
)
def test_bad_input_fails_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("synthesize", *args)
