"""Reconciliation anyone can run (issue 16): `manage.py check_ledger` and the convention's
ledger page recompute every figure from the rows and name each breach with its figures;
the demo and the benchmark's data set have none; the pages that spend money show it."""

import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone

from grants import ledger, services
from grants.models import Amendment, Convention, ConventionFigures, EquipmentItem, Project
from procurement.models import Disbursement, PurchaseOrder
from reintegration.dashboard.figures import FIGURES_VERSION
from reintegration.dashboard.models import FigureSnapshot, prefecture_scope

from .factories import ConventionFactory, ProjectFactory, PurchaseOrderFactory
from .test_grants_views import page
from .test_ledger import delivered, funded, invoice, order, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention(temara):
    return ConventionFactory(prefecture=temara, reference="CONV-LEDGER", envelope=Decimal("100000.00"))


@pytest.fixture
def project(staff, officer, convention):
    """Approved for 35,000 DH, its cash grant of 5,000 DH paid and its 30,000 DH of
    equipment ordered, delivered and invoiced at that price."""
    project = funded(staff, officer, convention, "35000.00", lines=[("Four", 1, "30000.00")],
                     cash_grant="5000.00", own="20000.00")
    pay(staff, project, "5000.00")
    draft = order(staff, convention, list(project.equipment_items.all()))
    invoice(staff, delivered(staff, draft), "30000.00")
    return project


def codes(report) -> set[str]:
    return {breach.code for breach in report.breaches}


def run_check(*args) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("check_ledger", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


# --- what the check finds ------------------------------------------------------------------

def test_a_ledger_kept_by_the_services_has_no_breach(project, convention):
    report = ledger.check()
    assert report.breaches == []
    figures = report.conventions[convention.pk]
    assert (figures.committed, figures.engaged, figures.disbursed) == (
        Decimal("35000.00"), Decimal("35000.00"), Decimal("35000.00"))
    assert report.projects[project.pk].available == Decimal("0.00")
    output, status = run_check()
    assert status == 0 and "0 breaches" in output


def test_every_kind_of_breach_is_named_with_its_figures(project, convention, temara):
    """Rows written behind the services' back, as an old database or a raw SQL fix could."""
    Project.objects.filter(pk=project.pk).update(approved_amount=Decimal("30000.00"))  # spent 35,000
    other = ProjectFactory(convention=convention, status=Project.Status.SUBMITTED, cash_grant_amount=0)
    Disbursement.objects.create(project=other, amount=Decimal("900.00"), paid_on=datetime.date(2024, 12, 6),
                                method="transfer")
    Convention.objects.filter(pk=convention.pk).update(envelope=Decimal("29000.00"))
    line = project.equipment_items.get()
    EquipmentItem.objects.filter(pk=line.pk).update(invoiced_amount=Decimal("29000.00"))
    draft = PurchaseOrderFactory(convention=ConventionFactory(prefecture=temara))
    EquipmentItem.objects.create(project=other, designation="Table", unit_price=Decimal("100.00"),
                                 purchase_order=draft, invoiced_amount=Decimal("100.00"))
    ConventionFigures.objects.filter(convention=convention).update(disbursed=Decimal("1.00"))

    report = ledger.check()

    assert codes(report) == {
        "above_approved", "spending_without_commitment", "cash_above_grant", "above_envelope",
        "disbursed_above_committed", "stored_figures", "invoice_not_shared", "shared_before_invoice",
        "order_of_another_convention",
    }
    above = next(breach for breach in report.breaches if breach.code == "above_approved")
    assert above.subject == project.reference and above.excess == Decimal("4000.00")
    assert "34\u00a0000,00\u00a0DH" in above.message and "30\u00a0000,00\u00a0DH" in above.message
    output, status = run_check()
    assert status == 1
    assert f"[{project.reference}]" in output and "[CONV-LEDGER]" in output
    assert output.count("BREACH") == len(report.breaches)


def test_an_invoice_above_its_order_stands_only_on_an_amendment(project, staff, officer):
    order_ = PurchaseOrder.objects.get()
    PurchaseOrder.objects.filter(pk=order_.pk).update(invoice_amount=Decimal("30500.00"))
    EquipmentItem.objects.filter(purchase_order=order_).update(invoiced_amount=Decimal("30500.00"))
    Project.objects.filter(pk=project.pk).update(approved_amount=Decimal("35500.00"))
    assert codes(ledger.check()) == {"invoice_above_order", "stored_figures"}
    Amendment.objects.create(
        project=project, previous_amount=Decimal("35000.00"), requested_amount=Decimal("35500.00"),
        previous_cash_grant=Decimal("5000.00"), reason="Prix révisé.", requested_by=staff,
        status=Amendment.Status.APPROVED, decided_amount=Decimal("35500.00"), decided_by=officer,
        decided_at=timezone.now(),
    )
    services.refresh_convention_figures(conventions=[project.convention_id])
    assert ledger.check().breaches == []


def test_an_approved_amount_other_than_its_last_amendment_s_is_a_breach(project, staff, officer):
    amendment = services.request_amendment(project=project, user=staff, amount=Decimal("36000.00"),
                                           reason="Une étagère.")
    services.approve_amendment(amendment=amendment, officer=officer, amount=amendment.requested_amount,
                               reason="Oui.")
    assert ledger.check().breaches == []
    Project.objects.filter(pk=project.pk).update(approved_amount=Decimal("37000.00"))
    assert "approved_not_decided" in codes(ledger.check())


def test_the_dashboard_s_snapshots_are_checked_too(project, convention, temara):
    shown = {"reference": convention.reference, "title": convention.title, "envelope": 10_000_000,
             "committed": 3_500_000, "disbursed": 3_600_000}
    FigureSnapshot.objects.create(
        scope=prefecture_scope(temara.pk), filters="", day=timezone.localdate(), computed_at=timezone.now(),
        figures={"version": FIGURES_VERSION, "conventions": {str(convention.pk): shown}},
    )
    report = importlib.import_module("reintegration.dashboard.ledger").check(conventions=[convention])
    assert codes(report) == {"dashboard_overspent"}
    assert "36\u00a0000,00\u00a0DH" in report.breaches[0].message
    assert len(report.notes) == 1  # and it is out of date: 35,000 DH disbursed now


def test_check_ledger_finds_no_breach_on_the_demo():
    call_command("seed_demo", stdout=io.StringIO())
    output, status = run_check()
    assert status == 0, output
    temara = Convention.objects.get(reference="CONV-INDH3-ST-2024-01").with_stored_figures()
    # The scenario starts from these figures.
    assert (temara.envelope, temara.remaining) == (Decimal("500000.00"), Decimal("79400.00"))
    assert temara.disbursed <= temara.committed <= temara.envelope
    assert Amendment.objects.filter(status=Amendment.Status.APPROVED).count() == 1
    assert Amendment.objects.filter(status=Amendment.Status.REQUESTED).count() == 1


@pytest.mark.django_db(transaction=True)  # the seed ends with a VACUUM, outside any transaction
def test_check_ledger_finds_no_breach_on_the_benchmark_s_data_set(temara):
    from bench.seed import seed_bench

    seed_bench(beneficiaries=300, stdout=io.StringIO())
    call_command("refresh_dashboard", stdout=io.StringIO())
    output, status = run_check()
    assert status == 0, output
    assert EquipmentItem.objects.filter(invoiced_amount__isnull=False).exists()


# --- an existing database -------------------------------------------------------------------

def test_the_migration_shares_the_invoices_already_recorded(project):
    order_ = PurchaseOrder.objects.get()
    EquipmentItem.objects.update(invoiced_amount=None)
    migration = importlib.import_module("grants.migrations.0018_equipment_invoice_shares")
    # The models as that migration knew them (the orders were grants' then).
    state = MigrationLoader(connection).project_state(("grants", "0018_equipment_invoice_shares")).apps
    migration.share_invoices(state, None)
    assert EquipmentItem.objects.get().invoiced_amount == order_.invoice_amount
    assert ledger.check().breaches == []


def test_the_migration_frozen_sharing_is_the_services_one():
    migration = importlib.import_module("grants.migrations.0018_equipment_invoice_shares")
    for amount, weights in [
        (Decimal("100.00"), [Decimal(1), Decimal(1), Decimal(1)]),
        (Decimal("40400.00"), [Decimal("30000"), Decimal("10000")]),
        (Decimal("0.05"), [Decimal(0), Decimal(0)]),
    ]:
        assert migration.allocate(amount, weights) == services.allocate(amount, weights)


# --- the ledger page -------------------------------------------------------------------------

def ledger_url(convention) -> str:
    return reverse("dashboard:convention_ledger", args=[convention.pk])


@pytest.mark.parametrize("who", ["staff", "officer", "auditor", "admin_user"])
def test_the_ledger_page_is_open_to_the_prefecture_auditors_and_admins(project, convention, client_for,
                                                                        request, who):
    text = page(client_for(request.getfixturevalue(who)).get(ledger_url(convention)))
    assert project.reference in text and "35\u00a0000,00" in text
    assert 'data-testid="no-breach"' in text


@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer"])
def test_the_ledger_page_of_another_prefecture_is_404(project, convention, client_for, request, who):
    assert client_for(request.getfixturevalue(who)).get(ledger_url(convention)).status_code == 404


def test_the_ledger_page_lists_the_breaches_first(project, convention, client_for, auditor):
    Project.objects.filter(pk=project.pk).update(approved_amount=Decimal("30000.00"))
    text = page(client_for(auditor).get(ledger_url(convention)))
    assert 'data-breach="above_approved"' in text and "table-danger" in text
    assert text.index('data-breach="above_approved"') < text.index(project.get_absolute_url())


def test_the_convention_page_links_to_its_ledger(project, convention, client_for, officer):
    assert ledger_url(convention) in page(client_for(officer).get(convention.get_absolute_url()))


def test_the_ledger_page_makes_few_queries_however_many_projects(
    project, convention, staff, officer, client_for, auditor, django_assert_max_num_queries
):
    client = client_for(auditor)
    client.get(ledger_url(convention))
    for _ in range(5):
        pay(staff, funded(staff, officer, convention, "8000.00", lines=[("Table", 1, "3000.00")],
                          cash_grant="5000.00", own="5000.00"), "1000.00")
    with django_assert_max_num_queries(10):
        assert client.get(ledger_url(convention)).status_code == 200


# --- the pages that commit and spend ---------------------------------------------------------

def test_the_project_form_computes_the_amount_requested(client_for, staff):
    text = page(client_for(staff).get(reverse("grants:project_create")))
    assert 'name="requested_amount"' not in text
    assert "data-breakdown-requested" in text and "data-breakdown-total" in text


def test_the_review_page_shows_what_the_officer_approves(client_for, staff, officer, convention):
    from .test_ledger import submitted

    project = submitted(staff, lines=[("Four", 1, "30000.00")], cash_grant="5000.00", own="15000.00")
    Convention.objects.filter(pk=convention.pk).update(max_share=Decimal("60.00"))
    text = page(client_for(officer).get(reverse("grants:project_review", args=[project.public_id])))
    assert 'data-testid="breakdown"' in text
    for figure in ("30\u00a0000,00", "5\u00a0000,00", "35\u00a0000,00", "15\u00a0000,00", "50\u00a0000,00"):
        assert figure in text
    assert "70 %" in text  # the requested amount's share of the total cost
    assert "30\u00a0000,00" in text  # at most 60 % of 50,000 DH under this convention
    assert 'value="35000.00"' in text  # the amount proposed: what the project requests


def test_an_order_that_would_overspend_is_refused_on_top_of_the_page(client_for, staff, officer, convention):
    project = funded(staff, officer, convention, "20000.00", lines=[("Four", 1, "30000.00")],
                     cash_grant="5000.00", own="40000.00")
    from .factories import SupplierFactory

    supplier = SupplierFactory()
    response = client_for(staff).post(
        reverse("grants:purchase_order_create_lines", args=[convention.pk]),
        {"supplier": supplier.pk, "ordered_on": "2024-10-15",
         "lines": [line.pk for line in project.equipment_items.all()]},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert project.reference in " ".join(form.non_field_errors())
    text = page(response)
    assert text.index("20\u00a0000,00\u00a0DH") < text.index('name="lines"')
    assert not PurchaseOrder.objects.exists()


def test_the_payment_page_says_what_remains_of_the_approved_amount(client_for, staff, project):
    second = Project.objects.get(pk=project.pk)
    response = client_for(staff).get(reverse("grants:disbursement_create", args=[second.public_id]))
    assert "35\u00a0000,00\u00a0DH" in page(response) and ConventionFigures.objects.exists()
