"""Settings: one place, read from the environment, with embedded defaults for a single box.

Embedded defaults: SQLite (WAL), django-q2's ORM broker, audio under MEDIA_ROOT, the built-in
voice. Scaled out: DATABASE_URL (PostgreSQL), REDIS_URL (django-q2 Redis broker).
Production: DJANGO_DEBUG=0 plus DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
# A development key is only acceptable while DEBUG is on; production must supply its own.
_DEV_SECRET_KEY = "django-insecure-dev-only-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" + (",*" if DEBUG else "")
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "synthesis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ttsproject.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ttsproject.wsgi.application"

# --- Database ---------------------------------------------------------------------------------
# SQLite by default. WAL lets the web process read while a worker writes; IMMEDIATE transactions
# and a busy timeout make writers queue instead of failing with "database is locked".
SQLITE_PATH = Path(os.environ.get("TTS_SQLITE_PATH", BASE_DIR / "var" / "db.sqlite3"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=30000;"
                ),
            },
            "TEST": {"NAME": os.environ.get("TTS_TEST_SQLITE_PATH") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "synthesize"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation: Simplified Chinese by default, English one setting away -------------
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- REST framework ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "synthesis.api.authentication.TokenOrBearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"tts": os.environ.get("TTS_THROTTLE_RATE", "60/min")},
    "EXCEPTION_HANDLER": "synthesis.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    # Swagger UI from the sidecar package, not a CDN: the docs page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "Mandarin TTS service",
    "DESCRIPTION": "Chinese multi-emotion text-to-speech: jobs, history, voices.",
    "VERSION": "1.0.0",
}

# --- django-q2 ---------------------------------------------------------------------------------
# Two workers on a small box: each holds one engine and one inference at a time. `timeout` ends a
# stuck task; `retry` must exceed it so a running task is never handed to a second worker.
Q_CLUSTER = {
    "name": "tts",
    "workers": env_int("TTS_WORKERS", 2),
    # A worker is replaced after this many tasks: bounds slow memory growth (torch, jieba).
    "recycle": env_int("TTS_WORKER_RECYCLE", 500),
    "timeout": env_int("TTS_TASK_TIMEOUT", 600),
    "retry": env_int("TTS_TASK_RETRY", 720),
    # One delivery per task: a job a dead worker dropped is requeued by our reaper, which counts
    # attempts on the job itself (TTS_MAX_ATTEMPTS), instead of django-q2 re-running it blindly.
    "max_attempts": 1,
    # Tasks a cluster pulls ahead of its workers; small, so a cancel or a second box gets a say.
    "queue_limit": env_int("TTS_QUEUE_PREFETCH", 4),
    "bulk": 1,
    "catch_up": False,
    "save_limit": 500,
    "ack_failures": True,
    "label": "Django Q2",
}
if os.environ.get("REDIS_URL"):
    Q_CLUSTER["redis"] = os.environ["REDIS_URL"]
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    Q_CLUSTER["orm"] = "default"
    # How often the cluster looks for new tasks in the ORM broker (Redis blocks instead):
    # django-q2's 0.2 s default added ~100 ms to a short prompt's round trip (bench/README.md,
    # "short prompts"); an indexed read every 50 ms is nothing for SQLite or PostgreSQL.
    Q_CLUSTER["poll"] = env_float("TTS_ORM_POLL", 0.05)
    # A cache shared by the web and worker processes of one box: django-q2 keeps the cluster
    # status there (so /readyz can see the cluster) and the API throttle counts there.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get(
                "TTS_DJANGO_CACHE_DIR", str(BASE_DIR / "var" / "django-cache")
            ),
        }
    }

# --- The speech service --------------------------------------------------------------------------
TTS_ENGINE_THREADS = env_int("TTS_ENGINE_THREADS", 2)
# Each qcluster worker loads the default voice when it starts, not on its first job.
TTS_PRELOAD_ENGINE = env_bool("TTS_PRELOAD_ENGINE", True)
TTS_DEFAULT_VOICE = os.environ.get("TTS_DEFAULT_VOICE", "baker")
# A local copy of ModelScope's Sambert-Hifigan model (never downloaded at run time). Its
# pipeline also needs ttsfrd and kantts from ModelScope's own wheel index.
TTS_MODELSCOPE_MODEL_DIR = os.environ.get("TTS_MODELSCOPE_MODEL_DIR", "")
TTS_MAX_TEXT_CHARS = env_int("TTS_MAX_TEXT_CHARS", 5000)
TTS_MAX_QUEUED_JOBS = env_int("TTS_MAX_QUEUED_JOBS", 200)
TTS_DEFAULT_WAIT_SECONDS = env_float("TTS_DEFAULT_WAIT_SECONDS", 30.0)
TTS_MAX_WAIT_SECONDS = env_float("TTS_MAX_WAIT_SECONDS", 120.0)
TTS_REUSE_IDENTICAL = env_bool("TTS_REUSE_IDENTICAL", True)
TTS_AUDIO_SUBDIR = "audio"
TTS_SIGNED_URL_SECONDS = env_int("TTS_SIGNED_URL_SECONDS", 3600)
TTS_PRUNE_MAX_AGE_DAYS = env_int("TTS_PRUNE_MAX_AGE_DAYS", 30)
TTS_PRUNE_MAX_TOTAL_MB = env_int("TTS_PRUNE_MAX_TOTAL_MB", 2048)
TTS_PRUNE_MAX_FILES = env_int("TTS_PRUNE_MAX_FILES", 5000)
TTS_PRUNE_EVERY_MINUTES = env_int("TTS_PRUNE_EVERY_MINUTES", 60)
TTS_REAP_EVERY_MINUTES = env_int("TTS_REAP_EVERY_MINUTES", 5)
TTS_MAX_ATTEMPTS = env_int("TTS_MAX_ATTEMPTS", 3)
TTS_THROTTLE_RATE = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["tts"]  # per user, on POST /api/tts
TTS_MAX_REQUEST_BYTES = env_int("TTS_MAX_REQUEST_BYTES", 64 * 1024)  # larger API bodies: 413
# A running job's worker touches heartbeat_at this often; the reaper (every
# TTS_REAP_EVERY_MINUTES) requeues a job silent for TTS_STALE_AFTER_SECONDS, up to
# TTS_MAX_ATTEMPTS starts in all, then fails it.
TTS_HEARTBEAT_SECONDS = env_float("TTS_HEARTBEAT_SECONDS", 15.0)
TTS_STALE_AFTER_SECONDS = env_int("TTS_STALE_AFTER_SECONDS", 120)
# A job queued this long with no task in the broker (Redis flushed, queue row deleted) is sent
# again by the reaper; far above normal queueing under TTS_MAX_QUEUED_JOBS.
TTS_REQUEUE_QUEUED_AFTER_SECONDS = env_int("TTS_REQUEUE_QUEUED_AFTER_SECONDS", 900)
TTS_PRUNE_ORPHAN_GRACE_MINUTES = env_int("TTS_PRUNE_ORPHAN_GRACE_MINUTES", 60)
# Extra engines, "name=module:factory" comma-separated, registered at start-up in every process.
TTS_EXTRA_ENGINES = env_list("TTS_EXTRA_ENGINES", "")
# `manage.py serve`: the first admin account and where gunicorn listens.
TTS_ADMIN_USER = os.environ.get("TTS_ADMIN_USER", "admin")
TTS_ADMIN_PASSWORD = os.environ.get("TTS_ADMIN_PASSWORD", "")
TTS_BIND = os.environ.get("TTS_BIND", "127.0.0.1:8000")
TTS_GUNICORN_WORKERS = env_int("TTS_GUNICORN_WORKERS", 1)
TTS_GUNICORN_THREADS = env_int("TTS_GUNICORN_THREADS", 2)

# --- Production hardening (DEBUG off) ------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}
