# The service in one image: gunicorn + qcluster via `manage.py serve` (or one of them, see
# compose.yaml). Installs with scripts/install.sh, the same script as the README and CI.
FROM python:3.11-slim

# A CPU-only wheel index keeps torch small; the install script reads this variable.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV TORCH_INDEX_URL=${TORCH_INDEX_URL} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 1000 tts \
    && mkdir -p /app /data \
    && chown tts:tts /app /data
WORKDIR /app
USER tts

# Dependencies first, so code changes do not reinstall torch.
COPY --chown=tts:tts requirements.txt requirements-dev.txt ./
COPY --chown=tts:tts scripts/ scripts/
RUN PYTHON=python3 bash scripts/install.sh

COPY --chown=tts:tts . .

# Production by default: DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS come from the environment.
# The model cache (exported graphs, compiled blobs, pinyin tables) is derived data and lives in
# the image, not on the /data volume.
ENV DJANGO_DEBUG=0 \
    DJANGO_MEDIA_ROOT=/data/media \
    TTS_SQLITE_PATH=/data/db.sqlite3 \
    TTS_CACHE_DIR=/app/var/cache \
    TTS_DJANGO_CACHE_DIR=/data/django-cache \
    TTS_BIND=0.0.0.0:8000
# The same script again, now with the code: packages are already there; it exports the voice
# and builds the pinyin tables into TTS_CACHE_DIR.
RUN PYTHON=python3 bash scripts/install.sh
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0123 \
    .venv/bin/python manage.py collectstatic --noinput --verbosity 0

VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD [".venv/bin/python", "manage.py", "serve"]
