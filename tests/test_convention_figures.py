"""Each convention's committed and disbursed amounts are stored (`ConventionFigures`) and
follow its projects, payments and invoiced equipment through every door that changes
them: the services, the admin (edits, deletions, history reverts), the bench seed's
refresh and the migration's backfill. The oracle is `with_budget_figures()`, which
computes them from the rows (issue 12)."""

import importlib
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse

from grants import services
from grants.models import Convention, ConventionFigures, EquipmentItem, Project
from procurement import services as procurement
from procurement.models import Disbursement, PurchaseOrder

from .admin_forms import admin_form, change_url, posted_back
from .concurrency import at_the_same_time
from .factories import ConventionFactory, ProjectFactory, SupplierFactory
from .test_grants_services import approve, submitted_project
from .test_grants_views import page
from .test_procurement import delivered_order, line, pay

pytestmark = pytest.mark.django_db

Status = Project.Status


def stored(convention) -> tuple[Decimal, Decimal]:
    figures = ConventionFigures.objects.filter(convention=convention).first()
    return (figures.committed, figures.disbursed) if figures else (Decimal("0.00"), Decimal("0.00"))


def computed(convention) -> tuple[Decimal, Decimal]:
    figures = Convention.objects.with_budget_figures().get(pk=convention.pk)
    return figures.committed, figures.disbursed


def assert_every_convention_stores_its_computed_figures():
    for convention in Convention.objects.all():
        assert stored(convention) == computed(convention), convention.reference


def invoice(staff, order, amount=None):
    """The supplier's invoice of `order`: its lines' total unless `amount` says otherwise."""
    amount = order.total if amount is None else Decimal(amount)
    return procurement.record_invoice(
        purchase_order=order, invoice_number=f"F-{order.pk}", invoice_amount=amount, user=staff
    )


def invoiced_order(staff, convention, lines):
    return invoice(staff, delivered_order(staff, convention, SupplierFactory(), lines))


def approved(staff, officer, convention, amount="35000.00"):
    """A project of 30,000 DH of equipment approved for `amount`, its cash grant making up
    the rest of what it requests (at least 5,000 DH)."""
    cash_grant = max(Decimal("5000.00"), Decimal(amount) - Decimal("30000.00"))
    return approve(submitted_project(staff, cash_grant_amount=cash_grant), officer, convention, amount)


# --- the services ---------------------------------------------------------------------

def test_an_approval_stores_the_convention_s_new_commitment(staff, officer):
    convention = ConventionFactory(envelope=Decimal("100000.00"))
    assert stored(convention) == (0, 0)
    approved(staff, officer, convention, "35000.50")
    assert stored(convention) == (Decimal("35000.50"), Decimal("0.00"))
    approved(staff, officer, convention, "10000.00")
    assert stored(convention) == (Decimal("45000.50"), Decimal("0.00"))


def test_a_payment_and_an_invoice_store_the_disbursed_amount(staff, officer):
    convention = ConventionFactory()
    project = approved(staff, officer, convention, "40000.00")
    pay(staff, project, "3000.00")
    assert stored(convention) == (Decimal("40000.00"), Decimal("3000.00"))
    order = delivered_order(staff, convention, SupplierFactory(), list(project.equipment_items.all()))
    assert stored(convention)[1] == Decimal("3000.00")  # delivered, not yet invoiced
    invoice(staff, order, "29000.00")  # the invoice counts, not the lines' 30,000 DH
    assert stored(convention) == (Decimal("40000.00"), Decimal("32000.00"))


def test_the_pages_show_the_stored_figures(client_for, auditor, staff, officer):
    convention = ConventionFactory(envelope=Decimal("500000.00"))
    project = approved(staff, officer, convention, "120000.00")
    pay(staff, project, "5000.00")
    ConventionFigures.objects.filter(convention=convention).update(disbursed=Decimal("4321.00"))
    client = client_for(auditor)
    for url in (convention.get_absolute_url(), project.get_absolute_url()):
        text = page(client.get(url))
        assert "120\u00a0000,00\u00a0DH" in text and "380\u00a0000,00\u00a0DH" in text
        assert "4\u00a0321,00\u00a0DH" in text  # read, not summed again


def test_a_convention_without_stored_figures_shows_zero(client_for, auditor):
    convention = ConventionFactory(envelope=Decimal("70000.00"))
    assert not ConventionFigures.objects.filter(convention=convention).exists()
    text = page(client_for(auditor).get(convention.get_absolute_url()))
    assert "0,00\u00a0DH" in text and "70\u00a0000,00\u00a0DH" in text


# --- the Django admin -------------------------------------------------------------------

@pytest.fixture
def world(staff, officer):
    """Two conventions of Skhirate-Témara, each with a project paid and its equipment
    (3 × 10,000 DH) invoiced, made through the services."""
    first, second = ConventionFactory(), ConventionFactory()
    projects = []
    for convention, amount in ((first, "40000.00"), (second, "35000.00")):
        project = approved(staff, officer, convention, amount)
        pay(staff, project, "2000.00")
        invoiced_order(staff, convention, list(project.equipment_items.all()))
        projects.append(project)
    assert stored(first) == (Decimal("40000.00"), Decimal("32000.00"))
    assert stored(second) == (Decimal("35000.00"), Decimal("32000.00"))
    return SimpleNamespace(first=first, second=second, projects=projects)


def test_changing_an_invoiced_line_in_the_admin_refreshes_the_figures(client_for, admin_user, world):
    client = client_for(admin_user)
    item = world.projects[0].equipment_items.first()
    data = admin_form(client, change_url(item))
    response = client.post(change_url(item), {**data, "quantity": "2", "unit_price": "12000.00"})
    assert response.status_code == 302
    # The invoice's 30,000 DH are shared again among the lines (24,000 : 10,000 : 10,000).
    item.refresh_from_db()
    assert item.invoiced_amount == Decimal("16363.64")
    assert stored(world.first) == (Decimal("40000.00"), Decimal("32000.00"))
    assert_every_convention_stores_its_computed_figures()


def test_moving_a_payment_to_another_convention_s_project_refreshes_both(client_for, admin_user, world):
    client = client_for(admin_user)
    payment = Disbursement.objects.get(project=world.projects[0])
    data = admin_form(client, change_url(payment))
    client.post(change_url(payment), {**data, "project": str(world.projects[1].pk)})
    assert stored(world.first)[1] == Decimal("30000.00")
    assert stored(world.second)[1] == Decimal("34000.00")
    assert_every_convention_stores_its_computed_figures()


def test_deleting_in_the_admin_refreshes_the_figures(client_for, admin_user, world):
    client = client_for(admin_user)
    payment = Disbursement.objects.get(project=world.projects[0])
    client.post(reverse("admin:procurement_disbursement_delete", args=[payment.pk]), {"post": "yes"})
    assert stored(world.first)[1] == Decimal("30000.00")
    # A line on an order is part of the supplier's document: it is not deleted.
    item = world.projects[0].equipment_items.first()
    response = client.post(reverse("admin:grants_equipmentitem_delete", args=[item.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert stored(world.first)[1] == Decimal("30000.00")
    assert_every_convention_stores_its_computed_figures()


def test_deleting_in_bulk_in_the_admin_refreshes_every_convention(client_for, admin_user, world):
    client = client_for(admin_user)
    for model, rows in (
        ("procurement_disbursement", Disbursement.objects.all()),
        ("grants_equipmentitem", EquipmentItem.objects.filter(project=world.projects[0]).order_by("pk")[:2]),
    ):
        client.post(reverse(f"admin:{model}_changelist"), {
            "action": "delete_selected", "post": "yes",
            "_selected_action": [str(pk) for pk in rows.values_list("pk", flat=True)],
        })
    # The payments went; the lines, on their supplier's order, stayed.
    assert EquipmentItem.objects.count() == 6
    assert stored(world.first)[1] == Decimal("30000.00")
    assert stored(world.second)[1] == Decimal("30000.00")
    assert_every_convention_stores_its_computed_figures()


def test_editing_a_project_s_lines_inline_in_the_admin_refreshes_the_figures(
    client_for, admin_user, world
):
    client = client_for(admin_user)
    project = world.projects[1]
    data = admin_form(client, change_url(project))
    first_line = next(key for key in data if key.endswith("-unit_price"))
    deleted = first_line.replace("-unit_price", "-DELETE")
    response = client.post(change_url(project), {**data, deleted: "on"})
    # A line on an order is kept; another line, added inline, is a planned one.
    assert response.status_code == 200
    assert "est sur un bon de commande" in page(response) or "is on a purchase order" in page(response)
    assert stored(world.second) == (Decimal("35000.00"), Decimal("32000.00"))
    added = {**data, "equipment_items-TOTAL_FORMS": str(int(data["equipment_items-TOTAL_FORMS"]) + 1)}
    index = int(data["equipment_items-TOTAL_FORMS"])
    added.update({f"equipment_items-{index}-designation": "Étagère", f"equipment_items-{index}-quantity": "1",
                  f"equipment_items-{index}-unit_price": "900.00"})
    response = client.post(change_url(project), added)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert project.equipment_items.count() == 4
    assert_every_convention_stores_its_computed_figures()


def test_reverting_a_project_to_before_its_approval_refreshes_the_commitment(
    client_for, admin_user, staff, officer
):
    convention = ConventionFactory()
    project = approved(staff, officer, convention, "25000.00")
    submitted = project.history.filter(status=Status.SUBMITTED).first()
    client = client_for(admin_user)
    url = reverse("admin:grants_project_simple_history", args=[project.pk, submitted.history_id])
    client.post(url, posted_back(client.get(url).context["adminform"].form))
    project.refresh_from_db()
    assert (project.status, project.convention_id) == (Status.SUBMITTED, None)
    assert stored(convention) == (Decimal("0.00"), Decimal("0.00"))


def test_reverting_an_invoiced_order_refreshes_the_disbursed_amount(client_for, admin_user, world):
    order = PurchaseOrder.objects.get(convention=world.first)
    delivered = order.history.filter(status=PurchaseOrder.Status.DELIVERED).first()
    client = client_for(admin_user)
    url = reverse("admin:procurement_purchaseorder_simple_history", args=[order.pk, delivered.history_id])
    client.post(url, posted_back(client.get(url).context["adminform"].form))
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.DELIVERED
    assert stored(world.first) == (Decimal("40000.00"), Decimal("2000.00"))
    assert_every_convention_stores_its_computed_figures()


def test_deleting_a_funded_project_in_the_admin_refreshes_the_commitment(
    client_for, admin_user, staff, officer
):
    convention = ConventionFactory()
    approved(staff, officer, convention, "10000.00")
    # One moved by the services has a workflow log, which the admin never deletes.
    deleted = ProjectFactory(convention=convention, status=Status.ACTIVE, approved_amount=Decimal("15000.00"))
    assert stored(convention)[0] == Decimal("25000.00")
    client_for(admin_user).post(reverse("admin:grants_project_delete", args=[deleted.pk]), {"post": "yes"})
    assert not Project.objects.filter(pk=deleted.pk).exists()
    assert stored(convention) == (Decimal("10000.00"), Decimal("0.00"))


# --- the same figures as the rows give ----------------------------------------------------

@pytest.fixture
def random_world(staff, officer):
    """Three conventions and twenty projects moved at random (fixed seed) through the
    services: approved or not, paid in instalments, equipment ordered, delivered and
    invoiced or not, some lines repriced."""
    rng = random.Random(7)
    conventions = [ConventionFactory(envelope=Decimal("2000000.00")) for _ in range(3)]
    for _index in range(20):
        # 30,000 DH of equipment and a cash grant of 5,000 to 60,000 DH.
        project = submitted_project(staff, cash_grant_amount=Decimal(rng.randrange(5_000, 60_000)))
        if rng.random() < 0.2:
            continue  # stays submitted: commits nothing
        convention = rng.choice(conventions)
        amount = Decimal(rng.randrange(35_000, 90_000))
        approve(project, officer, convention, str(min(amount, project.requested_amount)))
        if rng.random() < 0.7:
            pay(staff, project, str(rng.randrange(100, 2500)))
        if rng.random() < 0.5:
            pay(staff, project, "1000.00")
        lines = list(project.equipment_items.all())
        for item in lines[: rng.randrange(4)]:
            item.unit_price = Decimal(rng.randrange(500, 10_000))
            item.save(update_fields=["unit_price"])  # still planned: nothing disbursed yet
        chance = rng.random()
        if chance < 0.3:
            invoiced_order(staff, convention, lines)
        elif chance < 0.5:
            delivered_order(staff, convention, SupplierFactory(), lines)
    return conventions


def test_stored_figures_are_the_computed_ones_through_the_services(random_world):
    assert_every_convention_stores_its_computed_figures()
    assert all(stored(convention)[0] > 0 for convention in random_world)
    assert sum(stored(convention)[1] for convention in random_world) > 0


def test_stored_figures_stay_the_computed_ones_through_random_admin_changes(
    random_world, client_for, admin_user
):
    rng = random.Random(11)
    client = client_for(admin_user)
    for _step in range(12):
        action = rng.choice(["line", "payment", "move", "delete"])
        if action == "line":
            item = rng.choice(list(EquipmentItem.objects.filter(purchase_order__isnull=False)))
            data = admin_form(client, change_url(item))
            client.post(change_url(item), {**data, "quantity": str(rng.randrange(1, 4))})
        elif action == "payment":
            payment = rng.choice(list(Disbursement.objects.all()))
            data = admin_form(client, change_url(payment))
            client.post(change_url(payment), {**data, "amount": str(rng.randrange(100, 5000))})
        elif action == "move":
            payment = rng.choice(list(Disbursement.objects.all()))
            target = rng.choice(list(Project.objects.filter(status=Status.APPROVED)))
            data = admin_form(client, change_url(payment))
            client.post(change_url(payment), {**data, "project": str(target.pk)})
        else:
            payment = rng.choice(list(Disbursement.objects.all()))
            client.post(reverse("admin:procurement_disbursement_delete", args=[payment.pk]), {"post": "yes"})
        assert_every_convention_stores_its_computed_figures()


def test_the_migration_s_backfill_writes_what_the_services_write(random_world):
    expected = sorted(ConventionFigures.objects.values_list())
    assert len(expected) == 3
    ConventionFigures.objects.all().delete()
    migration = importlib.import_module("grants.migrations.0008_convention_figures")
    from django.db.migrations.loader import MigrationLoader

    # The models as grants knew them before procurement's moved out (payments included).
    apps = MigrationLoader(connection).project_state(("grants", "0019_amendment")).apps
    migration.backfill(apps, SimpleNamespace(connection=connection))
    assert sorted(ConventionFigures.objects.exclude(committed=0, disbursed=0).values_list()) == expected


def test_a_refresh_of_every_convention_rewrites_the_same_figures(random_world):
    """What the bench seed does after its bulk inserts."""
    expected = sorted(ConventionFigures.objects.values_list())
    ConventionFigures.objects.update(committed=0, disbursed=0)
    services.refresh_convention_figures(conventions=Convention.objects.values_list("pk", flat=True))
    assert sorted(ConventionFigures.objects.values_list()) == expected


# --- at the same moment -------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_payments_invoices_and_approvals_at_the_same_moment_are_all_counted(staff, officer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    convention = ConventionFactory(envelope=Decimal("1000000.00"))
    paid = [approved(staff, officer, convention) for _ in range(4)]  # 35,000 DH each
    ordered = approved(staff, officer, convention)
    order = delivered_order(staff, convention, SupplierFactory(), list(ordered.equipment_items.all()))
    waiting = [submitted_project(staff) for _ in range(2)]

    def fresh(project):
        return Project.objects.get(pk=project.pk)

    outcomes = at_the_same_time(
        *(lambda project=project: pay(staff, fresh(project), "1500.00") for project in paid),
        lambda: invoice(staff, PurchaseOrder.objects.get(pk=order.pk)),
        *(lambda project=project: approve(fresh(project), officer, convention, "30000.00")
          for project in waiting),
    )

    assert outcomes == [None] * 7
    assert stored(convention) == computed(convention)
    assert stored(convention) == (Decimal("235000.00"), Decimal("36000.00"))


def test_a_line_on_no_invoiced_order_is_not_disbursed(staff, officer):
    convention = ConventionFactory()
    project = ProjectFactory(
        convention=convention, status=Status.APPROVED, approved_amount=Decimal("9000.00")
    )
    line(project, quantity=3)
    assert stored(convention) == (Decimal("9000.00"), Decimal("0.00")) == computed(convention)
