"""Load the 12 regions and 75 prefectures and provinces (HCP, RGPH 2024).

The CSV files are part of the app (territories/data/), so a deployment never depends on
anything outside the repository.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Region = apps.get_model("territories", "Region")
    Prefecture = apps.get_model("territories", "Prefecture")
    with open(DATA / "morocco_regions.csv", encoding="utf-8") as f:
        regions = {
            row["region_code"]: Region.objects.create(
                code=row["region_code"], name_fr=row["region_name_fr"], name_ar=row["region_name_ar"]
            )
            for row in csv.DictReader(f)
        }
    with open(DATA / "morocco_territories.csv", encoding="utf-8") as f:
        Prefecture.objects.bulk_create(
            Prefecture(
                code=row["prefecture_code"],
                name_fr=row["prefecture_name_fr"],
                name_ar=row["prefecture_name_ar"],
                kind=row["kind"],
                region=regions[row["region_code"]],
            )
            for row in csv.DictReader(f)
        )


def unload(apps, schema_editor):
    apps.get_model("territories", "Prefecture").objects.all().delete()
    apps.get_model("territories", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
