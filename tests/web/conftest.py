"""Web UI tests: the shared users and job factory (tests/conftest.py), Chinese by default."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _web_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "zh-hans"


def pytest_collection_modifyitems(config, items):
    # Whitenoise warns that STATIC_ROOT is missing until collectstatic has run; tests need not.
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.path)).is_relative_to(here):
            item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))
