"""The application's two collations, and the territories listed in them.

`french` and `arabic` are ICU collations (ICU's `fr` and `ar`, as PostgreSQL's own
`fr-x-icu` and `ar-x-icu`) under names that SQLite's column definitions can carry (no
hyphen); SQLite learns the same names from PyICU on each connection
(reintegration/common/collation.py), so this migration makes them on PostgreSQL only.
Prefectures, provinces and regions are then listed in French collation (Béni Mellal
before Berkane), by their Arabic name in Arabic. Nothing changes in the tables."""

import reintegration.common.collation
from django.contrib.postgres.operations import CreateCollation
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("territories", "0002_load_territories"),
    ]

    operations = [
        CreateCollation("french", provider="icu", locale="fr"),
        CreateCollation("arabic", provider="icu", locale="ar"),
        migrations.AlterModelOptions(
            name="prefecture",
            options={
                "ordering": [reintegration.common.collation.LocalisedOrder("name_fr", "name_ar")],
                "verbose_name": "prefecture or province",
                "verbose_name_plural": "prefectures and provinces",
            },
        ),
        migrations.AlterModelOptions(
            name="region",
            options={
                "ordering": [reintegration.common.collation.LocalisedOrder("name_fr", "name_ar")],
                "verbose_name": "region",
                "verbose_name_plural": "regions",
            },
        ),
    ]
