"""A project's requested amount is computed (its equipment lines and its cash grant,
`Project.requested_amount`), no longer typed: the column goes.

What staff had typed played no part in any rule (the officer's approved amount did), but
it may have differed from the lines: the migration says how many projects that concerns.
`manage.py check_ledger` then reports every project whose spending is above its approved
amount (often because a typed request left the cash grant out of it). Reversible: the
column comes back holding the computed amount.
"""

from django.db import migrations, models
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

MONEY = DecimalField(max_digits=14, decimal_places=2)


def computed(apps):
    Project = apps.get_model("grants", "Project")
    EquipmentItem = apps.get_model("grants", "EquipmentItem")
    equipment = (
        EquipmentItem.objects.filter(project=OuterRef("pk")).order_by().values("project")
        .annotate(total=Sum(F("quantity") * F("unit_price"), output_field=MONEY)).values("total")
    )
    return Project.objects.annotate(
        computed=Coalesce(Subquery(equipment, output_field=MONEY), Value(0), output_field=MONEY)
        + F("cash_grant_amount")
    )


def report_typed_amounts(apps, schema_editor):
    differing = computed(apps).exclude(requested_amount=F("computed"))
    count = differing.count()
    if count:
        examples = ", ".join(differing.order_by("reference").values_list("reference", flat=True)[:10])
        print(
            f"\n  {count} projects had a typed requested amount other than their equipment and cash "
            f"grant (e.g. {examples}); it is now computed. Run `manage.py check_ledger`."
        )


def restore_computed_amounts(apps, schema_editor):
    Project = apps.get_model("grants", "Project")
    for pk, amount in computed(apps).values_list("pk", "computed"):
        Project.objects.filter(pk=pk).update(requested_amount=amount)


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0016_names_in_collation_order"),
    ]

    operations = [
        # First, so that going back it runs last, once the column is there again.
        migrations.RunPython(report_typed_amounts, restore_computed_amounts, elidable=True),
        migrations.RemoveConstraint(
            model_name="project",
            name="project_requested_non_negative",
        ),
        migrations.RemoveField(
            model_name="historicalproject",
            name="requested_amount",
        ),
        migrations.RemoveField(
            model_name="project",
            name="requested_amount",
        ),
        migrations.AlterField(
            model_name="historicalproject",
            name="approved_amount",
            field=models.DecimalField(blank=True, decimal_places=2, help_text="The ceiling of everything the project spends from its convention.", max_digits=12, null=True, verbose_name="approved amount (DH)"),
        ),
        migrations.AlterField(
            model_name="project",
            name="approved_amount",
            field=models.DecimalField(blank=True, decimal_places=2, help_text="The ceiling of everything the project spends from its convention.", max_digits=12, null=True, verbose_name="approved amount (DH)"),
        ),
    ]
