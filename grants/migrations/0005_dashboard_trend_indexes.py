# The dashboard's monthly trend reads the submissions and approvals of the last twelve
# months: ranges on these columns instead of scans of the projects and their events.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0004_project_outcome'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='project',
            index=models.Index(fields=['submitted_at'], name='project_submitted_at'),
        ),
        migrations.AddIndex(
            model_name='projectevent',
            index=models.Index(fields=['to_status', 'at'], name='event_status_at'),
        ),
    ]
