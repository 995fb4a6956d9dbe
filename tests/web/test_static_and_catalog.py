"""What a fresh clone ships: static files served hashed by whitenoise, a compiled catalog."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.mark.slow
@pytest.mark.django_db
def test_static_files_are_served_hashed_by_whitenoise(settings, tmp_path, alice):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()  # a new handler, so whitenoise scans the new STATIC_ROOT
    client.force_login(alice)
    html = client.get("/").content.decode()
    for asset in ("css/app", "js/app", "js/synthesize"):
        match = re.search(rf'"(/static/synthesis/{asset}\.[0-9a-f]{{12}}\.(?:css|js))"', html)
        assert match, f"no hashed URL of {asset} in the page"
        response = client.get(match.group(1))
        assert response.status_code == 200
        assert "immutable" in response["Cache-Control"]


def po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr (first form) of a .po file; enough of the format for this check."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    current = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#") or not line.strip():
            if msgid is not None:
                entries[msgid] = msgstr or ""
            msgid = msgstr = current = None
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if current == "msgid":
                msgid += value
            elif current == "msgstr":
                msgstr += value
        elif keyword == "msgid":
            msgid, current = ast.literal_eval(rest), "msgid"
        elif keyword in ("msgstr", "msgstr[0]"):
            msgstr, current = ast.literal_eval(rest), "msgstr"
        else:
            current = None
    entries.pop("", None)
    return entries


def test_every_message_is_translated_and_compiled():
    entries = po_entries(CATALOG / "django.po")
    assert len(entries) > 150
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert not untranslated
    with (CATALOG / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m for m, s in entries.items() if compiled.gettext(m) != s and "\x00" not in m]
    assert not stale, f"django.mo is older than django.po; run compilemessages: {stale[:5]}"


def test_chinese_is_the_default_and_english_is_available(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("History") == "历史记录"
    with translation.override("en"):
        assert translation.gettext("History") == "History"
