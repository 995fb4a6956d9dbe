"""manage.py create_api_token: the key alone on the last line, and it authenticates."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


def test_prints_a_key_that_authenticates(alice):
    key = run("alice")
    assert len(key) == 40 and key.isalnum()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/tts/jobs").status_code == 200


def test_same_key_again_unless_reset(alice):
    first = run("alice")
    assert run("alice") == first
    assert run("alice", "--reset") != first


def test_unknown_user_needs_create_user(django_user_model):
    with pytest.raises(CommandError, match="--create-user"):
        run("dave")
    key = run("dave", "--create-user")
    user = django_user_model.objects.get(username="dave")
    assert not user.has_usable_password()
    assert user.auth_token.key == key


@pytest.mark.django_db(transaction=True)
def test_as_a_subprocess_stdout_is_the_key_alone():
    import os
    import subprocess
    import sys

    from rest_framework.authtoken.models import Token

    from tests.conftest import ROOT, _database_env

    env = {**os.environ, **_database_env()}
    if not env.get("DATABASE_URL"):
        env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "manage.py", "create_api_token", "erin", "--create-user"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() and "\n" not in out.strip()  # nothing but the key on stdout
    assert Token.objects.get(user__username="erin").key == out.strip()
