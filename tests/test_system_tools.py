"""What `make test` does where Chromium, poppler or gettext is missing (tests/system_tools.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from .system_tools import PACKAGES, find_tool

BASE = Path(settings.BASE_DIR)


TESTS_NEEDING_A_MISSING_TOOL = """
import pytest

@pytest.mark.needs_tool("no-such-program")
def test_that_needs_it():
    pass

@pytest.mark.needs_tool("sh")
def test_that_needs_a_program_that_is_there():
    pass

def test_that_needs_nothing():
    pass
"""


def run_pytest_with_system_tools(pytester, monkeypatch, ci: str | None):
    pytester.makepyfile(TESTS_NEEDING_A_MISSING_TOOL)
    monkeypatch.setenv("PYTHONPATH", str(BASE))
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    return pytester.runpytest_subprocess(
        "-p", "tests.system_tools", "-p", "no:django", "-p", "no:cacheprovider"
    )


def test_a_test_needing_a_missing_program_is_skipped_with_one_line_saying_what_to_install(
    pytester, monkeypatch,
):
    result = run_pytest_with_system_tools(pytester, monkeypatch, ci=None)

    result.assert_outcomes(passed=2, skipped=1)
    summary = [line for line in result.outlines if "not installed" in line]
    assert summary == [
        "SKIPPED, not installed here (1 test needs no-such-program): apt-get install no-such-program"
    ]


def test_in_ci_a_missing_program_fails_the_run_before_any_test(pytester, monkeypatch):
    result = run_pytest_with_system_tools(pytester, monkeypatch, ci="true")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "CI=true and not installed: no-such-program" in result.stderr.str()
    result.assert_outcomes()


def test_chromium_may_be_given_by_the_chromium_variable(monkeypatch, tmp_path):
    chromium = tmp_path / "chrome"
    chromium.write_text("")
    monkeypatch.setenv("CHROMIUM", str(chromium))

    assert find_tool("chromium") == str(chromium)


def test_the_programs_tests_need_come_from_the_packages_the_install_script_installs():
    script = (BASE / "scripts/system-packages").read_text()
    listed = re.search(r'^TEST_PACKAGES="([^"]*)"', script, re.MULTILINE).group(1)

    assert {package for packages in PACKAGES.values() for package in packages.split()} == set(
        listed.split()
    )
