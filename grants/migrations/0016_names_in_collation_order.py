"""Partners, sectors and suppliers listed in French collation (sectors by their Arabic
name in Arabic): reintegration/common/collation.py. Nothing changes in the tables."""

import reintegration.common.collation
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0015_arabic_titles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="partner",
            options={"ordering": [reintegration.common.collation.LocalisedOrder("name")],
                     "verbose_name": "partner", "verbose_name_plural": "partners"},
        ),
        migrations.AlterModelOptions(
            name="sector",
            options={"ordering": [reintegration.common.collation.LocalisedOrder(
                "name_fr", "name_ar", english="name_en")],
                     "verbose_name": "sector", "verbose_name_plural": "sectors"},
        ),
        migrations.AlterModelOptions(
            name="supplier",
            options={"ordering": [reintegration.common.collation.LocalisedOrder("name")],
                     "verbose_name": "supplier", "verbose_name_plural": "suppliers"},
        ),
    ]
