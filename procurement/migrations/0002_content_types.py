"""The content types of procurement's models, and so their permissions (and the admin's
log entries), follow them from grants to procurement. Reversible."""

from django.db import migrations

MODELS = [
    "supplier", "historicalsupplier", "supplierbankchange", "historicalsupplierbankchange",
    "purchaseorder", "historicalpurchaseorder", "quote", "historicalquote",
    "disbursement", "historicaldisbursement",
]


def move(apps, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        old = content_type.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue  # a database whose content types are not created yet
        # One made for the target by an earlier `migrate` goes: the old row keeps the
        # permissions that groups and users hold.
        content_type.objects.filter(app_label=target, model=model).delete()
        old.app_label = target
        old.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    move(apps, "grants", "procurement")


def backwards(apps, schema_editor):
    move(apps, "procurement", "grants")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("grants", "0020_procurement_models_to_procurement"),
        ("procurement", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
