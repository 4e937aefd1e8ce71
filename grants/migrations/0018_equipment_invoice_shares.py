"""Each equipment line of an invoiced order carries its share of the invoice
(`EquipmentItem.invoiced_amount`): what it costs its convention from then on, the
convention's "disbursed" counting the invoice instead of the ordered prices.

The invoices already recorded are shared among their lines in proportion to the lines'
prices, to the centime, as `grants.services.allocate` does; an amount already recorded is
not changed. The conventions' stored figures (`ConventionFigures`, a copy of sums kept for
the pages) count the shares from then on. An invoice that differed from its lines' total
now shows in the figures: if that takes a project or a convention above what it may
spend, `manage.py check_ledger` says so. Going back drops the shares (and counts the
lines' prices again).
"""

from decimal import ROUND_DOWN, Decimal

from django.db import migrations, models
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

MONEY = DecimalField(max_digits=14, decimal_places=2)


def allocate(amount, weights):
    """The same sharing as grants.services.allocate (frozen here, as migrations are)."""
    cents = int((amount * 100).to_integral_value())
    if not any(weights):
        weights = [Decimal(1)] * len(weights)
    whole = sum(weights)
    exact = [Decimal(cents) * weight / whole for weight in weights]
    shares = [int(value.to_integral_value(rounding=ROUND_DOWN)) for value in exact]
    left = cents - sum(shares)
    for index in sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))[:left]:
        shares[index] += 1
    return [Decimal(share).scaleb(-2) for share in shares]


def share_invoices(apps, schema_editor):
    PurchaseOrder = apps.get_model("grants", "PurchaseOrder")
    EquipmentItem = apps.get_model("grants", "EquipmentItem")
    orders = PurchaseOrder.objects.filter(status="invoiced", invoice_amount__isnull=False)
    for order_id, invoice in orders.order_by("pk").values_list("pk", "invoice_amount").iterator(chunk_size=2000):
        lines = list(EquipmentItem.objects.filter(purchase_order=order_id).order_by("pk"))
        if not lines:
            continue
        shares = allocate(invoice, [line.quantity * line.unit_price for line in lines])
        for line, share in zip(lines, shares, strict=True):
            line.invoiced_amount = share
        EquipmentItem.objects.bulk_update(lines, ["invoiced_amount"])


def sum_of(queryset, expression):
    summed = (
        queryset.order_by().annotate(_group=Value(1)).values("_group")
        .annotate(total=Sum(expression, output_field=MONEY)).values("total")
    )
    return Coalesce(Subquery(summed, output_field=MONEY), Value(0), output_field=MONEY)


def stored_disbursed(apps, invoiced):
    """Set each convention's stored disbursed figure: its cash paid and `invoiced` (the
    lines' expression summed over its invoiced lines)."""
    figures = apps.get_model("grants", "ConventionFigures")
    disbursement = apps.get_model("grants", "Disbursement")
    line = apps.get_model("grants", "EquipmentItem")
    convention = OuterRef("convention")
    figures.objects.update(disbursed=(
        sum_of(disbursement.objects.filter(project__convention=convention), "amount")
        + sum_of(line.objects.filter(project__convention=convention, purchase_order__status="invoiced"), invoiced)
    ))


def count_shares(apps, schema_editor):
    stored_disbursed(apps, Coalesce(F("invoiced_amount"), Value(0), output_field=MONEY))


def count_prices(apps, schema_editor):
    stored_disbursed(apps, F("quantity") * F("unit_price"))


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0017_project_requested_amount_computed"),
    ]

    operations = [
        migrations.AddField(
            model_name="equipmentitem",
            name="invoiced_amount",
            field=models.DecimalField(blank=True, decimal_places=2, editable=False, help_text="The part of its order's invoice that falls on this line.", max_digits=12, null=True, verbose_name="share of the invoice (DH)"),
        ),
        migrations.AddField(
            model_name="historicalequipmentitem",
            name="invoiced_amount",
            field=models.DecimalField(blank=True, decimal_places=2, editable=False, help_text="The part of its order's invoice that falls on this line.", max_digits=12, null=True, verbose_name="share of the invoice (DH)"),
        ),
        migrations.RunPython(share_invoices, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(count_shares, count_prices, elidable=True),
        migrations.AddConstraint(
            model_name="equipmentitem",
            constraint=models.CheckConstraint(condition=models.Q(("invoiced_amount__isnull", True), models.Q(("invoiced_amount__gte", 0), ("purchase_order__isnull", False)), _connector="OR"), name="equipment_invoiced_share_on_an_order"),
        ),
        # A convention's disbursed figure reads the lines' shares: it no longer joins the
        # invoiced orders, whose index goes.
        migrations.RemoveIndex(
            model_name="purchaseorder",
            name="purchase_order_invoiced",
        ),
        # The sums of the ledger read the share with the prices, from the index alone.
        migrations.RemoveIndex(
            model_name="equipmentitem",
            name="equipment_status_project",
        ),
        migrations.RemoveIndex(
            model_name="equipmentitem",
            name="equipment_project_figures",
        ),
        migrations.AddIndex(
            model_name="equipmentitem",
            index=models.Index(fields=["status", "project"], include=("quantity", "unit_price", "invoiced_amount"), name="equipment_status_project_cost"),
        ),
        migrations.AddIndex(
            model_name="equipmentitem",
            index=models.Index(fields=["project"], include=("purchase_order", "quantity", "unit_price", "invoiced_amount"), name="equipment_project_ledger"),
        ),
    ]
