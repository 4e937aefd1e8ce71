"""Procurement's models, moved from grants with their tables: the state only.

Suppliers, their bank details' changes, purchase orders, quotes and cash grants (and
their histories) keep their `grants_…` tables (`db_table`), so nothing is written to the
database: grants 0020 removes them from grants' state, 0002 here renames their content
types (and so their permissions).
"""

import django.db.models.deletion
import reintegration.common.collation
import reintegration.common.uploads
import reintegration.common.validators
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('grants', '0019_amendment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='HistoricalDisbursement',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount (DH)')),
                    ('paid_on', models.DateField(verbose_name='paid on')),
                    ('method', models.CharField(choices=[('transfer', 'Bank transfer'), ('cheque', 'Cheque')], max_length=10, verbose_name='method')),
                    ('reference', models.CharField(blank=True, max_length=50, verbose_name='reference')),
                    ('rib', models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='account credited (RIB)')),
                    ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.project', verbose_name='project')),
                ],
                options={
                    'verbose_name': 'historical disbursement',
                    'verbose_name_plural': 'historical disbursements',
                    'db_table': 'grants_historicaldisbursement',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalSupplier',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('name', models.CharField(max_length=200, verbose_name='name')),
                    ('ice', models.CharField(blank=True, max_length=15, validators=[reintegration.common.validators.validate_ice], verbose_name='ICE')),
                    ('rc', models.CharField(blank=True, max_length=50, verbose_name='commercial register (RC)')),
                    ('tax_id', models.CharField(blank=True, max_length=50, verbose_name='tax identifier (IF)')),
                    ('phone', models.CharField(blank=True, max_length=16, verbose_name='phone')),
                    ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                    ('address', models.TextField(blank=True, verbose_name='address')),
                    ('rib', models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='bank account (RIB)')),
                    ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical supplier',
                    'verbose_name_plural': 'historical suppliers',
                    'db_table': 'grants_historicalsupplier',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='Supplier',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=200, verbose_name='name')),
                    ('ice', models.CharField(blank=True, max_length=15, validators=[reintegration.common.validators.validate_ice], verbose_name='ICE')),
                    ('rc', models.CharField(blank=True, max_length=50, verbose_name='commercial register (RC)')),
                    ('tax_id', models.CharField(blank=True, max_length=50, verbose_name='tax identifier (IF)')),
                    ('phone', models.CharField(blank=True, max_length=16, verbose_name='phone')),
                    ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                    ('address', models.TextField(blank=True, verbose_name='address')),
                    ('rib', models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='bank account (RIB)')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ],
                options={
                    'verbose_name': 'supplier',
                    'verbose_name_plural': 'suppliers',
                    'db_table': 'grants_supplier',
                    'ordering': [reintegration.common.collation.LocalisedOrder('name')],
                    'constraints': [models.UniqueConstraint(condition=models.Q(('ice', ''), _negated=True), fields=('ice',), name='unique_supplier_ice')],
                },
            ),
            migrations.CreateModel(
                name='PurchaseOrder',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('number', models.CharField(editable=False, max_length=20, unique=True, verbose_name='number')),
                    ('ordered_on', models.DateField(verbose_name='ordered on')),
                    ('status', models.CharField(choices=[('draft', 'Draft'), ('sent', 'Sent'), ('delivered', 'Delivered'), ('invoiced', 'Invoiced')], default='draft', max_length=10, verbose_name='status')),
                    ('supplier_rib', models.CharField(blank=True, max_length=24, verbose_name="supplier's RIB on the order")),
                    ('supplier_ice', models.CharField(blank=True, max_length=15, verbose_name="supplier's ICE on the order")),
                    ('invoice_number', models.CharField(blank=True, max_length=50, verbose_name='invoice number')),
                    ('invoice_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='invoice amount (DH)')),
                    ('delivered_on', models.DateField(blank=True, null=True, verbose_name='delivered on')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                    ('convention', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='purchase_orders', to='grants.convention', verbose_name='convention')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                    ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='purchase_orders', to='procurement.supplier', verbose_name='supplier')),
                ],
                options={
                    'verbose_name': 'purchase order',
                    'verbose_name_plural': 'purchase orders',
                    'db_table': 'grants_purchaseorder',
                    'ordering': ['-ordered_on', '-number'],
                },
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
                    ('document', models.TextField(help_text="The supplier's bank certificate (attestation de RIB) on its letterhead.", max_length=100, validators=[reintegration.common.uploads.UploadCheck()], verbose_name='supporting document')),
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
                    ('supplier', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='procurement.supplier', verbose_name='supplier')),
                ],
                options={
                    'verbose_name': 'historical change of bank details',
                    'verbose_name_plural': 'historical changes of bank details',
                    'db_table': 'grants_historicalsupplierbankchange',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalQuote',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount (DH)')),
                    ('quoted_on', models.DateField(verbose_name='date')),
                    ('document', models.TextField(blank=True, max_length=100, validators=[reintegration.common.uploads.UploadCheck()], verbose_name='document')),
                    ('chosen', models.BooleanField(default=False, verbose_name='chosen')),
                    ('justification', models.TextField(blank=True, help_text='Required when the chosen quote is not the lowest.', verbose_name='justification')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('purchase_order', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='procurement.purchaseorder', verbose_name='purchase order')),
                    ('supplier', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='procurement.supplier', verbose_name='supplier')),
                ],
                options={
                    'verbose_name': 'historical quote',
                    'verbose_name_plural': 'historical quotes',
                    'db_table': 'grants_historicalquote',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalPurchaseOrder',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('number', models.CharField(db_index=True, editable=False, max_length=20, verbose_name='number')),
                    ('ordered_on', models.DateField(verbose_name='ordered on')),
                    ('status', models.CharField(choices=[('draft', 'Draft'), ('sent', 'Sent'), ('delivered', 'Delivered'), ('invoiced', 'Invoiced')], default='draft', max_length=10, verbose_name='status')),
                    ('supplier_rib', models.CharField(blank=True, max_length=24, verbose_name="supplier's RIB on the order")),
                    ('supplier_ice', models.CharField(blank=True, max_length=15, verbose_name="supplier's ICE on the order")),
                    ('invoice_number', models.CharField(blank=True, max_length=50, verbose_name='invoice number')),
                    ('invoice_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='invoice amount (DH)')),
                    ('delivered_on', models.DateField(blank=True, null=True, verbose_name='delivered on')),
                    ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('convention', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.convention', verbose_name='convention')),
                    ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('supplier', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='procurement.supplier', verbose_name='supplier')),
                ],
                options={
                    'verbose_name': 'historical purchase order',
                    'verbose_name_plural': 'historical purchase orders',
                    'db_table': 'grants_historicalpurchaseorder',
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
                    ('document', models.FileField(help_text="The supplier's bank certificate (attestation de RIB) on its letterhead.", upload_to=reintegration.common.uploads.StoredName('bank_certificates', 'document'), validators=[reintegration.common.uploads.UploadCheck()], verbose_name='supporting document')),
                    ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                    ('status', models.CharField(choices=[('pending', 'Awaiting decision'), ('approved', 'Approved'), ('refused', 'Refused')], default='pending', max_length=10, verbose_name='status')),
                    ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                    ('decision_reason', models.TextField(blank=True, verbose_name='reason for the decision')),
                    ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                    ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                    ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bank_changes', to='procurement.supplier', verbose_name='supplier')),
                ],
                options={
                    'verbose_name': 'change of bank details',
                    'verbose_name_plural': 'changes of bank details',
                    'db_table': 'grants_supplierbankchange',
                    'ordering': ['-requested_at', '-pk'],
                    'permissions': [('decide_supplierbankchange', 'Can approve or refuse a change of bank details')],
                },
            ),
            migrations.CreateModel(
                name='Disbursement',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount (DH)')),
                    ('paid_on', models.DateField(verbose_name='paid on')),
                    ('method', models.CharField(choices=[('transfer', 'Bank transfer'), ('cheque', 'Cheque')], max_length=10, verbose_name='method')),
                    ('reference', models.CharField(blank=True, max_length=50, verbose_name='reference')),
                    ('rib', models.CharField(blank=True, max_length=24, validators=[reintegration.common.validators.validate_rib], verbose_name='account credited (RIB)')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                    ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='disbursements', to='grants.project', verbose_name='project')),
                ],
                options={
                    'verbose_name': 'disbursement',
                    'verbose_name_plural': 'disbursements',
                    'db_table': 'grants_disbursement',
                    'ordering': ['-paid_on'],
                    'indexes': [models.Index(fields=['project'], include=('amount',), name='disbursement_project_amount')],
                    'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='disbursement_amount_positive')],
                },
            ),
            migrations.CreateModel(
                name='Quote',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount (DH)')),
                    ('quoted_on', models.DateField(verbose_name='date')),
                    ('document', models.FileField(blank=True, upload_to=reintegration.common.uploads.StoredName('quotes', 'document'), validators=[reintegration.common.uploads.UploadCheck()], verbose_name='document')),
                    ('chosen', models.BooleanField(default=False, verbose_name='chosen')),
                    ('justification', models.TextField(blank=True, help_text='Required when the chosen quote is not the lowest.', verbose_name='justification')),
                    ('purchase_order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quotes', to='procurement.purchaseorder', verbose_name='purchase order')),
                    ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='quotes', to='procurement.supplier', verbose_name='supplier')),
                ],
                options={
                    'verbose_name': 'quote',
                    'verbose_name_plural': 'quotes',
                    'db_table': 'grants_quote',
                    'ordering': ['amount'],
                    'constraints': [models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='quote_amount_non_negative')],
                },
            ),
            migrations.AddConstraint(
                model_name='purchaseorder',
                constraint=models.CheckConstraint(condition=models.Q(('invoice_amount__isnull', True), ('invoice_amount__gte', 0), _connector='OR'), name='purchaseorder_invoice_non_negative'),
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
        ]),
    ]
