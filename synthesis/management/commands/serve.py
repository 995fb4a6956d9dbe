"""Run the whole service on one box: migrate, collect static, first admin, gunicorn + qcluster.

Both servers are child processes; SIGINT/SIGTERM are forwarded to them, and when either one
exits the other is stopped and `serve` exits with its status, so a supervisor (systemd, Docker)
sees one process that lives and dies as a unit.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, collect static files, ensure an admin, then run gunicorn and qcluster."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default=None, help="gunicorn bind (default: TTS_BIND)")
        parser.add_argument("--no-worker", action="store_true", help="web only, no qcluster")
        parser.add_argument("--no-web", action="store_true", help="qcluster only, no gunicorn")
        parser.add_argument("--skip-setup", action="store_true", help="no migrate/collectstatic")

    def handle(
        self, *args, bind: str | None, no_worker: bool, no_web: bool, skip_setup: bool, **options
    ) -> None:
        if not skip_setup:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            self.ensure_admin()
        commands = []
        if not no_web:
            commands.append(self.gunicorn_command(bind or settings.TTS_BIND))
        if not no_worker:
            commands.append([sys.executable, "manage.py", "qcluster"])
        if not commands:
            return
        sys.exit(self.supervise(commands))

    def ensure_admin(self) -> None:
        User = get_user_model()
        username = settings.TTS_ADMIN_USER
        if User.objects.filter(is_superuser=True).exists():
            return
        password = settings.TTS_ADMIN_PASSWORD or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if settings.TTS_ADMIN_PASSWORD:
            self.stdout.write(
                f"created admin account {username!r} (password from TTS_ADMIN_PASSWORD)"
            )
        else:
            # Printed once: the only time the password is ever shown.
            self.stdout.write(f"created admin account {username!r} with password: {password}")
        self.stdout.flush()

    @staticmethod
    def gunicorn_command(bind: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "ttsproject.wsgi",
            "--bind",
            bind,
            "--workers",
            str(settings.TTS_GUNICORN_WORKERS),
            "--threads",
            str(settings.TTS_GUNICORN_THREADS),
            # Requests may wait for a job (wait=30 by default, up to TTS_MAX_WAIT_SECONDS).
            "--timeout",
            str(int(settings.TTS_MAX_WAIT_SECONDS) + 30),
            "--access-logfile",
            "-",
        ]

    def supervise(self, commands: list[list[str]]) -> int:
        cwd = str(settings.BASE_DIR)
        children = [subprocess.Popen(cmd, cwd=cwd, env=os.environ.copy()) for cmd in commands]
        for cmd, child in zip(commands, children, strict=True):
            self.stdout.write(f"started pid {child.pid}: {' '.join(cmd[1:4])}")
        self.stdout.flush()
        stopping = False

        def forward(signum, _frame) -> None:
            nonlocal stopping
            stopping = True
            for child in children:
                if child.poll() is None:
                    child.send_signal(signum)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, forward)
        status = 0
        while True:
            exited = [c for c in children if c.poll() is not None]
            if exited:
                status = exited[0].returncode or 0
                break
            time.sleep(0.5)
        if not stopping:
            self.stderr.write(f"pid {exited[0].pid} exited ({status}); stopping the others")
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 30
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        return status if status >= 0 else 128 - status
