"""Penitentiary establishments get an Arabic name (the Arabic pages and documents show it),
sorted by it in Arabic and in French collation otherwise; the establishments the
application ships with its demonstration get theirs. Others are named in Arabic in the
admin (its list filters the establishments without an Arabic name)."""

import reintegration.common.collation
import reintegration.common.validators
from django.db import migrations, models

# The establishments of `beneficiaries/demo.py`, by their French name.
ARABIC_NAMES = {
    "Prison locale Tiflet 2": "السجن المحلي تيفلت 2",
    "Prison locale Arjat 1": "السجن المحلي العرجات 1",
    "Prison locale Salé 2": "السجن المحلي سلا 2",
    "Prison centrale Kénitra": "السجن المركزي القنيطرة",
}


def name_in_arabic(apps, schema_editor):
    establishments = apps.get_model("beneficiaries", "PenitentiaryEstablishment")
    for name, name_ar in ARABIC_NAMES.items():
        establishments.objects.filter(name=name, name_ar="").update(name_ar=name_ar)


def field():
    return models.CharField(
        blank=True, help_text="Shown on the Arabic pages and documents.", max_length=200,
        validators=[reintegration.common.validators.validate_arabic_text], verbose_name="name (Arabic)",
    )


class Migration(migrations.Migration):

    dependencies = [
        ("beneficiaries", "0007_upload_check_and_phone_validator"),
    ]

    operations = [
        migrations.AddField(model_name="historicalpenitentiaryestablishment", name="name_ar", field=field()),
        migrations.AddField(model_name="penitentiaryestablishment", name="name_ar", field=field()),
        migrations.RunPython(name_in_arabic, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="penitentiaryestablishment",
            options={
                "ordering": [reintegration.common.collation.LocalisedOrder("name", "name_ar")],
                "verbose_name": "penitentiary establishment",
                "verbose_name_plural": "penitentiary establishments",
            },
        ),
    ]
