"""The demo seed of procurement: orders, deliveries, cash grants and visits, idempotent."""

import datetime
import io
from decimal import Decimal

import pytest

from grants import procurement_demo
from grants.models import (
    Disbursement,
    EquipmentItem,
    FollowUpVisit,
    Project,
    PurchaseOrder,
    Supplier,
)

from .factories import ConventionFactory, EquipmentItemFactory, ProjectFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users(staff, admin_user):
    return {"staff": staff, "admin": admin_user, "staff_rabat": UserFactory()}


def test_the_seed_buys_delivers_and_pays_for_the_approved_temara_projects_once(demo_users, temara):
    convention = ConventionFactory(prefecture=temara, quote_threshold=Decimal("20000.00"))
    carpentry = SectorFactory(name_fr="Menuiserie", name_ar="نجارة", name_en="Carpentry")
    projects = [
        ProjectFactory(status=Project.Status.APPROVED, convention=convention,
                       approved_amount=Decimal("60000"), cash_grant_amount=Decimal("5000.00"),
                       **({"sector": carpentry} if i == 2 else {}))
        for i in range(3)
    ]
    for project in projects:
        EquipmentItemFactory(project=project, unit_price=Decimal("30000.00"))
        EquipmentItemFactory(project=project, quantity=2, unit_price=Decimal("1500.00"))
    launched = ProjectFactory(status=Project.Status.ACTIVE, convention=convention,
                              approved_amount=Decimal("1"), launched_on=datetime.date(2024, 6, 3))

    procurement_demo.seed(users=demo_users, stdout=io.StringIO())
    procurement_demo.seed(users=demo_users, stdout=io.StringIO())

    assert Supplier.objects.count() == 3
    assert PurchaseOrder.objects.count() == 2
    assert set(PurchaseOrder.objects.values_list("status", flat=True)) == {PurchaseOrder.Status.INVOICED}
    assert not EquipmentItem.objects.exclude(status=EquipmentItem.Status.DELIVERED).exists()
    assert sum(order.invoice_differs for order in PurchaseOrder.objects.all()) == 1
    assert all(order.quotes.count() == 3 for order in PurchaseOrder.objects.all())
    assert set(Project.objects.ready_for_ceremony()) == set(projects)
    assert Disbursement.objects.count() == 4
    assert launched.visits.count() == 5
    assert FollowUpVisit.objects.filter(visited_on__isnull=False).count() == 1
