"""People's names sorted in French collation ("Élise" among the E, not after "Zineb"):
the columns carry the collation, so the list's order index (rebuilt by PostgreSQL with
the column) serves the new order. The collation `french` comes from territories 0003
(PostgreSQL) or from PyICU (SQLite): reintegration/common/collation.py."""

import reintegration.common.validators
from django.db import migrations, models


def name_field(label):
    return models.CharField(
        db_collation="french", max_length=100,
        validators=[reintegration.common.validators.validate_latin_name], verbose_name=label,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("beneficiaries", "0008_establishment_arabic_name"),
        ("territories", "0003_territories_in_collation_order"),  # makes the collation
    ]

    operations = [
        migrations.AlterField(model_name="beneficiary", name="first_name", field=name_field("first name")),
        migrations.AlterField(model_name="beneficiary", name="last_name", field=name_field("last name")),
    ]
