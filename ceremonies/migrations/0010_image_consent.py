"""Image rights: each beneficiary's signed consent to be photographed and named in the
press, and who each ceremony photo shows."""

import ceremonies.models
import django.db.models.deletion
import reintegration.common.uploads
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0009_names_in_french_collation'),
        ('ceremonies', '0009_beneficiary_attendance'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='ceremonyphoto',
            name='people',
            field=models.ManyToManyField(blank=True, related_name='ceremony_photos', to='beneficiaries.beneficiary', verbose_name='beneficiaries shown'),
        ),
        migrations.CreateModel(
            name='HistoricalCeremonyPhoto_people',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('beneficiary', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='beneficiaries.beneficiary')),
                ('ceremonyphoto', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ceremonies.ceremonyphoto')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='ceremonies.historicalceremonyphoto')),
            ],
            options={
                'verbose_name': 'HistoricalCeremonyPhoto_people',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalImageConsent',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('granted', models.BooleanField(default=False, verbose_name='agrees to be photographed and named in the press')),
                ('signed_on', models.DateField(verbose_name='signed on')),
                ('signed_form', models.TextField(blank=True, max_length=100, validators=[reintegration.common.uploads.UploadCheck()], verbose_name='signed form')),
                ('signed_form_content_type', models.CharField(blank=True, editable=False, max_length=50)),
                ('recorded_at', models.DateTimeField(blank=True, editable=False, verbose_name='recorded at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('beneficiary', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='beneficiaries.beneficiary', verbose_name='beneficiary')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'verbose_name': 'historical image-rights consent',
                'verbose_name_plural': 'historical image-rights consents',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ImageConsent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('granted', models.BooleanField(default=False, verbose_name='agrees to be photographed and named in the press')),
                ('signed_on', models.DateField(verbose_name='signed on')),
                ('signed_form', models.FileField(blank=True, upload_to=ceremonies.models.consent_form_upload_to, validators=[reintegration.common.uploads.UploadCheck()], verbose_name='signed form')),
                ('signed_form_content_type', models.CharField(blank=True, editable=False, max_length=50)),
                ('recorded_at', models.DateTimeField(auto_now=True, verbose_name='recorded at')),
                ('beneficiary', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='image_consent', to='beneficiaries.beneficiary', verbose_name='beneficiary')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'verbose_name': 'image-rights consent',
                'verbose_name_plural': 'image-rights consents',
            },
        ),
    ]
