"""Tokens (`Token` and `Bearer`), sessions, and 401 in the API's error shape."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/tts/jobs"


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_token_and_bearer_both_authenticate(alice, keyword):
    assert client_for(alice, keyword).get(URL).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Token nope", "Bearer 0123456789abcdef", "Bearer", "Token a b"],
)
def test_a_bad_token_is_401(header, alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["status"] == "error"
    assert response["WWW-Authenticate"] == "Token"


def test_no_credentials_is_401(anon_api):
    response = anon_api.get(URL)
    assert response.status_code == 401
    assert response.json() == {
        "status": "error",
        "message": "Authentication credentials were not provided.",
    }


def test_an_inactive_users_token_is_refused(alice):
    client = client_for(alice)
    alice.is_active = False
    alice.save()
    assert client.get(URL).status_code == 401


def test_a_session_works_for_the_web_ui(client, alice):
    client.force_login(alice)
    assert client.get(URL).status_code == 200


def test_session_posts_need_csrf(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/tts", {"text": "你好"}, format="json")
    assert response.status_code == 403
    assert response.json()["status"] == "error"
