"""Each existing purchase order gets the supplier's RIB and ICE as they were when it was
sent (read back from the suppliers' history), or as they are now for a draft or where the
history says nothing. Nothing else is rewritten."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

BATCH = 2000


def backfill(apps, schema_editor):
    order_model = apps.get_model("grants", "PurchaseOrder")
    order_history = apps.get_model("grants", "HistoricalPurchaseOrder")
    supplier_history = apps.get_model("grants", "HistoricalSupplier")
    # The moment each order left the draft state, from its own history.
    sent_at = (
        order_history.objects.filter(id=OuterRef("pk")).exclude(status="draft")
        .order_by("history_date").values("history_date")[:1]
    )
    supplier_then = supplier_history.objects.filter(
        id=OuterRef("supplier_id"), history_date__lte=OuterRef("sent_at")
    ).order_by("-history_date", "-history_id")
    rows = (
        order_model.objects.annotate(sent_at=Subquery(sent_at))
        .annotate(
            rib_then=Subquery(supplier_then.values("rib")[:1]),
            ice_then=Subquery(supplier_then.values("ice")[:1]),
        )
        .values_list("pk", "status", "rib_then", "ice_then", "supplier__rib", "supplier__ice")
        .order_by("pk")
    )
    batch = []
    for pk, status, rib_then, ice_then, rib_now, ice_now in rows.iterator(chunk_size=BATCH):
        sent = status != "draft" and rib_then is not None
        batch.append(order_model(
            pk=pk,
            supplier_rib=rib_then if sent else rib_now,
            supplier_ice=ice_then if sent else ice_now,
        ))
        if len(batch) == BATCH:
            order_model.objects.bulk_update(batch, ["supplier_rib", "supplier_ice"])
            batch = []
    if batch:
        order_model.objects.bulk_update(batch, ["supplier_rib", "supplier_ice"])


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0009_supplier_bank_change"),
    ]

    operations = [
        # Reversed with nothing to do: the reverse of 0009 drops the columns.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
