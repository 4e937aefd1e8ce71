"""Two payments or two orders entered at the same moment (PostgreSQL: row locks)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from grants.models import Project
from procurement import services as procurement
from procurement.models import Disbursement, PurchaseOrder

from .concurrency import at_the_same_time
from .factories import ConventionFactory, EquipmentItemFactory, ProjectFactory, SupplierFactory

# Decided before any database set-up: SQLite ignores `select_for_update`.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_payments_at_once_never_exceed_the_cash_grant(staff, temara):
    convention = ConventionFactory(prefecture=temara)
    project = ProjectFactory(status=Project.Status.APPROVED, convention=convention,
                             approved_amount=Decimal("60000.00"), cash_grant_amount=Decimal("5000.00"))

    def pay():
        procurement.record_disbursement(project=project, amount=Decimal("3000.00"), method="transfer",
                                        paid_on=datetime.date(2024, 12, 6), reference="", user=staff)

    outcomes = at_the_same_time(pay, pay)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["NoneType", "ValidationError"]
    assert Disbursement.objects.filter(project=project).count() == 1


def test_two_orders_at_once_cannot_take_the_same_line(staff, temara):
    convention = ConventionFactory(prefecture=temara)
    project = ProjectFactory(status=Project.Status.APPROVED, convention=convention,
                             approved_amount=Decimal("60000.00"))
    line = EquipmentItemFactory(project=project)
    supplier = SupplierFactory()

    def order():
        procurement.create_purchase_order(supplier=supplier, convention=convention, lines=[line],
                                          user=staff, ordered_on=datetime.date(2024, 10, 1))

    outcomes = at_the_same_time(order, order)

    assert [isinstance(outcome, ValidationError) for outcome in outcomes].count(True) == 1, outcomes
    assert PurchaseOrder.objects.count() == 1
