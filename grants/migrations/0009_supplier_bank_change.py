"""Changes of a supplier's bank details under four eyes; the RIB (and ICE) in force kept
on each purchase order, the account credited on each cash payment."""

import django.core.validators
import django.db.models.deletion
import grants.models
import reintegration.common.validators
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0008_convention_figures'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalsupplier',
            name='ice',
            field=models.CharField(blank=True, max_length=15, validators=[reintegration.common.validators.validate_ice], verbose_name='ICE'),
        ),
        migrations.AlterField(
            model_name='historicalsupplier',
            name='rib',
            field=models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='bank account (RIB)'),
        ),
        migrations.AlterField(
            model_name='supplier',
            name='ice',
            field=models.CharField(blank=True, max_length=15, validators=[reintegration.common.validators.validate_ice], verbose_name='ICE'),
        ),
        migrations.AlterField(
            model_name='supplier',
            name='rib',
            field=models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='bank account (RIB)'),
        ),
        migrations.AddField(
            model_name='disbursement',
            name='rib',
            field=models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='account credited (RIB)'),
        ),
        migrations.AddField(
            model_name='historicaldisbursement',
            name='rib',
            field=models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='account credited (RIB)'),
        ),
        migrations.AddField(
            model_name='historicalpurchaseorder',
            name='supplier_ice',
            field=models.CharField(blank=True, max_length=15, verbose_name="supplier's ICE on the order"),
        ),
        migrations.AddField(
            model_name='historicalpurchaseorder',
            name='supplier_rib',
            field=models.CharField(blank=True, max_length=24, verbose_name="supplier's RIB on the order"),
        ),
        migrations.AddField(
            model_name='purchaseorder',
            name='supplier_ice',
            field=models.CharField(blank=True, max_length=15, verbose_name="supplier's ICE on the order"),
        ),
        migrations.AddField(
            model_name='purchaseorder',
            name='supplier_rib',
            field=models.CharField(blank=True, max_length=24, verbose_name="supplier's RIB on the order"),
        ),
        migrations.CreateModel(
            name='HistoricalSupplierBankChange',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('old_rib', models.CharField(blank=True, max_length=24, verbose_name='former RIB')),
                ('new_rib', models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='new RIB')),
                ('old_ice', models.CharField(blank=True, max_length=15, verbose_name='former ICE')),
                ('new_ice', models.CharField(blank=True, max_length=15, validators=[reintegration.common.validators.validate_ice], verbose_name='new ICE')),
                ('reason', models.TextField(verbose_name='reason for the change')),
                ('document', models.TextField(help_text="The supplier's bank certificate (attestation de RIB) on its letterhead.", max_length=100, verbose_name='supporting document')),
                ('requested_at', models.DateTimeField(blank=True, editable=False, verbose_name='requested at')),
                ('status', models.CharField(choices=[('pending', 'Awaiting decision'), ('approved', 'Approved'), ('refused', 'Refused')], default='pending', max_length=10, verbose_name='status')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_reason', models.TextField(blank=True, verbose_name='reason for the decision')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decided_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('requested_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('supplier', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.supplier', verbose_name='supplier')),
            ],
            options={
                'verbose_name': 'historical change of bank details',
                'verbose_name_plural': 'historical changes of bank details',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SupplierBankChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('old_rib', models.CharField(blank=True, max_length=24, verbose_name='former RIB')),
                ('new_rib', models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='new RIB')),
                ('old_ice', models.CharField(blank=True, max_length=15, verbose_name='former ICE')),
                ('new_ice', models.CharField(blank=True, max_length=15, validators=[reintegration.common.validators.validate_ice], verbose_name='new ICE')),
                ('reason', models.TextField(verbose_name='reason for the change')),
                ('document', models.FileField(help_text="The supplier's bank certificate (attestation de RIB) on its letterhead.", upload_to=grants.models.bank_certificate_upload_to, verbose_name='supporting document')),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                ('status', models.CharField(choices=[('pending', 'Awaiting decision'), ('approved', 'Approved'), ('refused', 'Refused')], default='pending', max_length=10, verbose_name='status')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_reason', models.TextField(blank=True, verbose_name='reason for the decision')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bank_changes', to='grants.supplier', verbose_name='supplier')),
            ],
            options={
                'verbose_name': 'change of bank details',
                'verbose_name_plural': 'changes of bank details',
                'ordering': ['-requested_at', '-pk'],
                'permissions': [('decide_supplierbankchange', 'Can approve or refuse a change of bank details')],
            },
        ),
        migrations.AddConstraint(
            model_name='supplierbankchange',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('supplier',), name='bank_change_one_pending'),
        ),
        migrations.AddConstraint(
            model_name='supplierbankchange',
            constraint=models.CheckConstraint(condition=models.Q(('decided_by__isnull', True), models.Q(('decided_by', models.F('requested_by')), _negated=True), _connector='OR'), name='bank_change_decided_by_another'),
        ),
        migrations.AddConstraint(
            model_name='supplierbankchange',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('decided_at__isnull', True), ('decided_by__isnull', True), ('status', 'pending')), models.Q(models.Q(('status', 'pending'), _negated=True), ('decided_at__isnull', False), ('decided_by__isnull', False)), _connector='OR'), name='bank_change_decision_complete'),
        ),
        migrations.AddConstraint(
            model_name='supplierbankchange',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('new_rib', models.F('old_rib')), _negated=True), models.Q(('new_ice', models.F('old_ice')), _negated=True), _connector='OR'), name='bank_change_changes_something'),
        ),
    ]
