"""Every list exports what it shows: projects, conventions, follow-up visits, ceremonies."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from followup.models import FollowUpVisit
from grants.models import Project
from reintegration.audit.models import AccessLog

from .factories import (
    BeneficiaryFactory,
    CeremonyFactory,
    ConventionFactory,
    FollowUpVisitFactory,
    PartnerFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


def export(client, url_name, export_format="xlsx", **params):
    response = client.get(reverse(url_name), {**params, "export": export_format})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if export_format == "csv":
        lines = content.decode("utf-8").lstrip("\ufeff").splitlines()
        return [line.split(";") for line in lines]
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def conventions(temara, rabat):
    return {
        "temara": ConventionFactory(reference="CONV-T", prefecture=temara),
        "rabat": ConventionFactory(
            reference="CONV-R", prefecture=rabat,
            partner=PartnerFactory(name="CPDH Rabat", prefecture=rabat),
        ),
    }


def test_projects_export_holds_the_filtered_projects_of_the_scope(
    client_for, staff, temara, rabat, conventions
):
    submitted = ProjectFactory.create_batch(
        2, beneficiary__prefecture=temara, status=Project.Status.SUBMITTED
    )
    ProjectFactory(beneficiary__prefecture=temara)  # draft
    ProjectFactory(beneficiary__prefecture=rabat, status=Project.Status.SUBMITTED)
    header, *rows = export(client_for(staff), "grants:project_list", status="submitted")
    assert header[0] == "Référence"
    assert {row[0] for row in rows} == {p.reference for p in submitted}
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=staff).count() == 1


def test_conventions_export_has_the_budget_figures(client_for, auditor, conventions):
    header, *rows = export(client_for(auditor), "grants:convention_list")
    assert {row[0] for row in rows} == {"CONV-T", "CONV-R"}
    row = next(row for row in rows if row[0] == "CONV-T")
    assert Decimal(str(row[header.index("Enveloppe (DH)")])) == Decimal("500000")
    assert Decimal(str(row[header.index("Reste (DH)")])) == Decimal("500000")


def test_an_officer_exports_only_the_conventions_of_their_prefecture(
    client_for, outsider_officer, conventions
):
    _header, *rows = export(client_for(outsider_officer), "grants:convention_list", "csv")
    assert [row[0] for row in rows] == ["CONV-R"]


@pytest.fixture
def visits(temara, rabat, conventions):
    def active_project(prefecture, convention):
        return ProjectFactory(
            beneficiary=BeneficiaryFactory(prefecture=prefecture), status=Project.Status.ACTIVE,
            convention=convention, approved_amount=Decimal("10000.00"),
        )

    temara_project = active_project(temara, conventions["temara"])
    return {
        "due": FollowUpVisitFactory(project=temara_project, due_on=datetime.date(2025, 1, 6)),
        "done": FollowUpVisitFactory(
            project=temara_project, due_on=datetime.date(2024, 12, 1),
            visited_on=datetime.date(2024, 12, 2), reincarcerated=True, notes="Rechute",
            activity_status=FollowUpVisit.ActivityStatus.STOPPED,
        ),
        "rabat": FollowUpVisitFactory(project=active_project(rabat, conventions["rabat"])),
    }


def test_visits_export_follows_the_lists_default_filter(client_for, staff, visits):
    header, *rows = export(client_for(staff), "grants:visit_list")
    assert len(rows) == 1
    assert rows[0][header.index("Prévue le")] == datetime.datetime(2025, 1, 6)


def test_visits_export_leaves_out_the_reincarceration_for_the_auditor(
    client_for, auditor, staff, visits
):
    header, *_rows = export(client_for(auditor), "grants:visit_list", state="all")
    assert "Notes" not in header and "Bénéficiaire réincarcéré" not in header
    header, *rows = export(client_for(staff), "grants:visit_list", state="all")
    assert "Notes" in header
    assert len(rows) == 2


def test_ceremonies_export(client_for, officer, temara, rabat, conventions):
    CeremonyFactory(title="Remise de Témara", prefecture=temara, convention=conventions["temara"])
    CeremonyFactory(title="Remise de Rabat", prefecture=rabat)
    header, *rows = export(client_for(officer), "ceremonies:list")
    assert [row[header.index("Intitulé")] for row in rows] == ["Remise de Témara"]
    assert rows[0][header.index("Convention")] == "CONV-T"


def test_each_list_shows_the_export_buttons(client_for, auditor, conventions):
    client = client_for(auditor)
    for url_name in ["grants:project_list", "grants:convention_list", "grants:visit_list",
                     "ceremonies:list", "beneficiaries:list"]:
        content = client.get(reverse(url_name)).content.decode()
        assert "export=xlsx" in content, url_name
