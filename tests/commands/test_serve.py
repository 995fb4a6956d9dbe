"""manage.py serve: first admin account, and child processes that live and die together."""

from __future__ import annotations

import sys
import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model

from synthesis.management.commands.serve import Command

pytestmark = pytest.mark.django_db


def test_a_first_admin_is_created_once_with_a_printed_password(settings):
    settings.TTS_ADMIN_USER = "boss"
    settings.TTS_ADMIN_PASSWORD = ""
    out = StringIO()
    command = Command(stdout=out)
    command.ensure_admin()
    password = out.getvalue().strip().rsplit(" ", 1)[-1]
    user = get_user_model().objects.get(username="boss")
    assert user.is_superuser and user.check_password(password)
    out.truncate(0)
    command.ensure_admin()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_the_admin_password_can_come_from_the_environment(settings):
    settings.TTS_ADMIN_PASSWORD = "from-env-123"
    out = StringIO()
    Command(stdout=out).ensure_admin()
    assert "from-env-123" not in out.getvalue()
    assert get_user_model().objects.get(username="admin").check_password("from-env-123")


def test_when_one_child_exits_the_other_is_stopped(monkeypatch):
    monkeypatch.setattr("signal.signal", lambda *args: None)  # keep pytest's own handlers
    started = time.monotonic()
    status = Command(stdout=StringIO(), stderr=StringIO()).supervise(
        [
            [sys.executable, "-c", "import time; time.sleep(60)"],
            [sys.executable, "-c", "import sys, time; time.sleep(0.5); sys.exit(3)"],
        ]
    )
    assert status == 3
    assert time.monotonic() - started < 20


def test_gunicorn_command_binds_and_uses_threads(settings):
    settings.TTS_GUNICORN_THREADS = 2
    cmd = Command.gunicorn_command("0.0.0.0:9000")
    assert cmd[1:4] == ["-m", "gunicorn", "ttsproject.wsgi"]
    assert cmd[cmd.index("--bind") + 1] == "0.0.0.0:9000"
    assert cmd[cmd.index("--threads") + 1] == "2"


@pytest.mark.slow
def test_serve_end_to_end_starts_both_and_stops_on_sigterm(tmp_path):
    """The real thing on a fresh SQLite file: migrate, admin, gunicorn + qcluster, SIGTERM."""
    import json
    import os
    import signal
    import socket
    import subprocess
    import urllib.request

    from tests.conftest import ROOT

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        TTS_SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        TTS_DJANGO_CACHE_DIR=str(tmp_path / "cache"),
        TTS_BIND=f"127.0.0.1:{port}",
        TTS_WORKERS="1",
    )
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        ready = None
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    ready = json.load(r)
                    break
            except OSError:
                time.sleep(0.5)
        output = (tmp_path / "serve.log").read_text(errors="replace")
        assert ready and ready["status"] == "ok", output[-3000:]
        assert "created admin account 'admin' with password: " in output
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
