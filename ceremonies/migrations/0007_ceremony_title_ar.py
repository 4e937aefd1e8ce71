"""An optional Arabic title of the ceremony, printed in the Arabic half of its documents."""

import reintegration.common.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ceremonies', '0006_upload_check'),
    ]

    operations = [
        migrations.AddField(
            model_name='ceremony',
            name='title_ar',
            field=models.CharField(blank=True, help_text='Printed in the Arabic half of the documents; the French title otherwise.', max_length=255, validators=[reintegration.common.validators.validate_arabic_text], verbose_name='title (Arabic)'),
        ),
        migrations.AddField(
            model_name='historicalceremony',
            name='title_ar',
            field=models.CharField(blank=True, help_text='Printed in the Arabic half of the documents; the French title otherwise.', max_length=255, validators=[reintegration.common.validators.validate_arabic_text], verbose_name='title (Arabic)'),
        ),
    ]
