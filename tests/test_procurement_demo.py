"""The demo seeds of procurement and follow-up: orders, deliveries, cash grants and visits,
idempotent."""

import datetime
import io
from decimal import Decimal

import pytest

from followup import demo as followup_demo
from followup.models import FollowUpVisit
from grants.models import Amendment, EquipmentItem, Project
from procurement import demo as procurement_demo
from procurement.models import Disbursement, PurchaseOrder, Supplier
from reintegration.accounts.roles import Role

from .factories import ConventionFactory, EquipmentItemFactory, ProjectFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db


def approved(convention, **kwargs):
    project = ProjectFactory(status=Project.Status.APPROVED, convention=convention,
                             approved_amount=Decimal("60000"), cash_grant_amount=Decimal("5000.00"),
                             prefecture=convention.prefecture, **kwargs)
    EquipmentItemFactory(project=project, unit_price=Decimal("30000.00"))
    EquipmentItemFactory(project=project, quantity=2, unit_price=Decimal("1500.00"))
    return project


def test_the_seed_equips_the_temara_projects_and_follows_an_earlier_rabat_one_once(
    staff, admin_user, temara, rabat
):
    users = {"staff": staff, "admin": admin_user,
             "staff_rabat": UserFactory(role=Role.FOUNDATION_STAFF, prefectures=[rabat]),
             "officer_rabat": UserFactory(role=Role.PREFECTURE_OFFICER, prefectures=[rabat])}
    convention = ConventionFactory(prefecture=temara, quote_threshold=Decimal("20000.00"))
    carpentry = SectorFactory(name_fr="Menuiserie", name_ar="نجارة", name_en="Carpentry")
    temara_projects = [approved(convention), approved(convention), approved(convention, sector=carpentry)]
    snack = approved(ConventionFactory(prefecture=rabat))

    for _twice in range(2):
        procurement_demo.seed(users=users, stdout=io.StringIO())
        followup_demo.seed(users=users, stdout=io.StringIO())

    assert Supplier.objects.count() == 3
    assert PurchaseOrder.objects.count() == 3
    assert set(PurchaseOrder.objects.values_list("status", flat=True)) == {PurchaseOrder.Status.INVOICED}
    # One Témara invoice grants a discount; the Rabat one is above its order, through an
    # amendment of the project that the Rabat officer approved first.
    assert sum(order.invoice_differs for order in PurchaseOrder.objects.all()) == 2
    rabat_order = PurchaseOrder.objects.get(convention=snack.convention)
    assert rabat_order.invoice_amount == rabat_order.total + procurement_demo.RABAT_PRICE_RISE
    amendment = snack.amendments.get()
    assert (amendment.status, amendment.decided_amount) == (Amendment.Status.APPROVED, Decimal("61200.00"))
    assert all(order.quotes.count() == 3 for order in PurchaseOrder.objects.filter(convention=convention))
    # The Témara projects wait for the ceremony with all their equipment delivered.
    assert set(Project.objects.ready_for_ceremony()) == set(temara_projects)
    assert Disbursement.objects.count() == 4
    snack.refresh_from_db()
    assert (snack.status, snack.launched_on) == (Project.Status.ACTIVE, datetime.date(2024, 5, 20))
    assert set(snack.equipment_items.values_list("status", flat=True)) == {EquipmentItem.Status.HANDED_OVER}
    assert snack.visits.count() == 5
    assert FollowUpVisit.objects.filter(visited_on__isnull=False).count() == 3
