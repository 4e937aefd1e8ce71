"""Optional Arabic titles of conventions and projects and Arabic designations of equipment
lines, printed in the Arabic half of the certificates, minutes and reports."""

import reintegration.common.validators
from django.db import migrations, models

CONVENTION_HELP = "Printed in the Arabic half of the documents; the French title otherwise."
PROJECT_HELP = ("Printed in the Arabic half of the certificate and the minutes; the French "
                "title otherwise.")
LINE_HELP = "Printed in the Arabic half of the certificate; the French otherwise."


def arabic(label, max_length, help_text):
    return models.CharField(
        blank=True, help_text=help_text, max_length=max_length,
        validators=[reintegration.common.validators.validate_arabic_text], verbose_name=label,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0014_upload_check_framework_and_bank_documents"),
    ]

    operations = [
        migrations.AddField(model_name="convention", name="title_ar",
                            field=arabic("title (Arabic)", 255, CONVENTION_HELP)),
        migrations.AddField(model_name="historicalconvention", name="title_ar",
                            field=arabic("title (Arabic)", 255, CONVENTION_HELP)),
        migrations.AddField(model_name="project", name="title_ar",
                            field=arabic("title (Arabic)", 200, PROJECT_HELP)),
        migrations.AddField(model_name="historicalproject", name="title_ar",
                            field=arabic("title (Arabic)", 200, PROJECT_HELP)),
        migrations.AddField(model_name="equipmentitem", name="designation_ar",
                            field=arabic("designation (Arabic)", 200, LINE_HELP)),
        migrations.AddField(model_name="historicalequipmentitem", name="designation_ar",
                            field=arabic("designation (Arabic)", 200, LINE_HELP)),
    ]
