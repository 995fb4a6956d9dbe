"""Regenerate docs/screenshots/*.png: runs the screenshot browser test with its output there.

Usage: .venv/bin/python scripts/screenshots.py   (needs /usr/bin/chromium)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = {**os.environ, "TTS_SCREENSHOTS_DIR": str(ROOT / "docs" / "screenshots")}
    command = [sys.executable, "-m", "pytest", "-q", "tests/browser/test_screenshots.py"]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
