"""Follow-up's models, moved from grants with their tables: the state only.

The visits (and their history) and the projects' outcomes keep their `grants_…` tables
(`db_table`), so nothing is written to the database: grants 0021 removes them from grants'
state, 0002 here renames their content types (and so their permissions).
"""

import django.db.models.deletion
import grants.models
import reintegration.common.uploads
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('grants', '0020_procurement_models_to_procurement'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='ProjectOutcome',
                fields=[
                    ('project', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='outcome', serialize=False, to='grants.project', verbose_name='project')),
                    ('revenue', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='latest monthly revenue (DH)')),
                    ('jobs', models.PositiveSmallIntegerField(default=0, verbose_name='jobs at the latest visit')),
                    ('reincarcerated', models.BooleanField(default=False, verbose_name='beneficiary re-incarcerated')),
                    ('stopped_after_months', models.SmallIntegerField(blank=True, null=True, verbose_name='months after launch when first found stopped')),
                    ('observed_6', models.BooleanField(default=False, verbose_name='observed at 6 months')),
                    ('observed_12', models.BooleanField(default=False, verbose_name='observed at 12 months')),
                    ('observed_24', models.BooleanField(default=False, verbose_name='observed at 24 months')),
                ],
                options={
                    'verbose_name': 'project outcome',
                    'verbose_name_plural': 'project outcomes',
                    'db_table': 'grants_projectoutcome',
                },
            ),
            migrations.CreateModel(
                name='HistoricalFollowUpVisit',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('due_on', models.DateField(blank=True, null=True, verbose_name='due on')),
                    ('visited_on', models.DateField(blank=True, null=True, verbose_name='visited on')),
                    ('activity_status', models.CharField(blank=True, choices=[('active', 'Active'), ('struggling', 'Struggling'), ('stopped', 'Stopped')], max_length=10, verbose_name='activity status')),
                    ('monthly_revenue', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='monthly revenue (DH)')),
                    ('jobs_created', models.PositiveSmallIntegerField(default=0, verbose_name='jobs created')),
                    ('notes', models.TextField(blank=True, verbose_name='notes')),
                    ('next_visit_on', models.DateField(blank=True, null=True, verbose_name='next visit on')),
                    ('photo', models.TextField(blank=True, max_length=100, validators=[reintegration.common.uploads.UploadCheck(('image/jpeg', 'image/png'))], verbose_name='photo')),
                    ('equipment_missing', models.BooleanField(default=False, verbose_name='equipment sold or missing')),
                    ('activity_closed', models.BooleanField(default=False, verbose_name='activity closed')),
                    ('reincarcerated', models.BooleanField(default=False, verbose_name='beneficiary re-incarcerated')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.project', verbose_name='project')),
                    ('visitor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='visitor')),
                ],
                options={
                    'verbose_name': 'historical follow-up visit',
                    'verbose_name_plural': 'historical follow-up visits',
                    'db_table': 'grants_historicalfollowupvisit',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='FollowUpVisit',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('due_on', models.DateField(blank=True, null=True, verbose_name='due on')),
                    ('visited_on', models.DateField(blank=True, null=True, verbose_name='visited on')),
                    ('activity_status', models.CharField(blank=True, choices=[('active', 'Active'), ('struggling', 'Struggling'), ('stopped', 'Stopped')], max_length=10, verbose_name='activity status')),
                    ('monthly_revenue', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='monthly revenue (DH)')),
                    ('jobs_created', models.PositiveSmallIntegerField(default=0, verbose_name='jobs created')),
                    ('notes', models.TextField(blank=True, verbose_name='notes')),
                    ('next_visit_on', models.DateField(blank=True, null=True, verbose_name='next visit on')),
                    ('photo', models.ImageField(blank=True, upload_to=grants.models.visit_photo_upload_to, validators=[reintegration.common.uploads.UploadCheck(('image/jpeg', 'image/png'))], verbose_name='photo')),
                    ('equipment_missing', models.BooleanField(default=False, verbose_name='equipment sold or missing')),
                    ('activity_closed', models.BooleanField(default=False, verbose_name='activity closed')),
                    ('reincarcerated', models.BooleanField(default=False, verbose_name='beneficiary re-incarcerated')),
                    ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='visits', to='grants.project', verbose_name='project')),
                    ('visitor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='visits', to=settings.AUTH_USER_MODEL, verbose_name='visitor')),
                ],
                options={
                    'verbose_name': 'follow-up visit',
                    'verbose_name_plural': 'follow-up visits',
                    'db_table': 'grants_followupvisit',
                    'ordering': ['due_on', 'visited_on'],
                    'indexes': [models.Index(fields=['due_on', 'visited_on'], name='grants_foll_due_on_01ce9a_idx'), models.Index(condition=models.Q(('visited_on__isnull', True)), fields=['due_on'], name='visit_pending_due'), models.Index(fields=['project', '-visited_on'], name='visit_project_latest')],
                    'constraints': [models.CheckConstraint(condition=models.Q(('monthly_revenue__isnull', True), ('monthly_revenue__gte', 0), _connector='OR'), name='visit_revenue_non_negative')],
                },
            ),
        ]),
    ]
