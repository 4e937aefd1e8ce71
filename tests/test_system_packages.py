"""scripts/system-packages, the first step of `make run` and `make test`, run against
stand-ins for dpkg-query, apt-get, id and sudo that say what is installed and who runs it."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "scripts/system-packages"
# WeasyPrint's libraries, and ICU's for PyICU (the collations on SQLite).
APP_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libicu72"
TEST_PACKAGES = "chromium libatomic1 poppler-utils gettext"

STAND_INS = {
    # Prints "<package> installed" for the packages of $INSTALLED that were asked for.
    "dpkg-query": """#!/bin/sh
shift 3
for package in "$@"; do
  case " $INSTALLED " in *" $package "*) echo "$package installed" ;; esac
done
""",
    "apt-get": """#!/bin/sh
echo "apt-get $*" >> "$CALLS"
case "$*" in *install*) [ -z "$APT_FAILS" ] || case "$*" in *"$APT_FAILS"*) exit 100 ;; esac ;; esac
""",
    "id": """#!/bin/sh
echo "$USER_ID"
""",
    # sudo that asks for a password unless $SUDO_WITHOUT_PASSWORD is set.
    "sudo": """#!/bin/sh
[ -n "$SUDO_WITHOUT_PASSWORD" ] || exit 1
[ "$1" = "-n" ] && shift
echo "sudo $*" >> "$CALLS"
[ "$1" = true ] && exit 0
exec "$@"
""",
}


def run(tmp_path, command: str, *, installed: str, user_id: str = "0",
        sudo_without_password: bool = False, apt_fails: str = ""):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in STAND_INS.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls"
    calls.write_text("")
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin", "INSTALLED": installed, "USER_ID": user_id,
        "CALLS": str(calls), "APT_FAILS": apt_fails,
        "SUDO_WITHOUT_PASSWORD": "1" if sudo_without_password else "",
    }
    result = subprocess.run(
        ["sh", str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=30,
    )
    apt = [line for line in calls.read_text().splitlines() if line.startswith("apt-get")]
    return result, apt


@pytest.mark.parametrize("command", ["run", "test"])
def test_nothing_is_said_nor_installed_when_every_package_is_there(tmp_path, command):
    result, apt = run(tmp_path, command, installed=f"{APP_PACKAGES} {TEST_PACKAGES}", user_id="1000")

    assert (result.returncode, result.stdout, result.stderr, apt) == (0, "", "", [])


def test_root_installs_the_missing_packages_once_and_says_so(tmp_path):
    result, apt = run(tmp_path, "test", installed="libpango-1.0-0 gettext")

    assert result.returncode == 0, result.stdout
    wanted = "libpangoft2-1.0-0 libharfbuzz-subset0 libicu72 chromium libatomic1 poppler-utils"
    assert result.stdout == f"Installing the missing Debian packages (once): apt-get install {wanted}\n"
    assert apt == ["apt-get update -qq", f"apt-get install -y -qq --no-install-recommends {wanted}"]


def test_run_installs_only_what_the_application_needs(tmp_path):
    result, apt = run(tmp_path, "run", installed="")

    assert result.returncode == 0
    assert apt[-1] == f"apt-get install -y -qq --no-install-recommends {APP_PACKAGES}"


def test_a_user_with_sudo_without_password_installs_through_sudo(tmp_path):
    result, apt = run(tmp_path, "run", installed="", user_id="1000", sudo_without_password=True)

    assert result.returncode == 0
    calls = (tmp_path / "calls").read_text()
    assert (
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
        + APP_PACKAGES
    ) in calls
    assert apt[-1].endswith(APP_PACKAGES)


def test_a_user_who_may_not_install_is_stopped_with_the_command_to_type(tmp_path):
    result, apt = run(tmp_path, "run", installed="libpango-1.0-0", user_id="1000")

    assert result.returncode == 1 and apt == []
    assert "not installed: libpangoft2-1.0-0 libharfbuzz-subset0 libicu72." in result.stdout
    assert (
        "sudo apt-get install -y --no-install-recommends libpangoft2-1.0-0 libharfbuzz-subset0 libicu72"
        in result.stdout
    )


def test_without_the_test_programs_a_user_who_may_not_install_is_told_their_tests_are_skipped(tmp_path):
    result, apt = run(tmp_path, "test", installed=APP_PACKAGES, user_id="1000")

    assert result.returncode == 0 and apt == []
    assert result.stdout.splitlines() == [
        f"Not installed: {TEST_PACKAGES} (the tests that need them will be skipped). "
        f"To run them: sudo apt-get install -y --no-install-recommends {TEST_PACKAGES}"
    ]


def test_test_programs_the_mirror_lacks_are_skipped_but_the_pdf_libraries_still_installed(tmp_path):
    result, apt = run(tmp_path, "test", installed="", apt_fails="chromium")

    assert result.returncode == 0, result.stdout
    assert apt[-1] == f"apt-get install -y -qq --no-install-recommends {APP_PACKAGES}"
    assert result.stdout.splitlines()[-1] == (
        f"apt-get could not install {TEST_PACKAGES} (the tests that need them will be skipped)."
    )


def test_a_failed_install_of_the_pdf_libraries_stops_make(tmp_path):
    result, _apt = run(tmp_path, "run", installed="", apt_fails="libpango")

    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == (
        f"apt-get could not install {APP_PACKAGES}: see the lines above."
    )


def test_on_a_system_without_dpkg_nothing_is_checked(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run(
        ["/bin/sh", str(SCRIPT), "run"], env={"PATH": str(empty)}, capture_output=True, text=True,
    )

    assert (result.returncode, result.stdout) == (0, "")
    assert os.access(SCRIPT, os.X_OK)
