"""The upgrade from the schema before procurement and follow-up left grants (grants 0019): a database
with a row in every moved table migrates forward in place, every row kept and read
through the new models, their content types and permissions with them (PostgreSQL)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from followup.models import FollowUpVisit, ProjectOutcome
from grants.models import EquipmentItem
from procurement.models import Disbursement, PurchaseOrder, Quote, Supplier, SupplierBankChange

from .factories import ConventionFactory, EquipmentItemFactory, ProjectFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the production database's upgrade"),
    pytest.mark.django_db(transaction=True),
]

# Today's main: grants up to its last migration, before any of the new apps.
BEFORE = [("grants", "0019_amendment"), ("procurement", None), ("followup", None)]

# (old app, model) -> the new model: every table that moved, with its history's.
MOVED = {
    ("grants", "Supplier"): Supplier,
    ("grants", "SupplierBankChange"): SupplierBankChange,
    ("grants", "PurchaseOrder"): PurchaseOrder,
    ("grants", "Quote"): Quote,
    ("grants", "Disbursement"): Disbursement,
    ("grants", "FollowUpVisit"): FollowUpVisit,
    ("grants", "ProjectOutcome"): ProjectOutcome,
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(
        [target for target in targets if target[1] is not None] or None
    ).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def history_of(old_apps, app: str, model: str, obj, user) -> None:
    """One history row of `obj`, as simple_history writes them."""
    historical = old_apps.get_model(app, f"Historical{model}")
    values = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
    }
    historical.objects.create(
        **values, history_date=timezone.now(), history_type="+", history_user_id=user.pk,
        history_change_reason="before the move",
    )


def test_every_moved_row_is_kept_and_read_through_the_new_models():
    staff = UserFactory()
    convention = ConventionFactory()
    project = ProjectFactory(convention=convention)
    line = EquipmentItemFactory(project=project)
    try:
        old = migrate(BEFORE)
        # Backwards first: the content types went back to grants.
        assert ContentType.objects.filter(app_label="grants", model="supplier").exists()
        # (Models born in the new apps since, such as followup's alerts, keep theirs.)
        moved_names = {model.lower() for _app, model in MOVED}
        moved_names |= {f"historical{name}" for name in moved_names}
        assert not ContentType.objects.filter(
            app_label__in=["procurement", "followup"], model__in=moved_names
        ).exists()
        add_supplier = Permission.objects.get(content_type__app_label="grants", codename="add_supplier")
        group = Group.objects.create(name="buyers")
        group.permissions.add(add_supplier)
        buyer = UserFactory()
        buyer.groups.add(group)
        content_type = ContentType.objects.get(app_label="grants", model="purchaseorder")

        rows = {}
        supplier = old.get_model("grants", "Supplier").objects.create(
            name="Atlas Équipement", ice="", rib="", created_at=timezone.now()
        )
        rows["Supplier"] = supplier
        rows["SupplierBankChange"] = old.get_model("grants", "SupplierBankChange").objects.create(
            supplier=supplier, old_rib="", new_rib="", old_ice="", new_ice="001525148000087",
            reason="Nouvelle banque", document="bank_certificates/x.pdf", requested_by_id=staff.pk,
            requested_at=timezone.now(),
        )
        order = old.get_model("grants", "PurchaseOrder").objects.create(
            number="BC-2026-00001", supplier=supplier, convention_id=convention.pk,
            ordered_on=datetime.date(2026, 1, 5), status="sent", created_at=timezone.now(),
        )
        rows["PurchaseOrder"] = order
        old.get_model("grants", "EquipmentItem").objects.filter(pk=line.pk).update(
            purchase_order=order, supplier=supplier, status="ordered"
        )
        rows["Quote"] = old.get_model("grants", "Quote").objects.create(
            purchase_order=order, supplier=supplier, amount=Decimal("1200.00"),
            quoted_on=datetime.date(2026, 1, 2),
        )
        rows["Disbursement"] = old.get_model("grants", "Disbursement").objects.create(
            project_id=project.pk, amount=Decimal("2000.00"), paid_on=datetime.date(2026, 1, 9),
            method="cheque", reference="CHQ-1", created_at=timezone.now(),
        )
        rows["FollowUpVisit"] = old.get_model("grants", "FollowUpVisit").objects.create(
            project_id=project.pk, due_on=datetime.date(2026, 2, 9), visited_on=datetime.date(2026, 2, 10),
            activity_status="active", monthly_revenue=Decimal("3500.00"), jobs_created=1, notes="Bon départ",
        )
        rows["ProjectOutcome"] = old.get_model("grants", "ProjectOutcome").objects.create(
            project_id=project.pk, revenue=Decimal("3500.00"), jobs=1, observed_6=True,
        )
        for model, obj in rows.items():
            if model != "ProjectOutcome":  # kept without a history
                history_of(old, "grants", model, obj, staff)

        migrate(latest())
    finally:
        migrate(latest())

    for (_app, name), model in MOVED.items():
        before = rows[name]
        after = model.objects.get(pk=before.pk)
        # Every column the row had before the move (fields added since take their defaults).
        for field in before._meta.concrete_fields:
            assert getattr(after, field.attname) == getattr(before, field.attname), (name, field.name)
        if hasattr(model, "history"):
            assert list(after.history.values_list("history_change_reason", flat=True)) == ["before the move"]
    assert PurchaseOrder.objects.get().supplier.name == "Atlas Équipement"
    assert EquipmentItem.objects.get(pk=line.pk).purchase_order.number == "BC-2026-00001"
    assert Supplier.objects.get().bank_changes.get().new_ice == "001525148000087"
    assert Disbursement.objects.get().project == project
    assert project.visits.get().notes == "Bon départ"
    assert ProjectOutcome.objects.get(project=project).revenue == Decimal("3500.00")
    # The content types moved with their rows (same keys), and so did the permissions.
    assert ContentType.objects.get_for_model(PurchaseOrder).pk == content_type.pk
    moved = ["supplier", "quote", "followupvisit"]
    assert not ContentType.objects.filter(app_label="grants", model__in=moved).exists()
    assert ContentType.objects.get_for_model(FollowUpVisit).app_label == "followup"
    buyer = type(buyer).objects.get(pk=buyer.pk)
    assert buyer.has_perm("procurement.add_supplier")

