"""Browser tests: Playwright's sync API driving Debian's Chromium against `live_server`.

Chromium is never downloaded by a tool; without /usr/bin/chromium these tests are skipped.
The qcluster subprocess and the shared test database come from tests/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by fixtures
# and by live_server would otherwise refuse to run ("async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("TTS_CHROMIUM", "/usr/bin/chromium"))
# Without these flags Chromium keeps calling home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
TIMEOUT_MS = 30_000
PASSWORDS = {"alice": "alice-pass-123", "bob": "bob-pass-123", "carol": "carol-pass-123"}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.path)).is_relative_to(here):
            item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class PageErrors(list):
    """JavaScript errors a page raised; a test ends by asserting there were none."""


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies) and page; closed after the test."""
    contexts = []

    def open_page(*, width: int = 1280, height: int = 900, locale: str = "zh-CN"):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            locale=locale,
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = PageErrors()
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    page = new_page()
    yield page
    assert not page.js_errors, page.js_errors


def log_in(page, username: str, password: str | None = None) -> None:
    """Log in on the current login page (keeping its `next`), or open the login page first."""
    if "/login/" not in page.url:
        page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)
