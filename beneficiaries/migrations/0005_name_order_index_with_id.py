"""The list's order index (last name, first name) gains the id: a deep page of the list
reads the ids of the rows it skips from the index alone (an index-only scan), then its
own 25 rows (reintegration/common/pagination.py). The new index is built before the old
one goes, so the list always has one; about 0.3 s for 100,000 files."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("beneficiaries", "0004_cin_constraint_message"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(fields=["last_name", "first_name", "id"], name="beneficiary_name_order"),
        ),
        migrations.RemoveIndex(
            model_name="beneficiary",
            name="beneficiari_last_na_858472_idx",
        ),
    ]
