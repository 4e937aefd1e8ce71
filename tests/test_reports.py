"""The INDH report of a convention, as PDF and XLSX, in the user's scope."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from grants.models import EquipmentItem, Project
from grants.reports import convention_report
from procurement.models import PurchaseOrder
from reintegration.audit.models import AccessLog

from .factories import (
    BeneficiaryFactory,
    ConventionFactory,
    DisbursementFactory,
    EquipmentItemFactory,
    FollowUpVisitFactory,
    ProjectFactory,
    PurchaseOrderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention(temara):
    """CONV-REP: envelope 500,000; two funded projects (a man with a woman as
    co-beneficiary, and a woman), one draft project that does not count.
    Committed 80,000 + 40,000; cash paid 5,000; equipment invoiced 12,000 and handed
    over 12,000 + 3,000; jobs 2 (latest visit) + 1."""
    convention = ConventionFactory(reference="CONV-REP", prefecture=temara)
    man = BeneficiaryFactory(prefecture=temara, sex=Beneficiary.Sex.MALE)
    woman = BeneficiaryFactory(prefecture=temara, sex=Beneficiary.Sex.FEMALE)
    partner = BeneficiaryFactory(prefecture=temara, sex=Beneficiary.Sex.FEMALE)
    first = ProjectFactory(
        beneficiary=man, convention=convention, status=Project.Status.ACTIVE,
        approved_amount=Decimal("80000.00"), launched_on=datetime.date(2024, 12, 6),
    )
    first.co_beneficiaries.add(partner)
    second = ProjectFactory(
        beneficiary=woman, convention=convention, status=Project.Status.APPROVED,
        approved_amount=Decimal("40000.00"),
    )
    ProjectFactory(beneficiary=woman, convention=convention)  # draft: not funded
    DisbursementFactory(project=first, amount=Decimal("5000.00"))
    order = PurchaseOrderFactory(convention=convention, status=PurchaseOrder.Status.INVOICED,
                                 invoice_amount=Decimal("12000.00"))
    EquipmentItemFactory(
        project=first, quantity=3, unit_price=Decimal("4000.00"), purchase_order=order,
        status=EquipmentItem.Status.HANDED_OVER, invoiced_amount=Decimal("12000.00"),
    )
    EquipmentItemFactory(
        project=second, quantity=1, unit_price=Decimal("3000.00"),
        status=EquipmentItem.Status.HANDED_OVER,
    )
    FollowUpVisitFactory(project=first, visited_on=datetime.date(2025, 3, 1), jobs_created=1)
    FollowUpVisitFactory(project=first, visited_on=datetime.date(2025, 6, 1), jobs_created=2)
    FollowUpVisitFactory(project=second, visited_on=datetime.date(2025, 6, 1), jobs_created=1)
    return convention


def report_url(convention, report_format="pdf"):
    return reverse("dashboard:convention_report", args=[convention.pk]) + f"?format={report_format}"


def test_report_figures_are_hand_counted(convention):
    report = convention_report(convention)
    assert [p.reference for p in report.projects] == sorted(p.reference for p in report.projects)
    assert len(report.projects) == 2
    assert report.convention.committed == Decimal("120000.00")
    assert report.convention.disbursed == Decimal("17000.00")
    assert report.equipment_handed_over == Decimal("15000.00")
    assert [count for _label, count in report.by_sex] == [1, 2]
    assert report.jobs_created == 3


def test_pdf_report_lists_the_funded_projects(client_for, staff, convention):
    response = client_for(staff).get(report_url(convention))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "CONV-REP" in text
    for project in convention.projects.filter(status__in=Project.COMMITTED_STATUSES):
        assert project.reference in text
    assert "120 000,00" in text.replace("\u00a0", " ")
    log = AccessLog.objects.get(action=AccessLog.Action.PDF)
    assert log.user == staff and log.object_id == str(convention.pk)


def test_xlsx_report_opens_with_the_summary_and_one_row_per_project(client_for, auditor, convention):
    response = client_for(auditor).get(report_url(convention, "xlsx"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    summary = {row[0]: row[1] for row in values if row and len(row) > 1 and row[0]}
    assert "CONV-REP" in values[0][0]
    assert summary["Convention"] == "CONV-REP"
    assert Decimal(str(summary["Engagé (DH)"])) == Decimal("120000")
    project_rows = [row for row in values if row[0] and str(row[0]).startswith("PRJ-")]
    assert len(project_rows) == 2
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=auditor).exists()


def test_officer_of_another_prefecture_gets_404(client_for, outsider_officer, convention):
    assert client_for(outsider_officer).get(report_url(convention)).status_code == 404
    assert not AccessLog.objects.exists()


def test_unknown_format_is_404(client_for, staff, convention):
    assert client_for(staff).get(report_url(convention, "doc")).status_code == 404


def test_officer_of_the_prefecture_may_read_the_report(client_for, officer, convention):
    assert client_for(officer).get(report_url(convention, "xlsx")).status_code == 200
