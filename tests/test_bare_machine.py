"""The README's two commands on a bare machine: what works before the system packages are.

Without WeasyPrint's libraries the application starts and serves every page; a PDF then
answers a page naming what to install (reintegration/common/pdf.py); scripts/system-packages
installs the packages.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from ceremonies.models import Ceremony
from reintegration.audit.models import AccessLog
from reintegration.common.pdf import DEBIAN_INSTALL_COMMAND, DEBIAN_PACKAGES

from .factories import CeremonyFactory, ConventionFactory
from .test_ceremonies import planned_ceremony, ready_project

BASE = Path(settings.BASE_DIR)

# Run in a Python of its own, where WeasyPrint was never imported: the settings, every
# URL and view module, `check` and `migrate` on a new SQLite database, then every page
# without parameters as foundation staff, a ceremony's page and its attendance sheet.
START_WITHOUT_WEASYPRINT = """
import json, re, sys
from tests.without_weasyprint import RefuseWeasyPrint
sys.meta_path.insert(0, RefuseWeasyPrint())

import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

call_command("check", fail_level="WARNING")
call_command("migrate", verbosity=0)

from reintegration.accounts.roles import Role
from tests.factories import CeremonyFactory, UserFactory, prefecture

def routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)

pages = sorted({"/" + route for route in routes(get_resolver().url_patterns)
                if not re.search(r"[<^(]", route) and not route.startswith("admin/")})
client = Client()
answers = {"/login/ (anonymous)": client.get("/login/").status_code}
client.force_login(UserFactory(role=Role.FOUNDATION_STAFF, prefectures=[prefecture()]))
ceremony = CeremonyFactory()
for page in [*pages, reverse("ceremonies:detail", args=[ceremony.pk])]:
    answers[page] = client.get(page).status_code
weasyprint_imported = "weasyprint" in sys.modules
pdf = client.get(reverse("ceremonies:attendance", args=[ceremony.pk]))
print(json.dumps({"pages": answers, "weasyprint imported": weasyprint_imported,
                  "pdf": [pdf.status_code, pdf.content.decode()]}))
"""


def test_the_application_starts_and_serves_its_pages_when_weasyprint_cannot_load_its_libraries(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="reintegration.settings_test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
    )
    result = subprocess.run(
        [sys.executable, "-c", START_WITHOUT_WEASYPRINT],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    pages = outcome["pages"]
    assert len(pages) > 15 and {"/", "/beneficiaries/", "/grants/projects/", "/ceremonies/"} <= set(pages)
    assert {page: code for page, code in pages.items() if code >= 500} == {}
    assert pages["/"] == pages["/beneficiaries/"] == pages["/login/ (anonymous)"] == 200
    assert outcome["weasyprint imported"] is False
    status, page = outcome["pdf"]
    assert status == 503
    assert "libgobject-2.0-0" in page and DEBIAN_INSTALL_COMMAND in page


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "title"), [
    ("fr", "Les documents PDF sont indisponibles"),
    ("ar", "وثائق PDF غير متاحة"),
    ("en", "PDF documents are unavailable"),
])
def test_a_pdf_asked_for_without_weasyprint_says_in_the_readers_language_what_to_install(
    weasyprint_cannot_load, staff, client_for, language, title,
):
    ceremony = CeremonyFactory()
    client = client_for(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(reverse("ceremonies:attendance", args=[ceremony.pk]))

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert title in page
    assert "<code>libgobject-2.0-0</code>" in page
    assert f"<code>{DEBIAN_INSTALL_COMMAND}</code>" in page
    # Nothing was read: no access-log row for a PDF that was never made.
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_every_kind_of_pdf_says_what_to_install_without_weasyprint(
    weasyprint_cannot_load, admin_user, client_for,
):
    convention = ConventionFactory()
    client = client_for(admin_user)

    report = client.get(reverse("dashboard:convention_report", args=[convention.pk]))

    assert report.status_code == 503 and DEBIAN_INSTALL_COMMAND in report.content.decode()


@pytest.mark.django_db
def test_a_ceremony_is_held_without_weasyprint_and_its_certificate_then_says_what_to_install(
    weasyprint_cannot_load, staff, client_for,
):
    ceremony = planned_ceremony(staff, ready_project())
    client = client_for(staff)

    held = client.post(reverse("ceremonies:hold", args=[ceremony.pk]), follow=True)

    ceremony.refresh_from_db()
    assert ceremony.status == Ceremony.Status.HELD
    assert "1 attestation délivrée" in held.content.decode()
    handover = ceremony.handovers.get()
    assert not handover.certificate_pdf  # rendered and stored on its first download instead
    certificate = client.get(reverse("ceremonies:certificate", args=[handover.pk]))
    assert certificate.status_code == 503 and DEBIAN_INSTALL_COMMAND in certificate.content.decode()


def test_the_page_and_the_install_script_name_the_same_packages():
    script = (BASE / "scripts/system-packages").read_text()
    listed = re.search(r'^RUN_PACKAGES="([^"]*)"', script, re.MULTILINE).group(1)
    assert tuple(listed.split()) == DEBIAN_PACKAGES
    assert "apt-get install " + listed == DEBIAN_INSTALL_COMMAND
