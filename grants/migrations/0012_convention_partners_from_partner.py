"""Each existing convention's partner becomes its one partner at 100 % of the envelope,
so that every convention says who funds it. Conventions that already have partners'
shares are left alone."""

from decimal import Decimal

from django.db import migrations


def backfill(apps, schema_editor):
    convention_model = apps.get_model("grants", "Convention")
    share_model = apps.get_model("grants", "ConventionPartner")
    without = convention_model.objects.filter(partner_shares__isnull=True).values_list("pk", "partner_id")
    share_model.objects.bulk_create(
        [share_model(convention_id=pk, partner_id=partner, share=Decimal("100")) for pk, partner in without],
        batch_size=1000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0011_framework_agreement_and_partners"),
    ]

    operations = [
        # Reversed with nothing to do: the reverse of 0011 drops the table.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
