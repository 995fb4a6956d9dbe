"""Shared fixtures: users and API clients, the test engine, and a real qcluster subprocess.

The test database is a file (not SQLite's in-memory one) so a `manage.py qcluster` subprocess
can share it; on PostgreSQL the subprocess gets the test database's URL. Tests that need the
cluster use `@pytest.mark.django_db(transaction=True)` and the `qcluster` fixture, because the
subprocess only sees committed rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from synthesis.models import SynthesisJob
from synthesis.tts import registry

from . import engines

ROOT = Path(__file__).resolve().parent.parent
TEST_VOICE = engines.VOICE_ID

registry.register(engines.ENGINE_NAME, engines.create)


# --- database ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory
) -> None:
    """SQLite: a test database file that a qcluster subprocess can open too."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not db.setdefault("TEST", {}).get("NAME"):
        path = os.environ.get("TTS_TEST_SQLITE_PATH") or str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )
        db["TEST"]["NAME"] = path


# --- settings every test gets -----------------------------------------------------------------


OWN_SUITES = {"service", "api", "admin", "commands"}


@pytest.fixture(scope="session", autouse=True)
def _static_root_exists() -> None:
    """A live server starts before the per-test settings below and would warn that the
    default STATIC_ROOT (git-ignored, empty on a clean clone) does not exist."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _tts_settings(request, tmp_path):
    """Defaults of the job/API suites (other suites keep their own)."""
    suite = Path(str(request.node.path)).relative_to(ROOT / "tests").parts[0]
    if suite not in OWN_SUITES:
        return
    settings = request.getfixturevalue("settings")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"  # exists, so WhiteNoise does not warn
    settings.STATIC_ROOT.mkdir()
    settings.TTS_DEFAULT_VOICE = TEST_VOICE
    settings.TTS_HEARTBEAT_SECONDS = 0  # no side thread in-process; the cluster beats
    settings.TTS_THROTTLE_RATE = "1000/min"
    settings.TTS_DEFAULT_WAIT_SECONDS = 0
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    # A private cache per test: throttle counters never leak from one test to the next.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }


# --- users and clients --------------------------------------------------------------------------


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-pass-123")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="bob-pass-123")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("carol", password="carol-pass-123", is_staff=True)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="root-pass-123")


def client_for(user, keyword: str = "Token") -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token.key}")
    return client


@pytest.fixture
def alice_api(alice) -> APIClient:
    return client_for(alice)


@pytest.fixture
def bob_api(bob) -> APIClient:
    return client_for(bob)


@pytest.fixture
def staff_api(staff) -> APIClient:
    return client_for(staff)


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


# --- jobs ---------------------------------------------------------------------------------------


def wav_bytes(seconds: float = 0.25, rate: int = 16000) -> bytes:
    import numpy as np

    from synthesis.tts.audio import encode
    from synthesis.tts.types import Audio

    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    return encode(Audio((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate), "wav")


@pytest.fixture
def make_job() -> Callable[..., SynthesisJob]:
    """A job row in any state, as a worker would leave it; `audio=True` writes a WAV file,
    `audio="<name>"` points at an existing one (as a reuse does).

    Setup writes rows directly (a factory); the code under test goes through the service.
    """

    def make(owner, *, text="你好，世界。", audio=False, **fields) -> SynthesisJob:
        values = dict(
            owner=owner,
            text=text,
            text_hash=uuid.uuid4().hex,
            voice=TEST_VOICE,
            emotion="neutral",
            status=SynthesisJob.Status.SUCCEEDED,
            progress_done=2,
            progress_total=2,
            engine=engines.ENGINE_NAME,
            engine_version=engines.ToneEngine.version,
        )
        values.update(fields)
        if isinstance(audio, str):
            values["audio"] = audio
        job = SynthesisJob.objects.create(**values)
        if audio is True:
            data = wav_bytes()
            job.audio.save("a.wav", ContentFile(data), save=False)
            job.size_bytes = len(data)
            job.duration = 0.25
            job.finished_at = job.finished_at or timezone.now()
            job.save(update_fields=["audio", "size_bytes", "duration", "finished_at"])
        return job

    return make


def wait_for(job: SynthesisJob, predicate: Callable[[SynthesisJob], bool], timeout: float = 30.0):
    """Poll the row until `predicate(job)` holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if predicate(job):
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {job.pk} still {job.status} ({job.error_message}) after {timeout}s")
        time.sleep(0.1)


def wait_final(job: SynthesisJob, timeout: float = 30.0) -> SynthesisJob:
    return wait_for(job, lambda j: j.is_final, timeout)


# --- a real qcluster ------------------------------------------------------------------------------


@dataclass
class Cluster:
    process: subprocess.Popen
    media_root: Path
    cache_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def engine_builds(self) -> list[int]:
        """Process ids in which the test engine was built, one entry per build."""
        path = self.log_path.with_name("engines.log")
        return [int(line) for line in path.read_text().split()] if path.exists() else []


def _database_env() -> dict[str, str]:
    """Point a subprocess at the test database the test process is using."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        return {"TTS_SQLITE_PATH": name, "DATABASE_URL": ""}
    url = urlsplit(os.environ["DATABASE_URL"])
    return {"DATABASE_URL": urlunsplit(url._replace(path="/" + name))}


def start_qcluster(base: Path, **extra_env: str) -> Cluster:
    media_root, cache_dir = base / "media", base / "cache"
    media_root.mkdir(parents=True, exist_ok=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **_database_env(),
        "DJANGO_SETTINGS_MODULE": "ttsproject.settings",
        "DJANGO_MEDIA_ROOT": str(media_root),
        "TTS_DJANGO_CACHE_DIR": str(cache_dir),
        "TTS_EXTRA_ENGINES": f"{engines.ENGINE_NAME}=tests.engines:create",
        "TTS_WORKERS": "1",
        "TTS_HEARTBEAT_SECONDS": "1",
        "TTS_ORM_POLL": "0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "TONE_ENGINE_LOG": str(base / "engines.log"),
        **extra_env,
    }
    if not env["DATABASE_URL"]:
        del env["DATABASE_URL"]
    log_path = base / "qcluster.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Cluster(process, media_root, cache_dir, log_path)


def stop_qcluster(cluster: Cluster) -> None:
    if cluster.process.poll() is None:
        cluster.process.send_signal(signal.SIGTERM)
        try:
            cluster.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.process.pid, signal.SIGKILL)
            cluster.process.wait()


@pytest.fixture(scope="module")
def qcluster_process(django_db_setup, tmp_path_factory) -> Iterator[Cluster]:
    """One `manage.py qcluster` per test module, against the test database."""
    cluster = start_qcluster(tmp_path_factory.mktemp("qcluster"))
    yield cluster
    stop_qcluster(cluster)


@pytest.fixture
def qcluster(qcluster_process, transactional_db, settings) -> Cluster:
    """A running cluster whose media folder and cache this test process shares.

    Usable with `live_server` too (browser tests): both see the same committed rows and files.
    """
    if qcluster_process.process.poll() is not None:
        pytest.fail("qcluster exited:\n" + qcluster_process.log()[-3000:])
    settings.MEDIA_ROOT = qcluster_process.media_root
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(qcluster_process.cache_dir),
        }
    }
    return qcluster_process
