"""Amendments: a change of a project's approved amount (and cash grant) after its
approval, requested by staff and decided by an officer (`grants.services`)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0018_equipment_invoice_shares"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Amendment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('previous_amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='approved amount before (DH)')),
                ('requested_amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='approved amount requested (DH)')),
                ('previous_cash_grant', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='cash grant before (DH)')),
                ('cash_grant_amount', models.DecimalField(blank=True, decimal_places=2, help_text='Empty: the cash grant stays as it is.', max_digits=12, null=True, verbose_name='cash grant requested (DH)')),
                ('reason', models.TextField(verbose_name='reason')),
                ('status', models.CharField(choices=[('requested', 'Requested'), ('approved', 'Approved'), ('refused', 'Refused'), ('withdrawn', 'Withdrawn')], default='requested', max_length=10, verbose_name='status')),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                ('decided_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='approved amount decided (DH)')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_reason', models.TextField(blank=True, verbose_name='reason for the decision')),
            ],
            options={
                'verbose_name': 'amendment',
                'verbose_name_plural': 'amendments',
                'ordering': ['requested_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAmendment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('previous_amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='approved amount before (DH)')),
                ('requested_amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='approved amount requested (DH)')),
                ('previous_cash_grant', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='cash grant before (DH)')),
                ('cash_grant_amount', models.DecimalField(blank=True, decimal_places=2, help_text='Empty: the cash grant stays as it is.', max_digits=12, null=True, verbose_name='cash grant requested (DH)')),
                ('reason', models.TextField(verbose_name='reason')),
                ('status', models.CharField(choices=[('requested', 'Requested'), ('approved', 'Approved'), ('refused', 'Refused'), ('withdrawn', 'Withdrawn')], default='requested', max_length=10, verbose_name='status')),
                ('requested_at', models.DateTimeField(blank=True, editable=False, verbose_name='requested at')),
                ('decided_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='approved amount decided (DH)')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_reason', models.TextField(blank=True, verbose_name='reason for the decision')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical amendment',
                'verbose_name_plural': 'historical amendments',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name='amendment',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='amendments_decided', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='amendment',
            name='project',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='amendments', to='grants.project', verbose_name='project'),
        ),
        migrations.AddField(
            model_name='amendment',
            name='requested_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='amendments_requested', to=settings.AUTH_USER_MODEL, verbose_name='requested by'),
        ),
        migrations.AddField(
            model_name='historicalamendment',
            name='decided_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='historicalamendment',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalamendment',
            name='project',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.project', verbose_name='project'),
        ),
        migrations.AddField(
            model_name='historicalamendment',
            name='requested_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by'),
        ),
        migrations.AddIndex(
            model_name='amendment',
            index=models.Index(condition=models.Q(('status', 'requested')), fields=['requested_at'], name='amendment_pending'),
        ),
        migrations.AddConstraint(
            model_name='amendment',
            constraint=models.CheckConstraint(condition=models.Q(('requested_amount__gt', 0), ('previous_amount__gte', 0), ('previous_cash_grant__gte', 0)), name='amendment_amounts_positive'),
        ),
        migrations.AddConstraint(
            model_name='amendment',
            constraint=models.CheckConstraint(condition=models.Q(('cash_grant_amount__isnull', True), ('cash_grant_amount__gte', 0), _connector='OR'), name='amendment_cash_grant_non_negative'),
        ),
        migrations.AddConstraint(
            model_name='amendment',
            constraint=models.CheckConstraint(condition=models.Q(('decided_amount__isnull', True), models.Q(('decided_amount__gt', 0), ('decided_amount__lte', models.F('requested_amount'))), _connector='OR'), name='amendment_decided_within_requested'),
        ),
        migrations.AddConstraint(
            model_name='amendment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('decided_amount__isnull', True), ('decided_at__isnull', True), ('decided_by__isnull', True), ('status', 'requested')), models.Q(('decided_amount__isnull', False), ('decided_at__isnull', False), ('decided_by__isnull', False), ('status', 'approved')), models.Q(('decided_amount__isnull', True), ('decided_at__isnull', False), ('decided_by__isnull', False), ('status__in', ['refused', 'withdrawn'])), _connector='OR'), name='amendment_decision_complete'),
        ),
        migrations.AddConstraint(
            model_name='amendment',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'requested')), fields=('project',), name='one_pending_amendment_per_project'),
        ),
    ]
