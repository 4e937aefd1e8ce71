"""Tests that drive a system program (Chromium, poppler's tools, gettext's msgfmt).

Mark them `@pytest.mark.needs_tool("pdftotext")` (the browser tests are marked for
Chromium by tests/browser/conftest.py). `make test` installs the programs when it may
(scripts/system-packages); where it could not, their tests are skipped and one line of
the summary says what to install. In CI (`CI=true`) a missing program stops the run
instead: a green CI must have run every test.

A pytest plugin (tests/conftest.py loads it), kept free of Django so that it can be
tested in a pytest of its own.
"""

import ctypes.util
import os
import shutil
import sys
from pathlib import Path

import pytest

# Each program and the Debian package that brings it (scripts/system-packages installs them).
PACKAGES = {
    "chromium": "chromium libatomic1",
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "pdffonts": "poppler-utils",
    "msgfmt": "gettext",
}

MISSING = pytest.StashKey[dict[str, int]]()


def find_tool(name: str) -> str | None:
    """The path of program `name`, or None. Chromium may be named otherwise (Fedora's
    chromium-browser), be macOS's Chromium or Google Chrome, or be given by the CHROMIUM
    variable."""
    if name == "chromium":
        # Playwright drives it from a Node.js of its own, which needs libatomic on Linux.
        if sys.platform == "linux" and ctypes.util.find_library("atomic") is None:
            return None
        candidates = [
            os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
            "/usr/bin/chromium", "/Applications/Chromium.app/Contents/MacOS/Chromium",
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        ]
        return next((path for path in candidates if path and Path(path).is_file()), None)
    return shutil.which(name)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_tool(name): the test runs the system program `name` (skipped where missing)"
    )


# Last, so that the tests deselected by -m or -k are not counted.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    missing: dict[str, int] = {}
    found: dict[str, str | None] = {}
    for item in items:
        tools = [tool for marker in item.iter_markers("needs_tool") for tool in marker.args]
        for tool in tools:
            if tool not in found:
                found[tool] = find_tool(tool)
        absent = [tool for tool in dict.fromkeys(tools) if found[tool] is None]
        for tool in absent:
            missing[tool] = missing.get(tool, 0) + 1
        if absent and not in_ci():
            item.add_marker(pytest.mark.skip(reason=f"not installed: {', '.join(absent)}"))
    if missing and in_ci():
        raise pytest.UsageError(
            f"CI=true and not installed: {', '.join(missing)}; "
            f"apt-get install {install_list(missing)} (scripts/system-packages test does it)"
        )
    config.stash[MISSING] = missing


def install_list(tools) -> str:
    return " ".join(dict.fromkeys(PACKAGES.get(tool, tool) for tool in tools))


def pytest_terminal_summary(terminalreporter, config):
    missing = config.stash.get(MISSING, {})
    if missing:
        needs = ", ".join(
            f"{count} {'test needs' if count == 1 else 'tests need'} {tool}"
            for tool, count in missing.items()
        )
        terminalreporter.write_line(
            f"SKIPPED, not installed here ({needs}): apt-get install {install_list(missing)}",
            yellow=True, bold=True,
        )
