"""Each beneficiary's attendance at a ceremony (present, represented by a proxy, absent) and
the certificate's link to it."""

import ceremonies.models
import django.db.models.deletion
import reintegration.common.uploads
import reintegration.common.validators
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ceremonies', '0008_guest_category'),
        ('grants', '0019_amendment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Attendance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('present', 'Present'), ('represented', 'Represented by a proxy'), ('absent', 'Absent')], default='present', max_length=12, verbose_name='attendance')),
                ('proxy_name', models.CharField(blank=True, max_length=200, verbose_name="proxy's name")),
                ('proxy_cin', models.CharField(blank=True, max_length=10, validators=[reintegration.common.validators.validate_cin], verbose_name="proxy's national ID number (CIN)")),
                ('proxy_document', models.FileField(blank=True, upload_to=ceremonies.models.power_of_attorney_upload_to, validators=[reintegration.common.uploads.UploadCheck()], verbose_name='power of attorney')),
                ('proxy_document_content_type', models.CharField(blank=True, editable=False, max_length=50)),
                ('recorded_at', models.DateTimeField(auto_now=True, verbose_name='recorded at')),
                ('ceremony', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendances', to='ceremonies.ceremony', verbose_name='ceremony')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ceremony_attendances', to='grants.project', verbose_name='project')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'verbose_name': "beneficiary's attendance",
                'verbose_name_plural': "beneficiaries' attendance",
                'ordering': ['ceremony', 'project'],
            },
        ),
        migrations.AddField(
            model_name='handover',
            name='attendance',
            field=models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='handover', to='ceremonies.attendance', verbose_name='attendance'),
        ),
        migrations.AddField(
            model_name='historicalhandover',
            name='attendance',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ceremonies.attendance', verbose_name='attendance'),
        ),
        migrations.CreateModel(
            name='HistoricalAttendance',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('present', 'Present'), ('represented', 'Represented by a proxy'), ('absent', 'Absent')], default='present', max_length=12, verbose_name='attendance')),
                ('proxy_name', models.CharField(blank=True, max_length=200, verbose_name="proxy's name")),
                ('proxy_cin', models.CharField(blank=True, max_length=10, validators=[reintegration.common.validators.validate_cin], verbose_name="proxy's national ID number (CIN)")),
                ('proxy_document', models.TextField(blank=True, max_length=100, validators=[reintegration.common.uploads.UploadCheck()], verbose_name='power of attorney')),
                ('proxy_document_content_type', models.CharField(blank=True, editable=False, max_length=50)),
                ('recorded_at', models.DateTimeField(blank=True, editable=False, verbose_name='recorded at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('ceremony', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ceremonies.ceremony', verbose_name='ceremony')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.project', verbose_name='project')),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'verbose_name': "historical beneficiary's attendance",
                'verbose_name_plural': "historical beneficiaries' attendance",
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name='attendance',
            constraint=models.UniqueConstraint(fields=('ceremony', 'project'), name='one_attendance_per_project'),
        ),
        migrations.AddConstraint(
            model_name='attendance',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'represented'), models.Q(('proxy_name', ''), _negated=True), models.Q(('proxy_cin', ''), _negated=True)), models.Q(models.Q(('status', 'represented'), _negated=True), ('proxy_cin', ''), ('proxy_name', '')), _connector='OR'), name='attendance_proxy_details_when_represented'),
        ),
    ]
