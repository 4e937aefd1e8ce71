"""The ledger's doors at the same moment (issue 16, PostgreSQL row locks): whichever comes
second sees what the first wrote, so a project never engages and pays more than its
approved amount, nor a convention disburses more than it committed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from grants import ledger, services
from grants.models import Amendment, Project
from procurement import services as procurement
from procurement.models import Disbursement, PurchaseOrder

from .concurrency import at_the_same_time
from .factories import ConventionFactory, SupplierFactory
from .test_ledger import delivered, funded, invoice, order

# Decided before any database set-up: SQLite ignores `select_for_update`.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def refusals(outcomes) -> list[bool]:
    assert all(outcome is None or isinstance(outcome, ValidationError) for outcome in outcomes), outcomes
    return [outcome is not None for outcome in outcomes]


def spent(project) -> Decimal:
    return services.project_money(project).spent


@pytest.fixture
def convention(temara):
    return ConventionFactory(prefecture=temara, envelope=Decimal("500000.00"))


def test_two_payments_at_once_never_pass_the_approved_amount(staff, officer, convention):
    # Each payment fits the cash grant (20,000 DH) and alone the approved amount; not both.
    project = funded(staff, officer, convention, "35000.00", lines=[("Four", 1, "20000.00")],
                     cash_grant="20000.00", own="30000.00")
    order(staff, convention, list(project.equipment_items.all()))

    def pay():
        procurement.record_disbursement(
            project=Project.objects.get(pk=project.pk), amount=Decimal("10000.00"), method="transfer",
            paid_on=datetime.date(2024, 12, 6), reference="", user=staff,
        )

    assert sorted(refusals(at_the_same_time(pay, pay))) == [False, True]
    assert Disbursement.objects.count() == 1
    assert spent(project) == Decimal("30000.00")
    assert ledger.check().breaches == []


def test_two_invoices_at_once_never_pass_the_approved_amount(staff, officer, convention):
    # Two orders of 10,000 DH; an amendment after them allows 800 DH more in all, so each
    # invoice of 10,500 DH alone fits, not both.
    project = funded(staff, officer, convention, "20000.00",
                     lines=[("Four", 1, "10000.00"), ("Pétrin", 1, "10000.00")], cash_grant="0.00",
                     own="20000.00")
    oven, kneader = project.equipment_items.order_by("pk")
    first = delivered(staff, order(staff, convention, [oven]))
    second = delivered(staff, order(staff, convention, [kneader]))
    amendment = services.request_amendment(project=project, user=staff, amount=Decimal("20800.00"),
                                           reason="Hausse des prix du fournisseur.")
    services.approve_amendment(amendment=amendment, officer=officer, amount=amendment.requested_amount,
                               reason="Justifié.")

    outcomes = at_the_same_time(
        lambda: invoice(staff, PurchaseOrder.objects.get(pk=first.pk), "10500.00"),
        lambda: invoice(staff, PurchaseOrder.objects.get(pk=second.pk), "10500.00"),
    )

    assert sorted(refusals(outcomes)) == [False, True]
    assert PurchaseOrder.objects.filter(status=PurchaseOrder.Status.INVOICED).count() == 1
    assert spent(project) == Decimal("20500.00")
    assert ledger.check().breaches == []


def test_a_payment_and_an_amendment_at_once_never_leave_a_project_above_its_amount(
    staff, officer, convention
):
    # 30,000 DH ordered, 10,000 DH of cash grant still to pay, approved 40,000 DH; staff
    # pay the cash grant while the officer lowers the amount to 30,000 DH: one of them
    # is refused, whichever comes second.
    project = funded(staff, officer, convention, "40000.00", lines=[("Four", 1, "30000.00")],
                     cash_grant="10000.00", own="30000.00")
    order(staff, convention, list(project.equipment_items.all()))
    amendment = services.request_amendment(project=project, user=staff, amount=Decimal("30000.00"),
                                           reason="Le bénéficiaire renonce à l'aide en numéraire.")

    outcomes = at_the_same_time(
        lambda: procurement.record_disbursement(
            project=Project.objects.get(pk=project.pk), amount=Decimal("10000.00"), method="transfer",
            paid_on=datetime.date(2024, 12, 6), reference="", user=staff,
        ),
        lambda: services.approve_amendment(amendment=Amendment.objects.get(pk=amendment.pk), officer=officer,
                                           amount=Decimal("30000.00"), reason="Accord."),
    )

    assert sorted(refusals(outcomes)) == [False, True]
    project.refresh_from_db()
    assert spent(project) <= project.approved_amount
    assert (project.approved_amount, spent(project)) in {
        (Decimal("40000.00"), Decimal("40000.00")), (Decimal("30000.00"), Decimal("30000.00")),
    }
    assert ledger.check().breaches == []


def test_an_order_and_a_cancellation_at_once_never_engage_too_much(staff, officer, convention):
    # Approved 25,000 DH; a draft order holds the oven (20,000 DH). Cancelling it while
    # ordering the kneader (20,000 DH): the order passes only if the cancellation came first.
    project = funded(staff, officer, convention, "25000.00",
                     lines=[("Four", 1, "20000.00"), ("Pétrin", 1, "20000.00")], cash_grant="0.00",
                     own="30000.00")
    oven, kneader = project.equipment_items.order_by("pk")
    draft = order(staff, convention, [oven])
    supplier = SupplierFactory()

    outcomes = at_the_same_time(
        lambda: procurement.cancel_purchase_order(purchase_order=PurchaseOrder.objects.get(pk=draft.pk),
                                                  user=staff),
        lambda: procurement.create_purchase_order(supplier=supplier, convention=convention, lines=[kneader],
                                                  user=staff, ordered_on=datetime.date(2024, 10, 15)),
    )

    cancelled, ordered = refusals(outcomes)
    assert not cancelled
    assert not PurchaseOrder.objects.filter(pk=draft.pk).exists()
    assert PurchaseOrder.objects.count() == (0 if ordered else 1)
    assert spent(project) == (Decimal("0.00") if ordered else Decimal("20000.00"))
    assert ledger.check().breaches == []
