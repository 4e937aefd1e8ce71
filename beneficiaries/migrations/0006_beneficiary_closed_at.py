"""The date a file was closed, from which the retention period of law 09-08 runs (it
ran from the file's last change, which any later edit restarted).

Files already closed get the moment of their last move to "closed" in their history (a
history record whose status is closed after one that was not, or the first record); a
closed file without such a record keeps its last change, the date the rule used so far.
"""

from django.db import migrations, models


def closure_dates(apps, schema_editor):
    Beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    HistoricalBeneficiary = apps.get_model("beneficiaries", "HistoricalBeneficiary")
    closed = dict(Beneficiary.objects.filter(status="closed").values_list("pk", "updated_at"))
    closed_since: dict[int, object] = {}
    previous: dict[int, str] = {}
    records = (
        HistoricalBeneficiary.objects.filter(id__in=list(closed))
        .order_by("id", "history_date", "history_id")
        .values_list("id", "status", "history_date")
    )
    for pk, status, at in records.iterator(chunk_size=2000):
        if status == "closed" and previous.get(pk) != "closed":
            closed_since[pk] = at
        previous[pk] = status
    changed = []
    for pk, updated_at in closed.items():
        changed.append(Beneficiary(pk=pk, closed_at=closed_since.get(pk, updated_at)))
    Beneficiary.objects.bulk_update(changed, ["closed_at"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("beneficiaries", "0005_name_order_index_with_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="beneficiary",
            name="closed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="closed at"),
        ),
        migrations.AddField(
            model_name="historicalbeneficiary",
            name="closed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="closed at"),
        ),
        # Backwards, the column goes with its values: nothing to undo first.
        migrations.RunPython(closure_dates, migrations.RunPython.noop),
    ]
