# The dashboard's figures as last computed, one row per scope (a prefecture or the country)
# and filters, shared by every gunicorn worker (models.FigureSnapshot).

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='FigureSnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(max_length=30, verbose_name='scope')),
                ('filters', models.CharField(blank=True, max_length=100, verbose_name='filters')),
                ('day', models.DateField(verbose_name='day')),
                ('computed_at', models.DateTimeField(verbose_name='computed at')),
                ('figures', models.JSONField(verbose_name='figures')),
            ],
            options={
                'verbose_name': 'dashboard snapshot',
                'verbose_name_plural': 'dashboard snapshots',
                'constraints': [models.UniqueConstraint(fields=('scope', 'filters'), name='snapshot_scope_filters')],
            },
        ),
    ]
