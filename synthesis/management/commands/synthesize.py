"""`manage.py synthesize TEXT -o out.wav`: speak text, or show how it would be read."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from synthesis.tts import registry
from synthesis.tts.audio import FORMATS, encode
from synthesis.tts.types import Audio, SynthesisRequest, TTSError


class Command(BaseCommand):
    help = "Synthesize TEXT (or '-' for standard input) to an audio file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="the text to speak, or '-' to read standard input")
        parser.add_argument("--voice", default=None, help="voice id (default: the default voice)")
        parser.add_argument("--emotion", default="neutral")
        parser.add_argument("--intensity", type=float, default=1.0, help="0 neutral .. 2 strong")
        parser.add_argument("--speed", type=float, default=1.0, help="0.5 .. 2.0, > 1 is faster")
        parser.add_argument("--pitch", type=float, default=0.0, help="semitones, -12 .. +12")
        parser.add_argument("--volume", type=float, default=0.0, help="gain in dB, -20 .. +12")
        parser.add_argument("--format", choices=sorted(FORMATS), default=None)
        parser.add_argument("--rate", type=int, default=None, help="output sample rate in Hz")
        parser.add_argument(
            "-o", "--output", default=None, help="output file (default out.<format>)"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print the normalized text, the pinyin and the symbols; do not synthesize",
        )

    def handle(self, *args, **options) -> None:
        text = sys.stdin.read() if options["text"] == "-" else options["text"]
        if not text.strip():
            raise CommandError("the text is empty")
        voice = options["voice"] or settings.TTS_DEFAULT_VOICE
        request = SynthesisRequest(
            text=text,
            voice=voice,
            emotion=options["emotion"],
            intensity=options["intensity"],
            speed=options["speed"],
            pitch=options["pitch"],
            volume=options["volume"],
            sample_rate=options["rate"],
        )
        try:
            engine = registry.engine_for_voice(voice)
            engine.validate(request)
            if options["dry_run"]:
                self._dry_run(engine, text)
                return
            fmt, output = self._output(options)
            started = time.perf_counter()
            audio = engine.synthesize(request)
            data = encode(audio, fmt, options["rate"])
        except TTSError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from exc
        self._report(output, audio, seconds)

    def _output(self, options: dict) -> tuple[str, Path]:
        output = Path(options["output"]) if options["output"] else None
        fmt = options["format"]
        if fmt is None:
            suffix = output.suffix.lstrip(".").lower() if output else ""
            fmt = suffix if suffix in FORMATS else "wav"
        output = output or Path(f"out.{fmt}")
        # Fail before the work, not after it.
        if output.is_dir() or not output.parent.resolve().is_dir():
            raise CommandError(f"cannot write {output}: no such directory or it is a directory")
        try:
            with open(output, "ab"):
                pass
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from exc
        return fmt, output

    def _dry_run(self, engine, text: str) -> None:
        if not hasattr(engine, "frontend"):
            raise CommandError(f"engine {engine.name!r} cannot show its reading")
        frontend = engine.frontend()
        passes = frontend.analyze(text)
        if not passes:
            raise CommandError("text has nothing to speak")
        self.stdout.write(" ".join(p.normalized for p in passes))
        self.stdout.write(" ".join(s for p in passes for s in p.pinyin))
        self.stdout.write(" ".join(s for p in passes for s in p.symbols))

    def _report(self, output: Path, audio: Audio, seconds: float) -> None:
        rtf = seconds / audio.duration if audio.duration else 0.0
        self.stderr.write(
            f"wrote {output} ({audio.duration:.2f} s of audio in {seconds:.2f} s, RTF {rtf:.3f})"
        )
