"""Law 09-08: the right of access (export), the retention period (anonymisation), the
notice on intake forms."""

import datetime
import importlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from beneficiaries import services
from beneficiaries.models import Beneficiary, BeneficiaryDocument
from ceremonies import documents
from grants.models import Project
from reintegration.audit.models import AccessLog
from reintegration.security.anonymisation import ANONYMISED

from .factories import (
    BeneficiaryFactory,
    ConventionFactory,
    DisbursementFactory,
    DocumentFactory,
    EquipmentItemFactory,
    FollowUpVisitFactory,
    ProjectFactory,
)
from .test_ceremonies import held_ceremony, ready_project
from .test_ceremonies_pdf import read, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(staff):
    beneficiary = BeneficiaryFactory(
        first_name="Youssef", last_name="Bennani", cin="AB123456", phone="+212612345678",
        address="12 rue des Orangers, Témara", skills="Boulangerie",
    )
    DocumentFactory(beneficiary=beneficiary)
    project = ProjectFactory(
        beneficiary=beneficiary, status="closed", convention=ConventionFactory(),
        approved_amount=Decimal("45000.00"),
    )
    EquipmentItemFactory(project=project, designation="Four à sole")
    DisbursementFactory(project=project)
    FollowUpVisitFactory(project=project, notes="Activité lancée, clientèle du quartier")
    return beneficiary


def export_url(beneficiary) -> str:
    return reverse("security:beneficiary_export", args=[beneficiary.public_id])


def read_zip(response) -> tuple[dict, dict]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    files = {name: archive.read(name) for name in archive.namelist() if name != "data.json"}
    return data, files


# --- right of access --------------------------------------------------------------------


def test_an_administrator_exports_everything_held_on_a_person(client_for, admin_user, person):
    response = client_for(admin_user).get(export_url(person))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'{person.file_number}-data.zip' in response["Content-Disposition"]
    data, files = read_zip(response)
    held = data["beneficiary"]
    assert (held["first_name"], held["last_name"], held["cin"]) == ("Youssef", "Bennani", "AB123456")
    assert held["address"] == "12 rue des Orangers, Témara"
    assert held["prefecture"] == "Skhirate-Témara"
    [document] = held["documents"]
    assert document["kind"] == "id_copy"
    [project] = held["projects"]
    assert project["approved_amount"] == "45000.00"
    assert [item["designation"] for item in project["equipment_items"]] == ["Four à sole"]
    assert len(project["disbursements"]) == 1
    assert project["visits"][0]["notes"] == "Activité lancée, clientèle du quartier"
    assert data["history"], "the history of changes is part of what is held"
    assert list(files.values()) == [b"%PDF-1.4\n%test\n"]


def test_the_export_is_written_to_the_access_log(client_for, admin_user, person):
    client_for(admin_user).get(export_url(person), REMOTE_ADDR="10.0.0.7")
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (admin_user, "export", str(person.public_id))
    assert log.ip_address == "10.0.0.7"


def test_only_administrators_export_a_person(client_for, staff, officer, auditor, person):
    for user in (staff, officer, auditor):
        assert client_for(user).get(export_url(person)).status_code == 403
    assert not AccessLog.objects.exists()


def test_users_of_another_prefecture_get_404(client_for, outsider_staff, person):
    assert client_for(outsider_staff).get(export_url(person)).status_code == 404


# --- retention: anonymisation of closed files -------------------------------------------


def close_long_ago(beneficiary, years=11):
    Beneficiary.objects.filter(pk=beneficiary.pk).update(
        status=Beneficiary.Status.CLOSED,
        closed_at=timezone.now() - datetime.timedelta(days=365 * years + 3),
    )
    beneficiary.refresh_from_db()
    return beneficiary


def run(*args) -> str:
    out = io.StringIO()
    call_command("anonymise_closed_files", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(person):
    close_long_ago(person)
    document = person.documents.get()
    output = run("--dry-run")
    assert f"Would anonymise {person.file_number}" in output
    assert "1 file(s)" in output and "dry run" in output
    person.refresh_from_db()
    assert person.last_name == "Bennani" and person.anonymised_at is None
    assert document.file.storage.exists(document.file.name)


def test_files_closed_beyond_the_retention_period_are_anonymised(
    person, django_capture_on_commit_callbacks
):
    close_long_ago(person)
    document = person.documents.get()
    stored = document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        output = run()
    assert f"Anonymised {person.file_number}" in output
    person.refresh_from_db()
    assert person.first_name == person.last_name == ANONYMISED
    assert person.first_name_ar == person.last_name_ar == ""
    assert person.cin == person.phone == person.address == person.skills == ""
    assert person.birth_date == datetime.date(1990, 1, 1)
    assert person.anonymised_at is not None
    assert not BeneficiaryDocument.objects.filter(beneficiary=person).exists()
    assert not document.file.storage.exists(stored)
    visit = person.projects.get().visits.get()
    assert visit.notes == ""


def test_anonymisation_drops_the_stored_certificates_that_print_the_name(
    staff, django_capture_on_commit_callbacks
):
    project = ready_project(first_name="Youssef", last_name="Bennani", cin="AB123456")
    ceremony = held_ceremony(staff, project)
    handover = ceremony.handovers.get()
    documents.issue_documents(ceremony)
    handover.refresh_from_db()
    stored = handover.certificate_pdf.name
    assert stored and handover.certificate_pdf.storage.exists(stored)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.CLOSED)
    close_long_ago(project.beneficiary)

    with django_capture_on_commit_callbacks(execute=True):
        run()

    handover.refresh_from_db()
    assert not handover.certificate_pdf and not handover.certificate_pdf.storage.exists(stored)
    page = text_of(read(documents.certificate_pdf(handover).content).pages[0])
    assert ANONYMISED in page and "Bennani" not in page and "AB123456" not in page


def test_anonymisation_keeps_the_figures_reports_need(person):
    close_long_ago(person)
    run()
    person.refresh_from_db()
    assert person.sex == "M"
    assert person.prefecture.name_fr == "Skhirate-Témara"
    assert person.status == Beneficiary.Status.CLOSED
    project = person.projects.get()
    assert project.status == "closed"
    assert project.approved_amount == Decimal("45000.00")
    assert project.equipment_items.count() == 1 and project.disbursements.count() == 1


def test_anonymisation_leaves_no_earlier_version_in_the_history(person):
    person.address = "Nouvelle adresse"
    person.save()
    close_long_ago(person)
    run()
    names = {(record.last_name, record.cin) for record in person.history.all()}
    assert names == {(ANONYMISED, "")}


def test_recent_and_open_files_are_left_alone(person):
    recent = BeneficiaryFactory(last_name="Recent")
    close_long_ago(recent, years=9)
    still_open = BeneficiaryFactory(last_name="Ouvert")
    Beneficiary.objects.filter(pk=still_open.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=365 * 20)
    )
    output = run()
    assert "0 file(s)" in output
    assert set(Beneficiary.objects.values_list("last_name", flat=True)) == {
        "Bennani", "Recent", "Ouvert",
    }


def test_the_retention_period_comes_from_the_option_or_the_setting(person):
    close_long_ago(person, years=6)
    assert "0 file(s)" in run()
    assert "1 file(s)" in run("--years", "5", "--dry-run")
    with override_settings(RETENTION_YEARS=5):
        assert f"Anonymised {person.file_number}" in run()
    assert settings.RETENTION_YEARS == 10


def test_an_anonymised_file_is_not_anonymised_twice(person):
    close_long_ago(person)
    run()
    Beneficiary.objects.filter(pk=person.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=365 * 12)
    )
    assert "0 file(s)" in run()


def test_the_retention_period_runs_from_the_closure_whatever_is_edited_afterwards(person, staff):
    person = close_long_ago(person)
    person.skills = "Boulangerie, viennoiserie"
    person.save()  # an edit today, ten years after the closure
    assert f"Would anonymise {person.file_number}" in run("--dry-run")


def test_closing_a_file_records_the_moment_and_reopening_it_clears_it(person, staff):
    # Closed with its project (its pathway): reopened, then closed by staff.
    services.reopen_file(beneficiary=person, user=staff, reason="Nouvelle demande.")
    services.close_file(beneficiary=person, user=staff, reason="Parti à l'étranger.")
    person.refresh_from_db()
    assert timezone.now() - person.closed_at < datetime.timedelta(minutes=1)
    services.reopen_file(beneficiary=person, user=staff, reason="De retour.")
    person.refresh_from_db()
    assert person.closed_at is None


def test_a_file_reopened_and_closed_again_counts_from_its_last_closure(person, staff):
    close_long_ago(person)
    services.reopen_file(beneficiary=person, user=staff, reason="De retour.")
    services.close_file(beneficiary=person, user=staff, reason="Parti de nouveau.")
    assert "0 file(s)" in run("--dry-run")


def test_files_closed_before_the_closure_date_existed_get_their_last_move_to_closed(person, staff):
    services.reopen_file(beneficiary=person, user=staff, reason="Nouvelle demande.")
    person = services.close_file(beneficiary=person, user=staff, reason="Parti à l'étranger.")
    closed_on = person.history.latest().history_date
    person.skills = "Pâtisserie"
    person.save()  # a later edit, whose date the old rule counted from
    without_history = BeneficiaryFactory(status=Beneficiary.Status.CLOSED)
    without_history.history.all().delete()
    Beneficiary.objects.update(closed_at=None)
    migration = importlib.import_module("beneficiaries.migrations.0006_beneficiary_closed_at")

    migration.closure_dates(apps, None)

    person.refresh_from_db()
    without_history.refresh_from_db()
    assert person.closed_at == closed_on
    assert without_history.closed_at == without_history.updated_at


def test_a_file_closed_without_its_closure_date_counts_from_its_last_change(person):
    Beneficiary.objects.filter(pk=person.pk).update(
        status=Beneficiary.Status.CLOSED, closed_at=None,
        updated_at=timezone.now() - datetime.timedelta(days=365 * 11),
    )
    assert f"Would anonymise {person.file_number}" in run("--dry-run")


def test_a_file_whose_project_is_still_under_way_is_held_back_and_listed(person):
    close_long_ago(person)
    Project.objects.filter(beneficiary=person).update(status=Project.Status.ACTIVE)
    output = run()
    assert f"Held back {person.file_number}" in output and "0 file(s)" in output
    person.refresh_from_db()
    assert person.anonymised_at is None and person.last_name == "Bennani"


def test_a_group_project_keeps_what_belongs_to_the_others_too(person):
    partner = BeneficiaryFactory(first_name="Karim", last_name="Naciri")
    group = ProjectFactory(
        beneficiary=person, status="closed", convention=ConventionFactory(),
        approved_amount=Decimal("30000.00"), title="Atelier Bennani et Naciri",
        description="Atelier commun de Youssef Bennani et Karim Naciri.",
    )
    group.co_beneficiaries.add(partner)
    close_long_ago(person)
    run()
    group.refresh_from_db()
    assert group.title == f"Atelier {ANONYMISED} et Naciri"
    assert group.description == f"Atelier commun de {ANONYMISED} et Karim Naciri."


# --- a file deleted ----------------------------------------------------------------------


def test_deleting_a_file_in_the_admin_leaves_no_name_or_number_in_its_history(
    client_for, admin_user, staff
):
    beneficiary = BeneficiaryFactory(first_name="Youssef", last_name="Bennani", cin="AB123456",
                                     phone="+212612345678", address="12 rue des Orangers")
    beneficiary.address = "Hay Nahda"
    beneficiary.save()
    DocumentFactory(beneficiary=beneficiary, original_name="cin_bennani.pdf")
    url = reverse("admin:beneficiaries_beneficiary_delete", args=[beneficiary.pk])

    response = client_for(admin_user).post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Beneficiary.objects.filter(pk=beneficiary.pk).exists()
    records = Beneficiary.history.filter(id=beneficiary.pk)
    assert records.filter(history_type="-", history_user=admin_user).exists()
    assert set(records.values_list("first_name", "last_name", "cin", "phone", "address")) == {
        (ANONYMISED, ANONYMISED, "", "", ""),
    }
    assert set(BeneficiaryDocument.history.filter(beneficiary_id=beneficiary.pk).values_list(
        "original_name", flat=True)) == {f"cin_{ANONYMISED}.pdf"}
    [entry] = LogEntry.objects.filter(object_id=str(beneficiary.pk))
    assert entry.object_repr == f"{ANONYMISED} ({beneficiary.file_number})"


def test_a_file_deleted_by_a_script_is_scrubbed_the_same_way(temara):
    beneficiary = BeneficiaryFactory(last_name="Bennani", cin="AB123456")
    Beneficiary.objects.filter(pk=beneficiary.pk).delete()
    assert not Beneficiary.history.filter(id=beneficiary.pk, last_name="Bennani").exists()
    assert not Beneficiary.history.filter(id=beneficiary.pk, cin="AB123456").exists()


# --- the law 09-08 notice ---------------------------------------------------------------


def test_every_page_shows_the_notice_with_the_cndp_number(client):
    content = client.get(reverse("login")).content.decode()
    assert "09-08" in content and settings.CNDP_AUTHORISATION in content


def test_the_intake_form_shows_the_cndp_number_in_the_form_itself(client_for, staff):
    try:
        url = reverse("beneficiaries:create")
    except NoReverseMatch:
        pytest.skip("the intake form does not exist yet")
    content = client_for(staff).get(url).content.decode()
    form = content[content.index("<form", content.index('id="main"')):content.rindex("</form>")]
    assert settings.CNDP_AUTHORISATION in form
    assert "09-08" in form
