"""Headless Chromium (Debian's) driven by Playwright against pytest-django's live_server."""

import os
from pathlib import Path

import pytest

from reintegration.security.two_factor import requires_two_factor
from tests.conftest import otp_token
from tests.system_tools import find_tool

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", "test-artifacts/screenshots"))


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # Skipped where Chromium is missing, a failure in CI (tests/system_tools.py).
            item.add_marker(pytest.mark.needs_tool("chromium"))
            # The live server reads committed rows from its own thread.
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": find_tool("chromium"),
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot():
    """`screenshot(page, "name")` saves a full-page PNG where CI keeps it."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(live_server):
    """`login(page, user, language="fr")`: log in through the real form."""

    def do_login(page, user, password="correct-horse-battery", language="fr"):
        page.context.add_cookies([
            {"name": "django_language", "value": language, "url": live_server.url},
        ])
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        # Admins and officers: the one-time code step (see tests/conftest.py); the code
        # is made before the login so that they are asked for a code, not a set-up.
        token = otp_token(user) if requires_two_factor(user) else None
        page.click("button[type=submit]")
        if token:
            page.wait_for_url("**/account/two-factor/?**")
            page.fill("input[name=token]", token)
            page.click("main button[type=submit]")
        return page

    return do_login
